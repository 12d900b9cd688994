// Jest transform for the launcher's plain ES modules (scripts/lib/*.mjs), so TypeScript that
// imports them (cluster/, the lab, the tests) runs under Jest's CommonJS module system as it does
// under tsx and Node. esbuild is the page bundler the project already pins.
const { transformSync } = require('esbuild');

module.exports = {
  process(source, filename) {
    const { code, map } = transformSync(source, {
      loader: 'js',
      format: 'cjs',
      target: 'node20',
      sourcefile: filename,
      sourcemap: 'inline',
      // CommonJS has no import.meta: give the module the same file URL and directory it would see.
      define: { 'import.meta.url': '__statelab_import_meta_url', 'import.meta.dirname': '__dirname', 'import.meta.filename': '__filename' },
      banner: 'const __statelab_import_meta_url = require("node:url").pathToFileURL(__filename).href;',
    });
    return { code, map };
  },
};

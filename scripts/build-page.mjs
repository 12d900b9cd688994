#!/usr/bin/env node
// `npm run build:page`: bundles the lab page (public/src/) into public/assets/lab.js and
// public/assets/lab.css (uPlot's CSS included) with esbuild. Everything the page loads is then
// served by nginx from public/: no CDN, works offline. public/assets/ is build output (git-ignored).
import { build } from 'esbuild';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');

const result = await build({
  absWorkingDir: root,
  entryPoints: [
    { in: 'public/src/main.ts', out: 'lab' },
    { in: 'public/src/lab.css', out: 'lab' },
  ],
  outdir: 'public/assets',
  bundle: true,
  format: 'esm',
  platform: 'browser',
  // The browsers a class uses; chromium in the e2e test is newer still.
  target: ['es2022', 'chrome110', 'firefox110', 'safari16'],
  minify: true,
  sourcemap: true,
  metafile: true,
  logLevel: 'warning',
});

for (const [file, { bytes }] of Object.entries(result.metafile.outputs)) {
  if (!file.endsWith('.map')) console.log(`  ${file}  ${(bytes / 1024).toFixed(1)} KiB`);
}

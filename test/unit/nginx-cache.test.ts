// The edge-caching lesson's guarantee, read from the committed render: one location caches (the
// product catalogue), and nothing overrides nginx's refusal to store a response that sets a
// cookie or says private/no-store.
import { readFileSync } from 'node:fs';
import path from 'node:path';

// Comments stripped: the template explains these directives in prose.
const conf = readFileSync(path.resolve(__dirname, '../../nginx/generated/compose.conf'), 'utf8').replace(/#.*$/gm, '');

/** `location … { … }` blocks (no nested braces in our locations). */
function locations(text: string): { name: string; body: string }[] {
  return [...text.matchAll(/location\s+([^{]+)\{([^}]*)\}/g)].map((m) => ({ name: m[1]!.trim(), body: m[2]! }));
}

describe('nginx edge cache', () => {
  it('when the config is rendered, then only the product catalogue location uses proxy_cache', () => {
    const caching = locations(conf).filter((l) => /^\s*proxy_cache\s/m.test(l.body)).map((l) => l.name);
    expect(caching).toEqual(['= /api/v1/stateless/products']);
  });

  it('when the config is rendered, then no directive makes nginx ignore Set-Cookie or Cache-Control', () => {
    expect(conf).not.toMatch(/proxy_ignore_headers/);
    expect(conf).not.toMatch(/proxy_hide_header\s+Set-Cookie/i);
  });

  it('when the products location answers, then it names the cache status', () => {
    const products = locations(conf).find((l) => l.name === '= /api/v1/stateless/products')!;
    expect(products.body).toMatch(/add_header X-Cache-Status \$upstream_cache_status always;/);
    expect(products.body).toMatch(/proxy_cache_bypass \$arg_nocache;/);
  });
});

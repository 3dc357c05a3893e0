import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUDGET_BYTES, firstLoadSize } from '../../scripts/console-size.ts';
import { startTestServer, type TestServer } from '../harness.ts';
import { buildConsole } from '../e2e/console-build.ts';
import { testRedisPrefix } from '../context.ts';

let dist: string;
let server: TestServer;
beforeAll(async () => {
  dist = buildConsole(testRedisPrefix());
  server = await startTestServer({ config: { KEYPLANE_CONSOLE_DIR: dist } });
}, 180_000);
afterAll(() => server?.close());

describe('the built console', () => {
  it('first load stays under 300 kB of compressed JavaScript', () => {
    const size = firstLoadSize(dist);
    expect(size.files.some((f) => f.file.endsWith('.js'))).toBe(true);
    expect(size.jsGzip).toBeGreaterThan(10_000); // a real bundle was measured
    expect(size.jsGzip).toBeLessThan(BUDGET_BYTES);
  });

  it('is a production build with no inline script or style (the CSP allows neither)', () => {
    const html = readFileSync(join(dist, 'index.html'), 'utf8');
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(html).not.toMatch(/<style\b/);
    expect(html).not.toMatch(/\sstyle=/);
    const js = readdirSync(join(dist, 'assets')).filter((f) => f.endsWith('.js'));
    const code = js.map((f) => readFileSync(join(dist, 'assets', f), 'utf8')).join('\n');
    expect(code).not.toContain('React DevTools'); // only development builds mention them
    expect(code).not.toMatch(/localStorage|sessionStorage/); // nothing is persisted, least of all a key
  });
});

describe('/console static route', () => {
  it('serves the app shell with a strict CSP and security headers, revalidated (no-cache)', async () => {
    for (const path of ['/console', '/console/', '/console/keys', '/console/keys/key_abc', '/console/index.html']) {
      const res = await fetch(`${server.url}${path}`);
      expect(res.status, path).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(await res.text()).toContain('<div id="root"></div>');
      expect(res.headers.get('cache-control')).toBe('no-cache');
      const csp = res.headers.get('content-security-policy')!;
      for (const d of ["default-src 'none'", "script-src 'self'", "style-src 'self'", "connect-src 'self'", "frame-ancestors 'none'", "base-uri 'none'"])
        expect(csp).toContain(d);
      expect(csp).not.toContain('unsafe');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
      expect(res.headers.get('strict-transport-security')).toBeNull(); // only in production
    }
  });

  it('fingerprinted assets are immutable, compressed, and revalidate by ETag', async () => {
    const html = await (await fetch(`${server.url}/console/`)).text();
    const js = /src="(\/console\/assets\/[^"]+\.js)"/.exec(html)![1]!;
    const res = await fetch(`${server.url}${js}`, { headers: { 'accept-encoding': 'gzip' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(res.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(res.headers.get('content-encoding')).toBe('gzip');
    const body = Buffer.from(await res.arrayBuffer());
    // fetch decodes gzip itself; the bytes are the file's either way.
    const file = readFileSync(join(dist, js.replace('/console/', '')));
    expect(body.equals(file) || gunzipSync(body).equals(file)).toBe(true);
    const etag = res.headers.get('etag')!;
    const again = await fetch(`${server.url}${js}`, { headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
    const br = await fetch(`${server.url}${js}`, { headers: { 'accept-encoding': 'br, gzip' } });
    expect(br.headers.get('content-encoding')).toBe('br');
  });

  it('a missing asset is a 404, not the app shell', async () => {
    expect((await fetch(`${server.url}/console/assets/nope-123.js`)).status).toBe(404);
    expect((await fetch(`${server.url}/console/robots.txt`)).status).toBe(404);
    expect((await fetch(`${server.url}/console/.vite/manifest.json`)).status).toBe(404);
  });
});

import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, resolve, sep } from 'node:path';
import { brotliCompressSync, constants as zlib, gzipSync } from 'node:zlib';
import type { App } from '../app.ts';
import type { RequestMeta } from '../modules/principal/actor.ts';
import { cookieNames, type ConsoleSessions } from '../modules/console/console-auth.ts';
import { endConsoleSession, exchangeConsoleLink, previewConsoleLink, type LinkPreview } from '../modules/console/console-session.service.ts';
import { readBody } from './body.ts';
import { errorBody } from './errors.ts';
import { UNAUTHENTICATED_BODY } from './request-auth.ts';

export const CONSOLE_PREFIX = '/console';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
};
const COMPRESSIBLE = new Set(['.html', '.js', '.css', '.svg', '.json', '.webmanifest', '.txt']);

/**
 * The console is a static bundle: scripts and styles from this origin only, no inline code, no
 * framing, and connections (fetch, graphql-ws) back to this origin only.
 */
export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

type Asset = { body: Buffer; gzip: Buffer | null; br: Buffer | null; type: string; etag: string; immutable: boolean };

/**
 * Compressed variants by content digest, made once per process: brotli at quality 11 costs about a
 * second of CPU for the console's build, and a reload (or another app in the same process, as in
 * tests) finds most files unchanged. Bounded to a few builds' worth of files.
 */
const compressedByDigest = new Map<string, { gzip: Buffer; br: Buffer }>();
function compressed(digest: string, body: Buffer): { gzip: Buffer; br: Buffer } {
  let c = compressedByDigest.get(digest);
  if (!c) {
    c = { gzip: gzipSync(body, { level: 9 }), br: brotliCompressSync(body, { params: { [zlib.BROTLI_PARAM_QUALITY]: 11 } }) };
    if (compressedByDigest.size >= 256) compressedByDigest.delete(compressedByDigest.keys().next().value!);
    compressedByDigest.set(digest, c);
  }
  return c;
}

/** Reads the whole build into memory once, with gzip and brotli variants (it is a few hundred kB). */
function loadAssets(dir: string): Map<string, Asset> | null {
  if (!existsSync(join(dir, 'index.html'))) return null;
  const assets = new Map<string, Asset>();
  const walk = (rel: string) => {
    for (const name of readdirSync(join(dir, rel))) {
      const relPath = rel ? `${rel}/${name}` : name;
      const full = join(dir, relPath);
      if (name.startsWith('.')) continue; // .vite/manifest.json and other build metadata
      if (statSync(full).isDirectory()) {
        walk(relPath);
        continue;
      }
      const ext = extname(name);
      const type = TYPES[ext];
      if (!type) continue;
      const body = readFileSync(full);
      const digest = createHash('sha256').update(body).digest('base64url');
      const { gzip, br } = COMPRESSIBLE.has(ext) && body.length > 512 ? compressed(digest, body) : { gzip: null, br: null };
      assets.set(`/${relPath}`, {
        body,
        gzip,
        br,
        type,
        etag: `"${digest.slice(0, 22)}"`,
        // Vite fingerprints everything under assets/: a new build means new names.
        immutable: relPath.startsWith('assets/'),
      });
    }
  };
  walk('');
  return assets;
}

function securityHeaders(production: boolean): Record<string, string> {
  return {
    'content-security-policy': CONSOLE_CSP,
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'referrer-policy': 'no-referrer',
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-resource-policy': 'same-origin',
    'permissions-policy': 'camera=(), microphone=(), geolocation=(), payment=()',
    ...(production ? { 'strict-transport-security': 'max-age=31536000; includeSubDomains' } : {}),
  };
}

function cookie(name: string, value: string, opts: { httpOnly: boolean; maxAgeSeconds: number; secure: boolean }): string {
  return [
    `${name}=${value}`,
    'Path=/',
    `Max-Age=${opts.maxAgeSeconds}`,
    'SameSite=Strict',
    ...(opts.httpOnly ? ['HttpOnly'] : []),
    ...(opts.secure ? ['Secure'] : []),
  ].join('; ');
}

const NOT_BUILT = `<!doctype html><meta charset="utf-8"><title>Keyplane console</title>
<p>The console has not been built. Run <code>npm run console:build</code> (it also runs on <code>npm ci</code>) and restart.</p>`;

const LINK_REFUSED = `<!doctype html><html lang="en"><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign-in link not valid · Keyplane</title>
<main style="font:16px/1.5 system-ui,sans-serif;max-width:34rem;margin:4rem auto;padding:0 1rem;color:#111">
<h1>This sign-in link cannot be used</h1>
<p>Console links work once and only for a few minutes. Ask the application that sent you here for a new link, or <a href="/console/">sign in with a key</a>.</p>
</main></html>`;

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * The page a console link opens: who it signs in as, and a button that posts the token back.
 * Styled by the console's own stylesheet when the console is built (no inline styles: the CSP).
 */
function confirmPage(token: string, preview: LinkPreview, stylesheet: string | undefined): string {
  return `<!doctype html><html lang="en"><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in · Keyplane</title>${stylesheet ? `\n<link rel="stylesheet" href="${CONSOLE_PREFIX}${stylesheet}">` : ''}
<main class="signin" id="main">
<h1>Sign in to the Keyplane console</h1>
<div class="panel">
<p>You are signing in as <strong>${escapeHtml(preview.userName)}</strong> in <strong>${escapeHtml(preview.organizationName)}</strong>.</p>
<form method="post" action="${CONSOLE_PREFIX}/auth"><input type="hidden" name="token" value="${escapeHtml(token)}"><button type="submit" class="primary">Continue</button></form>
</div>
<p class="hint">If you did not ask to sign in, close this page: the link expires on its own.</p>
</main></html>`;
}

/** A sign-in token fits in a few hundred bytes of form body. */
const MAX_AUTH_BODY_BYTES = 1024;

/**
 * True when a browser says the request comes from another site: Fetch Metadata first, else the
 * Origin header against this request's host (and the public URL, behind a proxy). Requests with
 * neither are not from a browser form, so they are not cross-site requests a victim could be
 * made to send.
 */
function crossSite(req: IncomingMessage, publicUrl: string | undefined): boolean {
  const site = req.headers['sec-fetch-site'];
  if (typeof site === 'string') return site !== 'same-origin';
  const origin = req.headers.origin;
  if (typeof origin !== 'string') return false;
  let host: string;
  try {
    host = new URL(origin).host;
  } catch {
    return true; // "null" (sandboxed frames, some redirects) and anything unparsable
  }
  if (host === req.headers.host) return false;
  return !(publicUrl && host === new URL(publicUrl).host);
}

/**
 * Everything under /console: the static console (correct caching, CSP and security headers),
 * console links (`GET /console/auth?token=…` shows who the link signs in as, without using it;
 * the page's same-origin `POST /console/auth` uses it and sets the session and CSRF cookies),
 * and `POST /console/logout`.
 */
export function createConsoleRoute(app: App, sessions: ConsoleSessions) {
  const { config } = app.deps;
  const dir = resolve(config.consoleDir);
  const names = cookieNames(config.production);
  const secure = config.production;
  const headers = securityHeaders(config.production);
  let assets: Map<string, Asset> | null | undefined;
  const getAssets = () => {
    // Outside production a build made while the server runs is picked up without a restart.
    if (assets === undefined || (!config.production && !assets)) assets = loadAssets(dir);
    return assets;
  };

  const send = (res: ServerResponse, status: number, type: string, body: string | Buffer, extra: Record<string, string> = {}) => {
    res.writeHead(status, { ...headers, 'content-type': type, 'cache-control': 'no-store', ...extra });
    res.end(body);
  };

  /** Errors of the console's own routes: Keyplane's one error body (pages for people stay HTML). */
  const fail = (res: ServerResponse, status: number, code: string, message: string, extra: Record<string, string> = {}) =>
    send(res, status, 'application/json; charset=utf-8', errorBody(code, message), extra);

  const serve = (req: IncomingMessage, res: ServerResponse, path: string) => {
    const all = getAssets();
    if (!all) return send(res, 503, TYPES['.html']!, NOT_BUILT);
    const rel = path.slice(CONSOLE_PREFIX.length) || '/';
    let asset = all.get(rel);
    // Client-side routes (/console/keys/…) get the app shell; a missing fingerprinted file is a 404.
    if (!asset) {
      if (rel.startsWith('/assets/') || extname(rel) !== '') return fail(res, 404, 'NOT_FOUND', 'no such console file');
      asset = all.get('/index.html')!;
    }
    const h: Record<string, string> = {
      ...headers,
      'content-type': asset.type,
      etag: asset.etag,
      vary: 'accept-encoding',
      'cache-control': asset.immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
    };
    if (req.headers['if-none-match'] === asset.etag) {
      res.writeHead(304, h);
      return void res.end();
    }
    const accept = String(req.headers['accept-encoding'] ?? '');
    let body = asset.body;
    if (asset.br && /\bbr\b/.test(accept)) {
      body = asset.br;
      h['content-encoding'] = 'br';
    } else if (asset.gzip && /\bgzip\b/.test(accept)) {
      body = asset.gzip;
      h['content-encoding'] = 'gzip';
    }
    h['content-length'] = String(body.length);
    res.writeHead(200, h);
    res.end(req.method === 'HEAD' ? undefined : body);
  };

  const confirm = async (req: IncomingMessage, res: ServerResponse) => {
    const token = new URL(req.url ?? '/', 'http://localhost').searchParams.get('token');
    const preview = token ? await previewConsoleLink(app.deps, token) : null;
    if (!preview || !token) return send(res, 401, TYPES['.html']!, LINK_REFUSED);
    const stylesheet = [...(getAssets()?.keys() ?? [])].find((p) => p.startsWith('/assets/') && p.endsWith('.css'));
    send(res, 200, TYPES['.html']!, req.method === 'HEAD' ? '' : confirmPage(token, preview, stylesheet));
  };

  const exchange = async (req: IncomingMessage, res: ServerResponse, meta: RequestMeta) => {
    if (crossSite(req, config.publicUrl)) return fail(res, 403, 'FORBIDDEN', 'sign-in must come from the Keyplane console page');
    const type = req.headers['content-type'] ?? '';
    if (!type.startsWith('application/x-www-form-urlencoded'))
      return fail(res, 415, 'UNSUPPORTED_MEDIA_TYPE', 'send the form as application/x-www-form-urlencoded');
    if (Number(req.headers['content-length'] ?? 0) > MAX_AUTH_BODY_BYTES) return fail(res, 413, 'PAYLOAD_TOO_LARGE', 'request body too large');
    const body = await readBody(req, MAX_AUTH_BODY_BYTES);
    if (body === null) return fail(res, 413, 'PAYLOAD_TOO_LARGE', 'request body too large');
    const token = new URLSearchParams(body.toString('utf8')).get('token');
    const session = await exchangeConsoleLink(app.deps, token, meta);
    if (!session) return send(res, 401, TYPES['.html']!, LINK_REFUSED);
    const maxAge = Math.floor(config.consoleSessionTtlMs / 1000);
    res.writeHead(303, {
      ...headers,
      location: `${CONSOLE_PREFIX}${session.returnPath ?? '/'}`,
      'cache-control': 'no-store',
      'set-cookie': [
        cookie(names.session, session.cookie, { httpOnly: true, maxAgeSeconds: maxAge, secure }),
        // Readable by the console's script, which echoes it in the CSRF header; useless cross-site.
        cookie(names.csrf, session.csrf, { httpOnly: false, maxAgeSeconds: maxAge, secure }),
      ],
    });
    res.end();
  };

  const logout = async (req: IncomingMessage, res: ServerResponse, meta: RequestMeta) => {
    const actor = await sessions.authenticate(req.headers, meta);
    if (!actor) {
      res.writeHead(401, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
      return void res.end(UNAUTHENTICATED_BODY);
    }
    await endConsoleSession(app.deps, actor);
    res.writeHead(204, {
      'cache-control': 'no-store',
      'set-cookie': [
        cookie(names.session, '', { httpOnly: true, maxAgeSeconds: 0, secure }),
        cookie(names.csrf, '', { httpOnly: false, maxAgeSeconds: 0, secure }),
      ],
    });
    res.end();
  };

  return async (req: IncomingMessage, res: ServerResponse, meta: RequestMeta): Promise<void> => {
    const path = (req.url ?? '/').split('?')[0]!;
    if (path === `${CONSOLE_PREFIX}/auth`) {
      if (req.method === 'GET' || req.method === 'HEAD') return confirm(req, res);
      if (req.method === 'POST') return exchange(req, res, meta);
      return fail(res, 405, 'METHOD_NOT_ALLOWED', 'method not allowed', { allow: 'GET, HEAD, POST' });
    }
    if (path === `${CONSOLE_PREFIX}/logout`) {
      if (req.method !== 'POST') return fail(res, 405, 'METHOD_NOT_ALLOWED', 'method not allowed', { allow: 'POST' });
      return logout(req, res, meta);
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return fail(res, 405, 'METHOD_NOT_ALLOWED', 'method not allowed', { allow: 'GET, HEAD' });
    // Decoded paths with dot segments or separators could escape the build folder: refuse them.
    let decoded: string;
    try {
      decoded = decodeURIComponent(path);
    } catch {
      return fail(res, 400, 'VALIDATION', 'bad path');
    }
    if (decoded.includes('..') || decoded.includes('\\') || decoded.includes('\0') || decoded.includes(`${sep}${sep}`))
      return fail(res, 400, 'VALIDATION', 'bad path');
    return serve(req, res, decoded);
  };
}

import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { ServerResponse } from 'node:http';
import { renderGraphiQL as yogaRenderGraphiQL } from 'graphql-yoga';

/** Where GraphiQL's own files are served from (the installed @graphql-yoga/graphiql package, not a CDN). */
export const GRAPHIQL_ASSETS = '/graphiql-assets';

const ASSETS: Record<string, string> = {
  'yoga-graphiql.umd.js': 'application/javascript; charset=utf-8',
  'graphiql.css': 'text/css; charset=utf-8',
  'monacoeditorwork/editor.worker.bundle.js': 'application/javascript; charset=utf-8',
  'monacoeditorwork/json.worker.bundle.js': 'application/javascript; charset=utf-8',
  'monacoeditorwork/graphql.worker..bundle.js': 'application/javascript; charset=utf-8',
};

const dist = join(dirname(createRequire(import.meta.url).resolve('@graphql-yoga/graphiql/package.json')), 'dist');

/**
 * Yoga's GraphiQL page with every asset from this server: it loads with no internet (an
 * air-gapped install, a laptop offline). The favicon, which Yoga takes from GitHub, is dropped.
 */
export function renderLocalGraphiQL(opts: Parameters<typeof yogaRenderGraphiQL>[0]): string {
  return yogaRenderGraphiQL(opts)
    .replace(/https:\/\/unpkg\.com\/@graphql-yoga\/graphiql@[^/]+\/dist\//g, `${GRAPHIQL_ASSETS}/`)
    .replace(/<link rel=icon href=https:[^>]+>/, '');
}

/** Serves one of GraphiQL's files (an allowlist: nothing else of node_modules is reachable). */
export async function graphiqlAsset(path: string, res: ServerResponse): Promise<boolean> {
  const name = path.slice(GRAPHIQL_ASSETS.length + 1);
  const type = Object.hasOwn(ASSETS, name) ? ASSETS[name] : undefined;
  if (!type) return false;
  const body = await readFile(join(dist, name));
  res.writeHead(200, { 'content-type': type, 'cache-control': 'public, max-age=86400', 'content-length': body.length });
  res.end(body);
  return true;
}

import { createServer, type IncomingMessage } from 'node:http';
import { bareAuthenticate, bareVerify, loadFixture } from './baseline-core.ts';

/** Bare node:http: the same token parse + HMAC + Map lookup for the caller and the verified key. */
const { pepper, keys } = loadFixture(process.env.BENCH_FIXTURE!);

function body(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

const server = createServer(async (req, res) => {
  if (req.method !== 'POST' || req.url !== '/v1/keys/verify') return void res.writeHead(404).end();
  if (!bareAuthenticate(pepper, keys, req.headers.authorization)) return void res.writeHead(401).end();
  let input: { token?: unknown; permission?: unknown };
  try {
    input = JSON.parse(await body(req));
  } catch {
    return void res.writeHead(400).end();
  }
  const r = bareVerify(pepper, keys, input.token, input.permission);
  res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(r));
});
server.keepAliveTimeout = 65_000;
server.listen(Number(process.env.PORT), '127.0.0.1', () => console.log('listening'));
process.on('SIGTERM', () => server.close(() => process.exit(0)));

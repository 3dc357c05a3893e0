import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { closeRequestPools, safeRequest, type Resolver } from '../src/lib/ssrf.ts';

/**
 * Keep-alive connections for webhook deliveries keep the SSRF guarantee: a pooled connection
 * is reused only for the destination it was made for, and a new connection re-checks the
 * address, so a DNS answer that turns private is refused on the next connection.
 */

let server: http.Server;
let port: number;
/** Remote port of the connection each request arrived on (the client's side of it). */
const arrivals: { host: string; socket: number }[] = [];
const sockets = new Set<Socket>();

beforeAll(async () => {
  server = http.createServer((req, res) => {
    arrivals.push({ host: req.headers.host ?? '', socket: req.socket.remotePort ?? 0 });
    req.resume();
    req.on('end', () => res.end('ok'));
  });
  server.keepAliveTimeout = 30_000;
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterEach(() => {
  closeRequestPools();
  arrivals.length = 0;
});
afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const local = { allowLoopback: true, production: false, method: 'POST', body: '{}' };

/** A resolver whose answers the test controls, per host name. */
function resolverOf(answers: Map<string, string>): Resolver {
  return (hostname, _options, callback) => {
    const address = answers.get(hostname);
    if (!address) return callback(Object.assign(new Error(`${hostname} unknown`), { code: 'ENOTFOUND' }), []);
    callback(null, [{ address, family: address.includes(':') ? 6 : 4 }]);
  };
}

describe('pooled webhook connections', () => {
  it('reuse one connection for one destination, and a new one per destination', async () => {
    const resolver = resolverOf(new Map([['localhost', '127.0.0.1']]));
    for (let i = 0; i < 5; i++) {
      const res = await safeRequest({ url: `http://localhost:${port}/a`, keepAlive: true, resolver, ...local });
      expect(res.status).toBe(200);
    }
    const one = new Set(arrivals.map((a) => a.socket));
    expect(one.size).toBe(1);
    // The same address under another name is another destination: never the first one's connection.
    await safeRequest({ url: `http://127.0.0.1:${port}/b`, keepAlive: true, resolver, ...local });
    const two = arrivals.at(-1)!;
    expect(two.host).toBe(`127.0.0.1:${port}`);
    expect(one.has(two.socket)).toBe(false);
  });

  it('without keepAlive, each request has its own connection', async () => {
    const resolver = resolverOf(new Map([['localhost', '127.0.0.1']]));
    for (let i = 0; i < 3; i++) await safeRequest({ url: `http://localhost:${port}/a`, resolver, ...local });
    expect(new Set(arrivals.map((a) => a.socket)).size).toBe(3);
  });

  it('a name that turns private after the first connection is refused on the next new connection', async () => {
    const answers = new Map([['localhost', '127.0.0.1']]);
    const resolver = resolverOf(answers);
    expect((await safeRequest({ url: `http://localhost:${port}/`, keepAlive: true, resolver, ...local })).status).toBe(200);
    answers.set('localhost', '10.1.2.3');
    // The pooled connection goes away (the receiver restarts, or it idled out)…
    for (const s of sockets) s.destroy();
    await expect.poll(() => sockets.size).toBe(0);
    // …and the new one re-resolves through the guard: refused, and nothing is sent.
    const before = arrivals.length;
    await expect(safeRequest({ url: `http://localhost:${port}/`, keepAlive: true, resolver, ...local })).rejects.toMatchObject({ code: 'ESSRF' });
    expect(arrivals.length).toBe(before);
  });

  it('a pooled connection the receiver closed is replaced without failing the request', async () => {
    const resolver = resolverOf(new Map([['localhost', '127.0.0.1']]));
    expect((await safeRequest({ url: `http://localhost:${port}/`, keepAlive: true, resolver, ...local })).status).toBe(200);
    for (const s of sockets) s.destroy();
    expect((await safeRequest({ url: `http://localhost:${port}/`, keepAlive: true, resolver, ...local })).status).toBe(200);
    expect(new Set(arrivals.map((a) => a.socket)).size).toBe(2);
  });
});

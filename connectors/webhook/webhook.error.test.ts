import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { runAction } from './connector-model.ts';
import { safeRequest, validateOutgoingUrl } from '../../src/lib/ssrf.ts';
import { deliverAction, deliverWebhook, generateWebhookSecret, nextAttemptDelayMs, signPayload } from './index.ts';
import { startReceiver, type Receiver } from './receiver.test-helper.ts';

const local = { allowLoopback: true, production: false };
const body = '{"id":"evt_1"}';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((c) => c()));
});

async function receiver(...args: Parameters<typeof startReceiver>): Promise<Receiver> {
  const r = await startReceiver(...args);
  cleanups.push(() => r.close());
  return r;
}

/** A TCP server that accepts connections and never says a word. */
async function silentServer(): Promise<{ port: number; connections: () => number }> {
  const sockets = new Set<net.Socket>();
  let count = 0;
  const server = net.createServer((s) => {
    count++;
    sockets.add(s);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  );
  return { port: (server.address() as net.AddressInfo).port, connections: () => count };
}

async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('network failures come back as values', () => {
  it('connection refused', async () => {
    const port = await closedPort();
    const result = await deliverWebhook({ url: `http://127.0.0.1:${port}/`, secrets: [generateWebhookSecret()], msgId: 'm', body, ...local });
    expect(result).toMatchObject({ ok: false, status: 0, gone: false, bodyExcerpt: '' });
    expect(result.error?.code).toBe('ECONNREFUSED');
  });

  it('connection refused keeps its code from safeRequest', async () => {
    const port = await closedPort();
    await expect(safeRequest({ url: `http://127.0.0.1:${port}/`, ...local })).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('times out when the server accepts and never answers', async () => {
    const { port, connections } = await silentServer();
    const started = Date.now();
    const result = await deliverWebhook({
      url: `http://127.0.0.1:${port}/`,
      secrets: [generateWebhookSecret()],
      msgId: 'm',
      body,
      ...local,
      timeoutMs: 250,
    });
    expect(result.error?.code).toBe('ETIMEDOUT');
    expect(result.status).toBe(0);
    expect(connections()).toBe(1);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('times out when the body stalls after the headers (the timeout covers the whole request)', async () => {
    const r = await receiver((_req, res) => {
      res.writeHead(200, { 'content-length': '100' });
      res.write('partial');
    });
    await expect(safeRequest({ url: r.url, ...local, timeoutMs: 300 })).rejects.toMatchObject({ code: 'ETIMEDOUT' });
  });

  it('reports a connection dropped mid-response', async () => {
    const r = await receiver((_req, res) => {
      res.writeHead(200, { 'content-length': '100' });
      res.write('partial', () => res.socket?.destroy());
    });
    const result = await deliverWebhook({ url: r.url, secrets: [generateWebhookSecret()], msgId: 'm', body, ...local });
    expect(result).toMatchObject({ ok: false, status: 0 });
    expect(result.error?.code).toBe('ECONNRESET');
  });
});

describe('bad URL shapes are refused before any connection', () => {
  const bad: [string, string][] = [
    ['empty', ''],
    ['not a URL', 'not a url'],
    ['relative', '/hooks/keyplane'],
    ['ftp', 'ftp://example.com/hook'],
    ['file', 'file:///etc/passwd'],
    ['javascript', 'javascript:alert(1)'],
    ['data', 'data:text/plain,hi'],
    ['no host', 'https://'],
    ['space in host', 'https://exa mple.com/'],
    ['port 0', 'https://example.com:0/'],
    ['port too large', 'https://example.com:65536/'],
    ['user and password', 'https://user:pw@example.com/'],
    ['user only', 'https://token@example.com/'],
    ['too long', `https://example.com/${'a'.repeat(2040)}`],
    ['plain http to a public host', 'http://example.com/hook'],
  ];

  it.each(bad)('%s', async (_name, url) => {
    const check = validateOutgoingUrl(url, local);
    expect(check.ok).toBe(false);
    if (!check.ok) expect(check.reason).toBeTruthy();
    const result = await deliverWebhook({ url, secrets: [generateWebhookSecret()], msgId: 'm', body, ...local });
    expect(result).toMatchObject({ ok: false, status: 0, gone: false });
    expect(result.error?.code).toBe('ESSRF');
  });

  it('accepts a URL of exactly 2048 characters', () => {
    const url = `https://example.com/${'a'.repeat(2048 - 'https://example.com/'.length)}`;
    expect(url).toHaveLength(2048);
    expect(validateOutgoingUrl(url, local).ok).toBe(true);
  });
});

describe('programming errors throw', () => {
  it('refuses malformed secrets', () => {
    const base = { msgId: 'm', timestamp: 1, body };
    expect(() => signPayload({ ...base, secrets: [] })).toThrow(/at least one/);
    for (const s of ['nope', 'whsec_', 'whsec_c2hvcnQ=', 'whsec_!!!!', Buffer.alloc(32).toString('base64')]) {
      expect(() => signPayload({ ...base, secrets: [s] }), s).toThrow(TypeError);
    }
    expect(() => signPayload({ ...base, secrets: [generateWebhookSecret()], timestamp: 1.5 })).toThrow(/whole seconds/);
  });

  it('deliverWebhook rejects a malformed secret rather than sending unsigned', async () => {
    const r = await receiver();
    await expect(deliverWebhook({ url: r.url, secrets: ['whsec_bad'], msgId: 'm', body, ...local })).rejects.toThrow(TypeError);
    expect(r.hits).toHaveLength(0);
  });

  it('the deliver action validates its props', async () => {
    await expect(
      runAction(deliverAction, { auth: undefined, props: { url: 'https://example.com', secrets: [], msgId: 'm', body }, network: local }),
    ).rejects.toThrow();
    await expect(
      runAction(deliverAction, { auth: undefined, props: { url: 'https://example.com', secrets: ['plain'], msgId: 'm', body }, network: local }),
    ).rejects.toThrow();
  });

  it('nextAttemptDelayMs refuses attempt numbers below 1', () => {
    for (const attempt of [0, -1, 1.5, Number.NaN]) expect(() => nextAttemptDelayMs(attempt)).toThrow(RangeError);
    expect(nextAttemptDelayMs(1, [])).toBeNull();
  });
});

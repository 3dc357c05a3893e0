import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gql, success } from '../harness.ts';
import { DefineResource } from '../ops.ts';
import { rollUpUsage } from '../../src/modules/usage/usage-rollup.ts';
import { graphql } from '../gql/index.ts';
import { call, expectRefused, hostScenario, live, sdk, startCountedServer, startHost, startProxy, type Counted } from './helpers.ts';

const KeyUse = graphql(`
  query SdkKeyUse($id: ID!) {
    apiKey(id: $id) { lastUsedAt lastUsedIp verifications(first: 100) { edges { node { code ip permission } } } }
  }
`);

let server: Counted;
beforeAll(async () => {
  server = await startCountedServer();
});
afterAll(() => server.close());

async function rollUp() {
  await server.app.usage.flush();
  await rollUpUsage({ orm: server.app.orm, config: server.config });
}

function totals(points: { code: string; count: number }[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const p of points) out[p.code] = (out[p.code] ?? 0) + p.count;
  return out;
}

describe('local verification', () => {
  it('N local verifications of mixed outcomes show up as exactly N in usage, with last use and recent verifications', async () => {
    const s = await hostScenario(server, {}, { allowedIps: ['10.0.0.0/8'] });
    await live(s.kp);
    const first = await s.kp.verify({ token: s.token, ip: '10.0.0.1', permission: 'invoices:read' });
    expect(first.code).toBe('VALID');
    const expected: Record<string, number> = { VALID: 1 };
    const remoteBefore = s.kp.stats.remote;
    const N = 157;
    for (let i = 0; i < N; i++) {
      const input =
        i % 3 === 0
          ? { token: s.token, ip: '10.1.2.3', permission: 'invoices:write', resource: `inv_${i}` }
          : i % 3 === 1
            ? { token: s.token, ip: '192.168.0.1', permission: 'invoices:read' }
            : { token: s.token, ip: '10.9.9.9', permission: 'keys:write' };
      const r = await s.kp.verify(input);
      expected[r.code] = (expected[r.code] ?? 0) + 1;
    }
    // Invoices are answered locally; keys:write, a permission the key does not hold at all, is
    // asked of the server, which alone can tell it from one unknown to the catalogue.
    expect(s.kp.stats.remote - remoteBefore).toBe(52);
    expect(expected).toEqual({ VALID: 1 + 53, IP_NOT_ALLOWED: 52, INSUFFICIENT_PERMISSIONS: 52 });
    await s.kp.flush();
    // A second flush has nothing left to send: nothing counted twice.
    await s.kp.flush();
    await rollUp();
    const usage = await s.kp.usage({ keyId: s.apiKeyId, granularity: 'MINUTE' });
    expect(totals(usage)).toEqual(expected);
    const use = (await gql(server, s.org.token, KeyUse, { id: s.apiKeyId })).data!.apiKey!;
    expect(use.lastUsedAt).not.toBeNull();
    expect(use.verifications!.edges.length).toBeGreaterThan(1);
    // Recent verifications are a sample (per key, minute and valid / not valid): both kinds are there.
    const codes = new Set(use.verifications!.edges.map((e) => e.node.code));
    expect(codes.has('VALID')).toBe(true);
    expect(codes.has('IP_NOT_ALLOWED') || codes.has('INSUFFICIENT_PERMISSIONS')).toBe(true);
    await s.kp.close();
  });

  it('answers exactly what the server answers, for every outcome it can decide locally', async () => {
    const s = await hostScenario(server, {}, { allowedIps: ['10.0.0.0/8', '2001:db8::/32'] });
    const remote = sdk(server, s.org.token, { local: false });
    await live(s.kp);
    const inputs = [
      { token: s.token, ip: '10.0.0.1' },
      { token: s.token, ip: '::ffff:10.0.0.1', permission: 'invoices:read', resource: 'inv_9' },
      { token: s.token, ip: '2001:db8::1', permission: 'invoices:write' },
      { token: s.token, ip: '2001:db9::1', permission: 'invoices:write' },
      { token: s.token, ip: 'not an ip', permission: 'invoices:read' },
      { token: s.token, permission: 'invoices:read' },
      { token: s.token, ip: '10.0.0.1', permission: 'invoices:delete' },
    ];
    await s.kp.verify(inputs[0]!); // warm
    const localBefore = s.kp.stats.local;
    for (const input of inputs) {
      const [local, server_] = [await s.kp.verify(input), await remote.verify(input)];
      expect(local, JSON.stringify(input)).toEqual(server_);
    }
    // All but invoices:delete (not an action of invoices: only the server knows the catalogue).
    expect(s.kp.stats.local - localBefore).toBe(inputs.length - 1);
    expect((await s.kp.verify(inputs[6]!)).code).toBe('UNKNOWN_PERMISSION');
    await Promise.all([s.kp.close(), remote.close()]);
  });

  it('a rotated key: the old secret works through its grace period, locally, then stops without any push', async () => {
    const s = await hostScenario(server);
    await live(s.kp);
    expect((await s.kp.verify({ token: s.token })).code).toBe('VALID');
    const heard = s.kp.stats.invalidations;
    const rotated = await s.kp.rotateKey({ id: s.apiKeyId, gracePeriodSeconds: 2 });
    // The invalidation arrives once: the server applies its own notice when it sends it and drops
    // the copies that come back (NOTIFY, Redis), so no second one follows.
    await expect.poll(() => s.kp.stats.invalidations, { timeout: 5000, interval: 5 }).toBe(heard + 1);
    await new Promise((r) => setTimeout(r, 300));
    expect(s.kp.stats.invalidations).toBe(heard + 1);
    expect(s.kp.stats.cached).toBe(0);
    // Old and new secrets both valid: each is fetched once, then answered locally.
    expect((await s.kp.verify({ token: s.token })).code).toBe('VALID');
    expect((await s.kp.verify({ token: rotated.token })).code).toBe('VALID');
    const remote = s.kp.stats.remote;
    expect((await s.kp.verify({ token: s.token })).code).toBe('VALID');
    expect(s.kp.stats.remote).toBe(remote);
    // Once the grace ends the old secret's snapshot is no longer used: Keyplane answers ROTATED.
    await expect.poll(async () => (await s.kp.verify({ token: s.token })).code, { timeout: 10_000, interval: 50 }).toBe('ROTATED');
    expect((await s.kp.verify({ token: rotated.token })).code).toBe('VALID');
    await s.kp.close();
  });

  it('a validity window that ends is enforced locally, without asking Keyplane', async () => {
    const s = await hostScenario(server);
    const soon = await s.kp.createKey({ name: 'short-lived', userId: s.userId, validUntil: new Date(Date.now() + 1500).toISOString() });
    await live(s.kp);
    expect((await s.kp.verify({ token: soon.token })).code).toBe('VALID');
    const remote = s.kp.stats.remote;
    await expect.poll(async () => (await s.kp.verify({ token: soon.token })).code, { timeout: 10_000, interval: 50 }).toBe('EXPIRED');
    expect(s.kp.stats.remote).toBe(remote);
    await s.kp.close();
  });

  it('strips the fields a publishable key must not see from JSON answers, on every framework', async () => {
    const s = await hostScenario(server, {}, { kind: 'PUBLISHABLE' });
    for (const framework of ['express', 'fastify', 'hono'] as const) {
      const host = await startHost(framework, s.kp);
      const r = await call(host, s.token, '/invoices/inv_7');
      expect(r.status, framework).toBe(200);
      expect(r.body, framework).toEqual({ id: 'inv_7', amount: 120, customer: { name: 'Ada' }, verification: 'VALID' });
      // Writing is not a public action: a publishable key may not.
      expectRefused(await call(host, s.token, '/invoices', 'POST'), 403, 'INSUFFICIENT_PERMISSIONS');
      await host.close();
    }
    // A secret key of the same user sees everything.
    const secret = await s.kp.createKey({ name: 'server side', userId: s.userId });
    const host = await startHost('express', s.kp);
    expect((await call(host, secret.token, '/invoices/inv_7')).body).toMatchObject({ email: 'billing@example.com', customer: { email: 'ada@example.com' } });
    await host.close();
    await s.kp.close();
  });

  it('a catalogue change (coarse invalidation) drops every cached key of the organisation', async () => {
    const s = await hostScenario(server);
    await live(s.kp);
    await s.kp.verify({ token: s.token, permission: 'invoices:read' });
    const other = await s.kp.createKey({ name: 'other', userId: s.userId });
    await s.kp.verify({ token: other.token });
    expect(s.kp.stats.cached).toBe(2);
    success(
      (
        await gql(server, s.org.token, DefineResource, {
          input: { name: 'invoices', actions: ['read', 'write'], publicActions: [], sensitiveFields: ['email', 'phone'] },
        })
      ).data!.defineResource,
      'DefineResourceSuccess',
    );
    await expect.poll(() => s.kp.stats.cached, { timeout: 5000, interval: 5 }).toBe(0);
    await s.kp.close();
  });
});

describe('keys with a rate limit or credits', () => {
  it('rate limit 10/min across two hosts with their own SDK clients: the 11th request fails', async () => {
    const s = await hostScenario(server, {}, { rateLimit: { limit: 10, windowSeconds: 60 } });
    const other = sdk(server, s.org.token);
    await Promise.all([live(s.kp), live(other)]);
    const hosts = [await startHost('express', s.kp), await startHost('hono', other)];
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) statuses.push((await call(hosts[i % 2]!, s.token, `/invoices/inv_${i}`)).status);
    expect(statuses).toEqual([...Array(10).fill(200), 429]);
    const refused = await call(hosts[1]!, s.token);
    expectRefused(refused, 429, 'RATE_LIMITED');
    // Never cached: each of the 12 requests asked Keyplane.
    expect(s.kp.stats.cached + other.stats.cached).toBe(0);
    expect(s.kp.stats.remote + other.stats.remote).toBe(12);
    await Promise.all(hosts.map((h) => h.close()));
    await Promise.all([s.kp.close(), other.close()]);
  });
});

describe('when Keyplane is unreachable', () => {
  it('never serves a cached answer more than maxStaleMs after the feed last proved alive; fails closed; local again once live', async () => {
    const s = await hostScenario(server);
    const proxy = await startProxy(server);
    const maxStaleMs = 300;
    const kp = sdk(proxy, s.org.token, { maxStaleMs, timeoutMs: 400 });
    await live(kp);
    await kp.verify({ token: s.token });
    expect((await kp.verify({ token: s.token })).code).toBe('VALID');
    expect(kp.stats.local).toBe(1);

    // A silent network failure: connections stay open, nothing arrives (no close, no error).
    proxy.blackhole();
    // Bytes already on their way to the SDK (a pong) still count as life: measure from when they have landed.
    await new Promise((r) => setTimeout(r, 50));
    const cutAt = Date.now();
    let lastLocal = cutAt;
    let refusedWith: unknown = null;
    for (;;) {
      const local = kp.stats.local;
      // verify() decides local or remote synchronously when called: that instant is what counts
      // (the answer may reach this loop later on a loaded machine).
      const decidedAt = Date.now();
      try {
        await kp.verify({ token: s.token });
      } catch (err) {
        refusedWith = err;
        break;
      }
      if (kp.stats.local === local + 1) lastLocal = decidedAt;
      if (Date.now() - cutAt > 10_000) throw new Error('still answering after 10 s');
    }
    // Keyplane unreachable and the cache no longer trusted: an error (the middleware answers 503).
    expect(refusedWith).toMatchObject({ code: 'UNREACHABLE' });
    expect(lastLocal - cutAt).toBeLessThanOrEqual(maxStaleMs);

    // The network comes back (connections reset): the SDK reconnects, starts from an empty cache.
    proxy.pass();
    proxy.cut();
    await expect.poll(() => kp.stats.feed, { timeout: 10_000, interval: 1 }).not.toBe('live');
    await expect.poll(() => kp.stats.feed, { timeout: 10_000, interval: 5 }).toBe('live');
    // The HTTP connections were reset too: the first calls may fail until the pool reconnects.
    await expect
      .poll(
        () =>
          kp.verify({ token: s.token }).then(
            (r) => r.code,
            () => 'failed',
          ),
        { timeout: 10_000, interval: 5 },
      )
      .toBe('VALID');
    const local = kp.stats.local;
    expect((await kp.verify({ token: s.token })).code).toBe('VALID');
    expect(kp.stats.local).toBe(local + 1);
    await kp.close();
    await s.kp.close();
    await proxy.close();
  });

  it('the middleware answers 503 with the error body when Keyplane cannot be asked', async () => {
    const s = await hostScenario(server);
    const proxy = await startProxy(server);
    const kp = sdk(proxy, s.org.token, { timeoutMs: 300 });
    const host = await startHost('fastify', kp);
    proxy.blackhole();
    expectRefused(await call(host, s.token), 503, 'UNAVAILABLE');
    await host.close();
    await kp.close().catch(() => undefined);
    await s.kp.close();
    await proxy.close();
  });
});

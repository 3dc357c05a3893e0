import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphql } from '../gql/index.ts';
import { gql, seedOrg, startTestServer, type GqlResponse, type TestServer } from '../harness.ts';
import type { KeyUsageQuery } from '../gql/graphql.ts';
import { mintCredential } from '../../src/lib/token.ts';
import { ApiKey } from '../../src/db/entities/api-key.entity.ts';
import { rollUpUsage } from '../../src/modules/usage/usage-rollup.ts';
import { makeKey, makeSubAccount, makeUser, VerifyKey, verifyHttp, type VerifyInput } from '../verify/fixtures.ts';
import { testRedisPrefix } from '../context.ts';

const Usage = graphql(`
  query Usage($filter: UsageFilter) {
    usage(filter: $filter) { start code count }
  }
`);

const KeyUsage = graphql(`
  query KeyUsage($id: ID!, $first: Int, $after: String) {
    apiKey(id: $id) {
      lastUsedAt
      lastUsedIp
      lastActivityAt
      verifications(first: $first, after: $after) {
        edges { node { at ip permission code } }
        pageInfo { hasNextPage endCursor }
      }
    }
  }
`);

let server: TestServer;
beforeAll(async () => {
  // The longest flush interval: the tests flush when they mean to (a 1 s timer once flushed between
  // a verification and the check that nothing was written yet, on a loaded machine).
  server = await startTestServer({ config: { KEYPLANE_REDIS_PREFIX: `${testRedisPrefix()}:uhappy`, KEYPLANE_USAGE_FLUSH_MS: '5000' } });
});
afterAll(() => server.close());

/** What the worker does, run here deterministically: flush this process's buffer, roll up. */
async function rollUp() {
  await server.app.usage.flush();
  return rollUpUsage({ orm: server.app.orm, config: server.config });
}

function totals(points: { code: string; count: number }[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const p of points) out[p.code] = (out[p.code] ?? 0) + p.count;
  return out;
}

describe('usage', () => {
  it('after N verifications with mixed outcomes, usage totals equal N per outcome exactly', async () => {
    const org = await seedOrg(server);
    const sub = await makeSubAccount(server.app.orm, org.organizationId);
    const { orm } = server.app;
    const { userId } = await makeUser(orm, sub.id, ['keys:read']);
    const credited = await makeKey(orm, server.config.pepper, { organizationId: sub.id, userId, credits: 23 });
    const limited = await makeKey(orm, server.config.pepper, {
      organizationId: sub.id,
      userId,
      rateLimit: { limit: 17, windowSeconds: 60 },
      allowedIps: ['10.0.0.0/8'],
    });
    const keys = { [credited.id]: credited, [limited.id]: limited };

    const expected: Record<string, Record<string, number>> = { [credited.id]: {}, [limited.id]: {} };
    const inputs: [string, VerifyInput][] = [];
    for (let i = 0; i < 120; i++) {
      const k = i % 2 ? credited : limited;
      const variant = i % 5;
      const input: VerifyInput =
        variant === 0
          ? { keyId: k.keyId, secret: mintCredential('SECRET', k.keyId).secret } // wrong secret: NOT_FOUND, counted against the key
          : variant === 1
            ? { token: k.token, permission: 'keys:write', ip: '10.1.1.1' }
            : variant === 2
              ? { token: k.token, ip: '192.168.1.1' }
              : { token: k.token, ip: '10.1.1.1', permission: 'keys:read' };
      inputs.push([k.id, input]);
    }
    const N = inputs.length;
    // Concurrent, over both transports, with roll-ups running in between: nothing lost, nothing twice.
    let done = 0;
    const verifyAll = async (slice: [string, VerifyInput][], viaGraphql: boolean) => {
      for (const [id, input] of slice) {
        const code = viaGraphql
          ? (await gql(server, org.token, VerifyKey, { input })).data!.verifyKey.code
          : (await verifyHttp(server, org.token, input)).body.code;
        expected[id]![code] = (expected[id]![code] ?? 0) + 1;
        if (++done % 25 === 0) await rollUp();
      }
    };
    await Promise.all([verifyAll(inputs.slice(0, 60), false), verifyAll(inputs.slice(60), true)]);
    await rollUp();

    const codesSeen = new Set(Object.values(expected).flatMap((e) => Object.keys(e)));
    expect([...codesSeen].sort()).toEqual(['INSUFFICIENT_PERMISSIONS', 'IP_NOT_ALLOWED', 'NOT_FOUND', 'RATE_LIMITED', 'USAGE_EXCEEDED', 'VALID']);
    for (const id of Object.keys(keys)) {
      for (const granularity of ['MINUTE', 'HOUR', 'DAY'] as const) {
        const res = await gql(server, org.token, Usage, { filter: { keyId: id, granularity } });
        expect(res.errors).toBeUndefined();
        expect(totals(res.data!.usage), `${id} ${granularity}`).toEqual(expected[id]);
      }
    }
    // The organisation's series sums both keys; N in all.
    const orgUsage = await gql(server, org.token, Usage, { filter: { organizationId: sub.id, granularity: 'MINUTE' } });
    const all = totals(orgUsage.data!.usage);
    expect(Object.values(all).reduce((a, b) => a + b, 0)).toBe(N);
    for (const code of codesSeen) expect(all[code]).toBe((expected[credited.id]![code] ?? 0) + (expected[limited.id]![code] ?? 0));
    // Also by public key id.
    const byKeyId = await gql(server, org.token, Usage, { filter: { keyId: credited.keyId, granularity: 'DAY' } });
    expect(totals(byKeyId.data!.usage)).toEqual(expected[credited.id]);
    // A bucket start is aligned to its granularity.
    for (const p of orgUsage.data!.usage) expect(new Date(p.start).getUTCSeconds()).toBe(0);
  });

  it('records last use (time, address) and moves the inactivity clock, in the roll-up', async () => {
    const org = await seedOrg(server);
    const { orm } = server.app;
    const { userId } = await makeUser(orm, org.organizationId, ['keys:read']);
    const created = new Date(Date.now() - 86_400_000);
    const key = await makeKey(orm, server.config.pepper, { organizationId: org.organizationId, userId, now: created });
    expect((await verifyHttp(server, org.token, { token: key.token, ip: '203.0.113.9' })).body.code).toBe('VALID');
    // A refused permission is still a use of a good credential; a wrong secret (below) is not.
    expect((await verifyHttp(server, org.token, { token: key.token, ip: '198.51.100.1', permission: 'keys:write' })).body.code).toBe(
      'INSUFFICIENT_PERMISSIONS',
    );
    await verifyHttp(server, org.token, { keyId: key.keyId, secret: mintCredential('SECRET', key.keyId).secret, ip: '198.51.100.2' });
    const before = await orm.em.fork().findOneOrFail(ApiKey, { id: key.id });
    expect(before.lastUsedAt).toBeNull();
    await rollUp();
    const res = await gql(server, org.token, KeyUsage, { id: key.id });
    const k = res.data!.apiKey!;
    expect(k.lastUsedIp).toBe('198.51.100.1');
    expect(Date.now() - new Date(k.lastUsedAt!).getTime()).toBeLessThan(30_000);
    expect(new Date(k.lastActivityAt).getTime()).toBe(new Date(k.lastUsedAt!).getTime());
    expect(new Date(k.lastActivityAt).getTime()).toBeGreaterThan(created.getTime());
  });

  it('lists recent verifications newest first, with address, permission and outcome, page by page', async () => {
    const org = await seedOrg(server);
    const { orm } = server.app;
    const { userId } = await makeUser(orm, org.organizationId, ['keys:read']);
    const key = await makeKey(orm, server.config.pepper, { organizationId: org.organizationId, userId });
    const asked: [string, string][] = [];
    for (let i = 0; i < 7; i++) {
      const permission = i % 2 ? 'keys:read' : 'keys:write';
      await verifyHttp(server, org.token, { token: key.token, ip: `192.0.2.${i}`, permission });
      asked.push([`192.0.2.${i}`, permission]);
    }
    await rollUp();
    const seen: { at: string; ip: string | null; permission: string | null; code: string }[] = [];
    let after: string | null = null;
    for (let page = 0; page < 5; page++) {
      const res: GqlResponse<KeyUsageQuery> = await gql(server, org.token, KeyUsage, { id: key.id, first: 3, after });
      const conn = res.data!.apiKey!.verifications!;
      seen.push(...conn.edges.map((e) => e.node));
      if (!conn.pageInfo.hasNextPage) break;
      after = conn.pageInfo.endCursor;
    }
    expect(seen).toHaveLength(7);
    expect(seen.map((v) => [v.ip, v.permission])).toEqual(asked.reverse());
    expect(seen.map((v) => v.code)).toEqual(asked.map(([, p]) => (p === 'keys:read' ? 'VALID' : 'INSUFFICIENT_PERMISSIONS')));
    const times = seen.map((v) => new Date(v.at).getTime());
    expect([...times].sort((a, b) => b - a)).toEqual(times);
  });

  it('counts verifications of Keyplane’s own API against the calling key', async () => {
    const org = await seedOrg(server);
    const { orm } = server.app;
    const { userId } = await makeUser(orm, org.organizationId, ['keys:read', 'usage:read']);
    const key = await makeKey(orm, server.config.pepper, { organizationId: org.organizationId, userId });
    for (let i = 0; i < 4; i++) await gql(server, key.token, '{ viewer { user { id } } }');
    await rollUp();
    const res = await gql(server, key.token, Usage, { filter: { keyId: key.id } });
    expect(totals(res.data!.usage)).toEqual({ VALID: 4 });
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphql } from '../gql/index.ts';
import { gql, seedOrg, startTestServer, type TestServer } from '../harness.ts';
import { rollUpUsage } from '../../src/modules/usage/usage-rollup.ts';
import { defineResource, makeKey, makeSubAccount, makeUser, verifyHttp } from '../verify/fixtures.ts';
import { testRedisPrefix } from '../context.ts';

const UsageSec = graphql(`
  query UsageSec($filter: UsageFilter) {
    usage(filter: $filter) { start code count }
  }
`);

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ config: { KEYPLANE_REDIS_PREFIX: `${testRedisPrefix()}:usec` } });
});
afterAll(() => server.close());

async function usedKey() {
  const org = await seedOrg(server);
  const { userId } = await makeUser(server.app.orm, org.organizationId, ['keys:read']);
  const key = await makeKey(server.app.orm, server.config.pepper, { organizationId: org.organizationId, userId });
  await verifyHttp(server, org.token, { token: key.token, ip: '192.0.2.1' });
  await server.app.usage.flush();
  await rollUpUsage({ orm: server.app.orm, config: server.config });
  return { org, key };
}

describe('usage is scoped like everything else', () => {
  it('another organisation’s key and organisation answer NOT_FOUND', async () => {
    const { org, key } = await usedKey();
    const other = await seedOrg(server);
    for (const filter of [{ keyId: key.id }, { keyId: key.keyId }, { organizationId: org.organizationId }]) {
      const res = await gql(server, other.token, UsageSec, { filter });
      expect(res.data).toBeNull();
      expect(res.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    }
    const own = await gql(server, org.token, UsageSec, { filter: { keyId: key.id } });
    expect(own.data?.usage.length).toBeGreaterThan(0);
  });

  it('needs usage:read, for the query and for ApiKey.verifications', async () => {
    const { org, key } = await usedKey();
    const { userId } = await makeUser(server.app.orm, org.organizationId, ['keys:read']);
    const reader = await makeKey(server.app.orm, server.config.pepper, { organizationId: org.organizationId, userId });
    const res = await gql(server, reader.token, UsageSec, { filter: { keyId: key.id } });
    expect(res.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const k = await gql(server, reader.token, `query($id: ID!) { apiKey(id: $id) { id verifications(first: 5) { edges { node { ip } } } } }`, { id: key.id });
    expect(k.data).toEqual({ apiKey: { id: key.id, verifications: null } });
    expect(k.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(JSON.stringify(k)).not.toContain('192.0.2.1');
  });

  it('a sub-account key cannot read its parent’s usage; a parent key without a sub-account grant cannot read the sub-account’s', async () => {
    const { org, key } = await usedKey();
    const sub = await makeSubAccount(server.app.orm, org.organizationId);
    const { userId: subUser } = await makeUser(server.app.orm, sub.id, ['usage:read', 'keys:read']);
    const subKey = await makeKey(server.app.orm, server.config.pepper, { organizationId: sub.id, userId: subUser });
    expect((await gql(server, subKey.token, UsageSec, { filter: { keyId: key.id } })).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect((await gql(server, subKey.token, UsageSec, { filter: { organizationId: org.organizationId } })).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const { userId: parentUser } = await makeUser(server.app.orm, org.organizationId, ['usage:read']);
    const ungranted = await makeKey(server.app.orm, server.config.pepper, {
      organizationId: org.organizationId,
      userId: parentUser,
      subAccounts: { mode: 'NONE' },
    });
    expect((await gql(server, ungranted.token, UsageSec, { filter: { keyId: subKey.id } })).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const granted = await makeKey(server.app.orm, server.config.pepper, {
      organizationId: org.organizationId,
      userId: parentUser,
      subAccounts: { mode: 'ALL' },
    });
    expect((await gql(server, granted.token, UsageSec, { filter: { keyId: subKey.id } })).data?.usage).toBeDefined();
  });

  it('a publishable key cannot read usage, whatever its catalogue', async () => {
    const org = await seedOrg(server);
    await defineResource(server, org, { name: 'gadgets', publicActions: ['read'] });
    const { userId } = await makeUser(server.app.orm, org.organizationId, ['usage:read', 'gadgets:read']);
    const pk = await makeKey(server.app.orm, server.config.pepper, { organizationId: org.organizationId, userId, kind: 'PUBLISHABLE' });
    const res = await gql(server, pk.token, UsageSec, { filter: {} });
    expect(res.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});

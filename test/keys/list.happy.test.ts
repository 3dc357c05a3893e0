import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { userWithKey } from '../fixtures.ts';
import { gql, seedOrg, startTestServer, success, type TestServer } from '../harness.ts';
import { CreateOrganization, UpdateOrganization } from '../ops.ts';
import { createKey, sql, whoAmI } from './helpers.ts';
import { ApiKeyQ, ApiKeys, RevokeApiKey } from './ops.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

const ids = (res: { data: { apiKeys: { edges: { node: { id: string } }[] } } | null }) => res.data!.apiKeys.edges.map((e) => e.node.id);

describe('apiKeys / apiKey', () => {
  it('lists the organisation’s keys oldest first, integration keys apart, with every filter', async () => {
    const org = await seedOrg(server);
    const owner = await whoAmI(server, org.token);
    const svc = await userWithKey(server, org.token, org.organizationId, ['keys:read']);
    const crm = await createKey(server, org.token, { name: 'CRM export', description: 'nightly run' });
    const web = await createKey(server, org.token, { name: 'Website', kind: 'PUBLISHABLE' });
    const zap = await createKey(server, org.token, { name: 'Zapier', kind: 'INTEGRATION' });
    const old = await createKey(server, org.token, { name: 'Old one' });
    success((await gql(server, org.token, RevokeApiKey, { input: { id: old.apiKey.id } })).data?.revokeApiKey, 'RevokeApiKeySuccess');

    expect(ids(await gql(server, org.token, ApiKeys, {}))).toEqual([owner.apiKeyId, svc.apiKeyId, crm.apiKey.id, web.apiKey.id, old.apiKey.id]);
    expect(ids(await gql(server, org.token, ApiKeys, { filter: { kind: 'INTEGRATION' } }))).toEqual([zap.apiKey.id]);
    expect(ids(await gql(server, org.token, ApiKeys, { filter: { kind: 'PUBLISHABLE' } }))).toEqual([web.apiKey.id]);
    expect(ids(await gql(server, org.token, ApiKeys, { filter: { status: 'REVOKED' } }))).toEqual([old.apiKey.id]);
    expect(ids(await gql(server, org.token, ApiKeys, { filter: { userId: svc.user.id } }))).toEqual([svc.apiKeyId]);
    // Terms with a space: a random base62 token start can never contain them (no flaky matches).
    expect(ids(await gql(server, org.token, ApiKeys, { filter: { search: 'crm EX' } }))).toEqual([crm.apiKey.id]);
    expect(ids(await gql(server, org.token, ApiKeys, { filter: { search: 'LY RU' } }))).toEqual([crm.apiKey.id]);
    expect(ids(await gql(server, org.token, ApiKeys, { filter: { search: web.apiKey.start } }))).toEqual([web.apiKey.id]);
    expect(ids(await gql(server, org.token, ApiKeys, { filter: { search: '%' } }))).toEqual([]);
  });

  it('filters by last use and by coming expiry', async () => {
    const org = await seedOrg(server);
    const used = await createKey(server, org.token, { name: 'used' });
    const unused = await createKey(server, org.token, { name: 'unused' });
    const soon = await createKey(server, org.token, { name: 'ends soon', validUntil: new Date(Date.now() + 3_600_000).toISOString() });
    const owner = await whoAmI(server, org.token);
    await sql(server, `update api_key set last_used_at = now() where id in (?, ?)`, [used.apiKey.id, owner.apiKeyId]);
    await sql(server, `update api_key set last_activity_at = now() - interval '80 days' where id = ?`, [unused.apiKey.id]);
    const hourAgo = new Date(Date.now() - 3_600_000).toISOString();
    expect(ids(await gql(server, org.token, ApiKeys, { filter: { lastUsedBefore: hourAgo } }))).toEqual([unused.apiKey.id, soon.apiKey.id]);
    // In 2 days only the validity window ends; in 11 days the 80-days-idle key (90-day inactivity) too.
    expect(ids(await gql(server, org.token, ApiKeys, { filter: { expiresBefore: new Date(Date.now() + 2 * 86_400_000).toISOString() } }))).toEqual([
      soon.apiKey.id,
    ]);
    expect(ids(await gql(server, org.token, ApiKeys, { filter: { expiresBefore: new Date(Date.now() + 11 * 86_400_000).toISOString() } }))).toEqual([
      unused.apiKey.id,
      soon.apiKey.id,
    ]);
    // With inactivity expiry off, only the validity window counts.
    success(
      (await gql(server, org.token, UpdateOrganization, { input: { id: org.organizationId, inactivityDays: 0 } })).data?.updateOrganization,
      'UpdateOrganizationSuccess',
    );
    expect(ids(await gql(server, org.token, ApiKeys, { filter: { expiresBefore: new Date(Date.now() + 11 * 86_400_000).toISOString() } }))).toEqual([
      soon.apiKey.id,
    ]);
    const unusedNow = await gql(server, org.token, ApiKeyQ, { id: unused.apiKey.id });
    expect(unusedNow.data?.apiKey?.expiresAt).toBeNull();
  });

  it('pages with first/after', async () => {
    const org = await seedOrg(server);
    for (let i = 0; i < 4; i++) await createKey(server, org.token, { name: `k${i}` });
    const seen: string[] = [];
    let after: string | null = null;
    for (let page = 0; page < 5; page++) {
      const res: Awaited<ReturnType<typeof gql<any, any>>> = await gql(server, org.token, ApiKeys, { first: 2, after });
      const conn = res.data!.apiKeys;
      seen.push(...conn.edges.map((e: { node: { name: string } }) => e.node.name));
      if (!conn.pageInfo.hasNextPage) break;
      after = conn.pageInfo.endCursor;
    }
    expect(seen).toEqual(['bootstrap', 'k0', 'k1', 'k2', 'k3']);
  });

  it('reads a sub-account’s keys with organizationId, and apiKey returns user and organisation', async () => {
    const org = await seedOrg(server);
    const sub = success(
      (await gql(server, org.token, CreateOrganization, { input: { name: 'S' } })).data?.createOrganization,
      'CreateOrganizationSuccess',
    ).organization;
    const local = await createKey(server, org.token, { organizationId: sub.id });
    expect(ids(await gql(server, org.token, ApiKeys, { filter: { organizationId: sub.id } }))).toEqual([local.apiKey.id]);
    const one = await gql(server, org.token, ApiKeyQ, { id: local.apiKey.id });
    expect(one.data?.apiKey).toMatchObject({ id: local.apiKey.id, user: { id: org.userId }, organization: { id: sub.id } });
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gql, seedOrg, startTestServer, type TestServer } from '../harness.ts';
import { makeKey, makeUser } from '../verify/fixtures.ts';

/** Issue 18, item 4: every connection counts its whole list (same filter, every page). */
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

describe('totalCount', () => {
  it('counts the whole filtered list, whatever the page', async () => {
    const org = await seedOrg(server);
    const { userId } = await makeUser(server.app.orm, org.organizationId, ['keys:read']);
    for (let i = 0; i < 5; i++) await makeKey(server.app.orm, server.config.pepper, { organizationId: org.organizationId, userId, name: `batch-${i}` });
    const q = `query($first: Int, $after: String, $search: String) {
      apiKeys(first: $first, after: $after, filter: { search: $search }) { totalCount edges { node { id } } pageInfo { endCursor hasNextPage } }
      users { totalCount }
      roles { totalCount }
      events(first: 1) { totalCount }
      auditLog(first: 1) { totalCount }
      organizations { totalCount }
      webhookEndpoints { totalCount }
      notifications { totalCount }
    }`;
    const first = await gql(server, org.token, q, { first: 2, search: 'batch-' });
    expect(first.errors, JSON.stringify(first.errors)).toBeUndefined();
    const d = first.data as Record<string, { totalCount: number }> & {
      apiKeys: { totalCount: number; edges: unknown[]; pageInfo: { endCursor: string; hasNextPage: boolean } };
    };
    expect(d.apiKeys.totalCount).toBe(5);
    expect(d.apiKeys.edges).toHaveLength(2);
    // bootstrap's owner + the key user; its role; its own organisation only.
    expect(d.users.totalCount).toBe(2);
    const roles = await server.app.orm.em
      .fork()
      .execute<{ n: string }[]>('select count(*)::text as n from role where organization_id = ?', [org.organizationId]);
    expect(d.roles.totalCount).toBe(Number(roles[0]!.n));
    expect(d.organizations.totalCount).toBe(1);
    expect(d.webhookEndpoints.totalCount).toBe(0);
    expect(d.notifications.totalCount).toBe(0);
    const events = await server.app.orm.em
      .fork()
      .execute<{ n: string }[]>('select count(*)::text as n from event where organization_id = ?', [org.organizationId]);
    expect(d.events.totalCount).toBe(Number(events[0]!.n));
    const audit = await server.app.orm.em
      .fork()
      .execute<{ n: string }[]>('select count(*)::text as n from audit_entry where organization_id = ?', [org.organizationId]);
    expect(d.auditLog.totalCount).toBe(Number(audit[0]!.n));
    const second = await gql(server, org.token, q, { first: 2, after: d.apiKeys.pageInfo.endCursor, search: 'batch-' });
    expect((second.data as { apiKeys: { totalCount: number } }).apiKeys.totalCount).toBe(5);
    const all = await gql(server, org.token, q, {});
    expect((all.data as { apiKeys: { totalCount: number } }).apiKeys.totalCount).toBe(6); // + bootstrap's key
  });
});

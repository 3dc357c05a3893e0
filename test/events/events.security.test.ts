import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { userWithKey } from '../fixtures.ts';
import { gql, seedOrg, startTestServer, success, type TestServer } from '../harness.ts';
import { createKey } from '../keys/helpers.ts';
import { Events } from '../keys/ops.ts';
import { CreateOrganization } from '../ops.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

describe('events: scope', () => {
  it('a key of A never sees B’s events, whatever the filter', async () => {
    const a = await seedOrg(server);
    const b = await seedOrg(server);
    const bKey = await createKey(server, b.token, { name: 'b-marker' });
    const byOrg = await gql(server, a.token, Events, { filter: { organizationId: b.organizationId } });
    expect(byOrg.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect(JSON.stringify(byOrg)).not.toContain('b-marker');
    expect((await gql(server, a.token, Events, { filter: { keyId: bKey.apiKey.id } })).data!.events.edges).toEqual([]);
    const mine = (await gql(server, a.token, Events, { first: 200 })).data!.events.edges;
    expect(mine.every((e) => e.node.organizationId === a.organizationId)).toBe(true);
  });

  it('needs events:read, and reaches sub-accounts only when granted', async () => {
    const org = await seedOrg(server);
    const sub = success(
      (await gql(server, org.token, CreateOrganization, { input: { name: 'S' } })).data?.createOrganization,
      'CreateOrganizationSuccess',
    ).organization;
    await createKey(server, org.token, { organizationId: sub.id, name: 'in-sub' });
    const noEvents = await userWithKey(server, org.token, org.organizationId, ['keys:read']);
    expect((await gql(server, noEvents.token, Events, {})).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const reader = await userWithKey(server, org.token, org.organizationId, ['events:read']);
    expect((await gql(server, reader.token, Events, { filter: { organizationId: sub.id } })).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const agency = await userWithKey(server, org.token, org.organizationId, ['events:read'], { subAccounts: { mode: 'SELECTED', ids: [sub.id] } });
    const subEvents = (await gql(server, agency.token, Events, { filter: { organizationId: sub.id } })).data!.events.edges;
    expect(subEvents.map((e) => e.node.type)).toEqual(['api_key.created']);
    expect(subEvents[0]!.node.data).toMatchObject({ apiKey: { name: 'in-sub', organizationId: sub.id } });
  });
});

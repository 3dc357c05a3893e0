import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { day, makeKey, sweep } from '../expiry/helpers.ts';
import { gql, seedOrg, startTestServer, success, type TestServer } from '../harness.ts';
import { MarkNotificationsRead, Notifications } from './ops.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

async function orgWithOneNotification() {
  const org = await seedOrg(server);
  await makeKey(server, org, { lastActivityAt: day(0) });
  await sweep(server, day(75), { organizationId: org.organizationId });
  const id = (await gql(server, org.token, Notifications, {})).data!.notifications.edges[0]!.node.id;
  return { org, id };
}

const unread = async (token: string) => (await gql(server, token, Notifications, { unreadOnly: true })).data!.notifications.unreadCount;

describe('notification errors', () => {
  it('markNotificationsRead: no ids, too many ids, or over-long ids are a ValidationError naming input.ids', async () => {
    const { org } = await orgWithOneNotification();
    for (const ids of [[], Array.from({ length: 101 }, (_, i) => `ntf_${i}`), ['x'.repeat(65)]]) {
      const p = (await gql(server, org.token, MarkNotificationsRead, { input: { ids } })).data?.markNotificationsRead;
      expect(p?.__typename).toBe('ValidationError');
      expect(p && 'fields' in p ? p.fields?.[0]?.path : null).toMatch(/^input\.ids/);
    }
    expect(await unread(org.token)).toBe(1);
  });

  it('an unknown id is NotFound and nothing is marked, not even the valid ids beside it', async () => {
    const { org, id } = await orgWithOneNotification();
    const p = (await gql(server, org.token, MarkNotificationsRead, { input: { ids: [id, 'ntf_doesnotexist0000000'] } })).data?.markNotificationsRead;
    expect(p).toMatchObject({ __typename: 'NotFoundError', resource: 'Notification', id: 'ntf_doesnotexist0000000' });
    expect(await unread(org.token)).toBe(1);
    success((await gql(server, org.token, MarkNotificationsRead, { input: { ids: [id, id] } })).data?.markNotificationsRead, 'MarkNotificationsReadSuccess');
    expect(await unread(org.token)).toBe(0);
  });

  it('notifications: bad page size, bad cursor and unknown organisation are errors', async () => {
    const { org } = await orgWithOneNotification();
    for (const vars of [{ first: 0 }, { first: 201 }, { after: 'not-a-cursor' }, { after: Buffer.from('["nope","x"]').toString('base64url') }]) {
      const res = await gql(server, org.token, Notifications, vars);
      expect(res.data).toBeNull();
      expect(res.errors?.[0]?.extensions?.code, JSON.stringify(vars)).toBe('VALIDATION');
    }
    const res = await gql(server, org.token, Notifications, { organizationId: 'org_doesnotexist00000000' });
    expect(res.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });
});

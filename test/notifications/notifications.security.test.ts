import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { day, makeKey, sweep } from '../expiry/helpers.ts';
import { userWithKey } from '../fixtures.ts';
import { gql, seedOrg, startTestServer, success, type TestServer } from '../harness.ts';
import { MarkNotificationsRead, Notifications } from './ops.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

async function orgWithNotifications() {
  const org = await seedOrg(server);
  const key = await makeKey(server, org, { lastActivityAt: day(0), name: 'payments' });
  await sweep(server, day(75), { organizationId: org.organizationId });
  await sweep(server, day(90), { organizationId: org.organizationId });
  const ids = (await gql(server, org.token, Notifications, {})).data!.notifications.edges.map((e) => e.node.id);
  expect(ids).toHaveLength(2);
  return { org, key, ids };
}

describe('notification security', () => {
  it('another organisation can neither list nor mark them, and learns nothing', async () => {
    const a = await orgWithNotifications();
    const b = await seedOrg(server);
    const list = await gql(server, b.token, Notifications, { organizationId: a.org.organizationId });
    expect(list.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect(JSON.stringify(list)).not.toContain('payments');
    expect((await gql(server, b.token, Notifications, {})).data!.notifications.edges).toEqual([]);

    const mark = (await gql(server, b.token, MarkNotificationsRead, { input: { ids: [a.ids[0]!] } })).data?.markNotificationsRead;
    // The same answer as for an id that does not exist: no existence oracle.
    expect(mark).toMatchObject({ __typename: 'NotFoundError', resource: 'Notification', id: a.ids[0] });
    expect((await gql(server, a.org.token, Notifications, { unreadOnly: true })).data!.notifications.unreadCount).toBe(2);
  });

  it('needs keys:read: a key without it is refused, a publishable key too', async () => {
    const a = await orgWithNotifications();
    const usersOnly = await userWithKey(server, a.org.token, a.org.organizationId, ['users:read']);
    const list = await gql(server, usersOnly.token, Notifications, {});
    expect(list.data).toBeNull();
    expect(list.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const mark = (await gql(server, usersOnly.token, MarkNotificationsRead, { input: { ids: a.ids } })).data?.markNotificationsRead;
    expect(mark?.__typename).toBe('ForbiddenError');

    const publishable = await userWithKey(server, a.org.token, a.org.organizationId, ['keys:read'], { kind: 'PUBLISHABLE' });
    expect((await gql(server, publishable.token, Notifications, {})).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await gql(server, publishable.token, MarkNotificationsRead, { input: { ids: a.ids } })).data?.markNotificationsRead?.__typename).toBe(
      'ForbiddenError',
    );
    expect((await gql(server, a.org.token, Notifications, { unreadOnly: true })).data!.notifications.unreadCount).toBe(2);
  });

  it('any key admin of the organisation sees them; read state is per user', async () => {
    const a = await orgWithNotifications();
    const admin = await userWithKey(server, a.org.token, a.org.organizationId, ['keys:read']);
    const theirs = (await gql(server, admin.token, Notifications, {})).data!.notifications;
    expect(theirs.edges.map((e) => e.node.id)).toEqual(a.ids);
    success((await gql(server, admin.token, MarkNotificationsRead, { input: { ids: a.ids } })).data?.markNotificationsRead, 'MarkNotificationsReadSuccess');
    expect((await gql(server, admin.token, Notifications, { unreadOnly: true })).data!.notifications.unreadCount).toBe(0);
    // The owner has not read them.
    expect((await gql(server, a.org.token, Notifications, { unreadOnly: true })).data!.notifications.unreadCount).toBe(2);
  });

  it('a sub-account key cannot read its agency’s notifications', async () => {
    const a = await orgWithNotifications();
    const sub = await seedOrg(server);
    const res = await gql(server, sub.token, Notifications, { organizationId: a.org.organizationId });
    expect(res.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });

  it('notifications and their events carry no secret, token or hash', async () => {
    const a = await orgWithNotifications();
    const res = await gql(server, a.org.token, Notifications, {});
    const [row] = await server.app.orm.em.fork().execute<{ secret_hash: Buffer }[]>('select secret_hash from api_key where id = ?', [a.key.id]);
    const stored = JSON.stringify(
      await server.app.orm.em
        .fork()
        .execute(`select n.title, n.data, e.data as event_data from notification n join event e on e.id = n.event_id where n.organization_id = ?`, [
          a.org.organizationId,
        ]),
    );
    const secret = a.key.token.slice(-40, -6);
    for (const text of [JSON.stringify(res), stored]) {
      expect(text).not.toContain(secret);
      expect(text).not.toContain(row!.secret_hash.toString('hex'));
      // Field names, not the kind (`"SECRET"`).
      expect(text).not.toMatch(/secretHash|secret_hash|"secret"|"token"/);
    }
  });
});

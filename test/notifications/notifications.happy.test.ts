import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { day, makeKey, sweep } from '../expiry/helpers.ts';
import { gql, seedOrg, startTestServer, success, type TestServer } from '../harness.ts';
import { CreateOrganization } from '../ops.ts';
import { MarkNotificationsRead, Notifications } from './ops.ts';

let server: TestServer;
const statements: string[] = [];
beforeAll(async () => {
  server = await startTestServer();
  server.app.orm.config.set('onQuery', (sql: string) => {
    statements.push(sql);
    return sql;
  });
});
afterAll(() => server.close());

/** An organisation whose keys produced: a 15-day warning (day 75), then a 7-day one and an expiry (day 83). */
async function withNotifications() {
  const org = await seedOrg(server);
  const warned = await makeKey(server, org, { lastActivityAt: day(0), name: 'ci-deploy' });
  const expired = await makeKey(server, org, { lastActivityAt: day(-10), name: 'old-export' });
  await sweep(server, day(75), { organizationId: org.organizationId });
  await sweep(server, day(83), { organizationId: org.organizationId });
  return { org, warned, expired };
}

describe('notifications', () => {
  it('shows key admins the expiry events, newest first, with the key and details', async () => {
    const { org, warned, expired } = await withNotifications();
    const res = await gql(server, org.token, Notifications, {});
    expect(res.errors).toBeUndefined();
    const conn = res.data!.notifications;
    const nodes = conn.edges.map((e) => e.node);
    expect(conn.unreadCount).toBe(4);
    const brief = (n: (typeof nodes)[number]) => `${n.apiKey?.name}:${n.type}:${n.daysLeft ?? n.reason}`;
    // Newest first: day 83's two, then day 75's two (equal times in id order).
    expect(nodes.slice(0, 2).map(brief).sort()).toEqual(['ci-deploy:api_key.expiring_soon:7', 'old-export:api_key.expired:inactivity']);
    expect(nodes.slice(2).map(brief).sort()).toEqual(['ci-deploy:api_key.expiring_soon:15', 'old-export:api_key.expiring_soon:5']);
    expect(nodes.map((n) => n.createdAt)).toEqual([day(83), day(83), day(75), day(75)].map((d) => d.toISOString()));
    const seven = nodes.find((n) => n.daysLeft === 7)!;
    expect(seven).toMatchObject({
      title: 'API key “ci-deploy” expires in 7 days unless it is used',
      organizationId: org.organizationId,
      apiKeyId: warned.id,
      apiKey: { id: warned.id, status: 'ACTIVE' },
      expiresAt: day(90).toISOString(),
      createdAt: day(83).toISOString(),
      read: false,
      readAt: null,
    });
    const gone = nodes.find((n) => n.type === 'api_key.expired')!;
    expect(gone).toMatchObject({
      title: 'API key “old-export” expired after 90 days unused',
      apiKey: { id: expired.id, status: 'EXPIRED' },
      expiresAt: day(80).toISOString(),
    });
    // Each one points at its lifecycle event.
    const events = await server.app.orm.em
      .fork()
      .execute<{ id: string }[]>(`select id from event where organization_id = ? and type like 'api_key.expir%'`, [org.organizationId]);
    expect(nodes.map((n) => n.eventId).sort()).toEqual(events.map((e) => e.id).sort());
  });

  it('marks notifications read for the caller; unreadOnly and unreadCount follow', async () => {
    const { org } = await withNotifications();
    const all = (await gql(server, org.token, Notifications, {})).data!.notifications.edges.map((e) => e.node);
    const [first, second] = all;
    const marked = success(
      (await gql(server, org.token, MarkNotificationsRead, { input: { ids: [first!.id, second!.id] } })).data?.markNotificationsRead,
      'MarkNotificationsReadSuccess',
    );
    expect(marked.notifications.map((n) => n.id).sort()).toEqual([first!.id, second!.id].sort());
    expect(marked.notifications.every((n) => n.read && n.readAt)).toBe(true);

    const unread = (await gql(server, org.token, Notifications, { unreadOnly: true })).data!.notifications;
    expect(unread.unreadCount).toBe(2);
    expect(unread.edges.map((e) => e.node.id).sort()).toEqual(
      all
        .slice(2)
        .map((n) => n.id)
        .sort(),
    );
    const everything = (await gql(server, org.token, Notifications, { unreadOnly: false })).data!.notifications;
    expect(
      everything.edges
        .filter((e) => e.node.read)
        .map((e) => e.node.id)
        .sort(),
    ).toEqual([first!.id, second!.id].sort());

    // Marking again is harmless and keeps the first read time.
    const again = success(
      (await gql(server, org.token, MarkNotificationsRead, { input: { ids: [first!.id] } })).data?.markNotificationsRead,
      'MarkNotificationsReadSuccess',
    );
    expect(again.notifications[0]!.readAt).toBe(marked.notifications.find((n) => n.id === first!.id)!.readAt);
    const audit = await server.app.orm.em
      .fork()
      .execute<{ action: string; changes: any }[]>(`select action, changes from audit_entry where organization_id = ? and action = 'notification.read'`, [
        org.organizationId,
      ]);
    expect(audit).toHaveLength(1);
    expect(audit[0]!.changes.ids.new.sort()).toEqual([first!.id, second!.id].sort());
  });

  it('loads the keys of a page in one query, however many notifications it has', async () => {
    const org = await seedOrg(server);
    for (let i = 0; i < 6; i++) await makeKey(server, org, { lastActivityAt: day(-i), name: `k${i}` });
    await sweep(server, day(75), { organizationId: org.organizationId });
    await gql(server, org.token, Notifications, {}); // warms the caller's key record
    statements.length = 0;
    const res = await gql(server, org.token, Notifications, {});
    expect(res.data!.notifications.edges.map((e) => e.node.apiKey?.name).sort()).toEqual(['k0', 'k1', 'k2', 'k3', 'k4', 'k5']);
    expect(statements.filter((q) => /from "?api_key"?/.test(q))).toHaveLength(1);
  });

  it('pages newest first with first/after', async () => {
    const { org } = await withNotifications();
    const seen: string[] = [];
    let after: string | null = null;
    for (let i = 0; i < 10; i++) {
      const page: any = (await gql(server, org.token, Notifications, { first: 3, after })).data!.notifications;
      seen.push(...page.edges.map((e: { node: { id: string } }) => e.node.id));
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    const all = (await gql(server, org.token, Notifications, {})).data!.notifications.edges.map((e) => e.node.id);
    expect(seen).toEqual(all);
    expect(new Set(seen).size).toBe(4);
  });

  it('an agency key with a sub-account grant sees the sub-account’s notifications', async () => {
    const agency = await seedOrg(server);
    const subId = success(
      (await gql(server, agency.token, CreateOrganization, { input: { name: 'Sub' } })).data?.createOrganization,
      'CreateOrganizationSuccess',
    ).organization.id;
    const key = await makeKey(server, { organizationId: subId, userId: agency.userId }, { lastActivityAt: day(0), name: 'sub-key' });
    await sweep(server, day(75), { organizationId: subId });
    const res = await gql(server, agency.token, Notifications, { organizationId: subId });
    expect(res.errors).toBeUndefined();
    expect(res.data!.notifications.edges.map((e) => e.node.apiKeyId)).toEqual([key.id]);
    // The agency's own list is separate.
    expect((await gql(server, agency.token, Notifications, {})).data!.notifications.edges).toEqual([]);
  });
});

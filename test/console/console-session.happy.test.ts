import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { userWithKey } from '../fixtures.ts';
import { gql, seedOrg, startTestServer, success, type TestServer } from '../harness.ts';
import { CreateUser } from '../ops.ts';
import { ConsoleViewer, CreateConsoleSession } from './ops.ts';
import { mintLink, openLink, signIn } from './session.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

describe('createConsoleSession and the link exchange', () => {
  it('mints a one-time link on this origin, valid for minutes', async () => {
    const org = await seedOrg(server);
    const before = Date.now();
    const res = await gql(server, org.token, CreateConsoleSession, { input: { userId: org.userId, returnPath: '/keys' } });
    const link = success(res.data?.createConsoleSession, 'CreateConsoleSessionSuccess');
    const url = new URL(link.url);
    expect(url.origin).toBe(server.url);
    expect(url.pathname).toBe('/console/auth');
    expect(url.searchParams.get('token')).toMatch(/^cs_[0-9A-Za-z]{20}\.[0-9A-Za-z]{43}$/);
    const ttl = new Date(link.expiresAt).getTime() - before;
    expect(ttl).toBeGreaterThan(4 * 60_000);
    expect(ttl).toBeLessThanOrEqual(5 * 60_000 + 1000);
    // Stored only as a keyed hash.
    const rows = await server.app.orm.em.getConnection().execute('select link_hash, session_hash from console_session where user_id = ?', [org.userId]);
    expect(rows).toHaveLength(1);
    expect(Buffer.from(rows[0].link_hash).toString('utf8')).not.toContain(url.searchParams.get('token')!.split('.')[1]);
    expect(rows[0].session_hash).toBeNull();
  });

  it('the link becomes a cookie session that acts as the user, then redirects to the return path', async () => {
    const org = await seedOrg(server);
    const url = await mintLink(server, org.token, org.userId, '/keys?status=ACTIVE');
    const res = await openLink(url);
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/console/keys?status=ACTIVE');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');

    const browser = await signIn(await mintLink(server, org.token, org.userId));
    const viewer = await gql(server, { header: browser.headers }, ConsoleViewer);
    expect(viewer.status).toBe(200);
    expect(viewer.data?.viewer.user.id).toBe(org.userId);
    expect(viewer.data?.viewer.organization.id).toBe(org.organizationId);
    // The user's full effective permissions (the owner role holds everything).
    expect(viewer.data?.viewer.permissions.map((p) => p.permission)).toContain('users:write');
  });

  it('changes made in the console are audited with the console as their source', async () => {
    const org = await seedOrg(server);
    const browser = await signIn(await mintLink(server, org.token, org.userId));
    const created = await gql(server, { header: browser.headers }, CreateUser, { input: { name: 'Made in the console' } });
    const user = success(created.data?.createUser, 'CreateUserSuccess').user;
    const audit = await server.app.orm.em
      .getConnection()
      .execute<{ actor_user_id: string; actor_key_id: string; actor_key_name: string; action: string }[]>(
        `select actor_user_id, actor_key_id, actor_key_name, action from audit_entry where organization_id = ? order by seq`,
        [org.organizationId],
      );
    const entry = audit.find((a) => a.action === 'user.create')!;
    expect(entry.actor_user_id).toBe(org.userId);
    expect(entry.actor_key_id).toMatch(/^cs_/);
    expect(entry.actor_key_name).toMatch(/^console:/);
    expect(audit.map((a) => a.action)).toEqual(expect.arrayContaining(['console_session.create', 'console_session.start', 'user.create']));
    expect(user.name).toBe('Made in the console');
  });

  it('a user with fewer permissions gets exactly those in the console', async () => {
    const org = await seedOrg(server);
    const reader = await userWithKey(server, org.token, org.organizationId, ['users:read', 'keys:read']);
    const browser = await signIn(await mintLink(server, org.token, reader.user.id));
    const viewer = await gql(server, { header: browser.headers }, ConsoleViewer);
    expect(viewer.data?.viewer.permissions.map((p) => p.permission).sort()).toEqual(['keys:read', 'users:read']);
    const denied = await gql(server, { header: browser.headers }, CreateUser, { input: { name: 'nope' } });
    expect(denied.data?.createUser.__typename).toBe('ForbiddenError');
  });

  it('logout ends the session everywhere and clears the cookies', async () => {
    const org = await seedOrg(server);
    const browser = await signIn(await mintLink(server, org.token, org.userId));
    expect((await gql(server, { header: browser.headers }, ConsoleViewer)).status).toBe(200);
    const out = await fetch(`${server.url}/console/logout`, { method: 'POST', headers: browser.headers });
    expect(out.status).toBe(204);
    expect(out.headers.getSetCookie().every((c) => /Max-Age=0/.test(c))).toBe(true);
    expect((await gql(server, { header: browser.headers }, ConsoleViewer)).status).toBe(401);
  });

  it('keys still authenticate exactly as before beside the cookie branch', async () => {
    const org = await seedOrg(server);
    const res = await gql(server, org.token, ConsoleViewer);
    expect(res.data?.viewer.user.id).toBe(org.userId);
  });
});

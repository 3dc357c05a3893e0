import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { userWithKey } from '../fixtures.ts';
import { gql, seedOrg, startTestServer, success, type TestServer } from '../harness.ts';
import { AssignRoles, CreateOrganization, CreateRole, CreateUser, UpdateUser } from '../ops.ts';
import { ConsoleViewer, CreateConsoleSession } from './ops.ts';
import { mintLink, openLink, postLinkToken, previewLink, signIn } from './session.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

const UNAUTHENTICATED = { errors: [{ message: expect.any(String), extensions: { code: 'UNAUTHENTICATED' } }] };

async function rawPost(headers: Record<string, string>) {
  const res = await fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query: '{ viewer { user { id } } }' }),
  });
  return { status: res.status, body: await res.text() };
}

describe('console links', () => {
  it('a link works once: reuse is refused, and two racing exchanges make one session', async () => {
    const org = await seedOrg(server);
    const url = await mintLink(server, org.token, org.userId);
    expect((await openLink(url)).status).toBe(303);
    const again = await openLink(url);
    expect(again.status).toBe(401);
    expect(again.headers.getSetCookie()).toEqual([]);

    const raced = await mintLink(server, org.token, org.userId);
    const statuses = (await Promise.all([openLink(raced), openLink(raced), openLink(raced)])).map((r) => r.status).sort();
    expect(statuses).toEqual([303, 401, 401]);
  });

  it('following a link only shows who it signs in as: scanners and previews do not use it', async () => {
    const org = await seedOrg(server);
    const url = await mintLink(server, org.token, org.userId);
    for (let i = 0; i < 3; i++) {
      const page = await previewLink(url);
      expect(page.status).toBe(200);
      expect(page.headers.getSetCookie()).toEqual([]);
      expect(page.headers.get('cache-control')).toBe('no-store');
      expect(page.headers.get('content-security-policy')).toContain("form-action 'self'");
      expect(await page.text()).toContain('<form method="post" action="/console/auth">');
    }
    expect((await fetch(url, { method: 'HEAD' })).status).toBe(200);
    expect((await postLinkToken(url)).status).toBe(303);
    expect((await previewLink(url)).status).toBe(401); // used now
  });

  it('another site cannot sign a browser in (login CSRF): cross-site posts are refused and do not use the link', async () => {
    const org = await seedOrg(server);
    const url = await mintLink(server, org.token, org.userId);
    const attempts: Record<string, string>[] = [
      { 'sec-fetch-site': 'cross-site' },
      { 'sec-fetch-site': 'same-site' },
      { 'sec-fetch-site': 'cross-site', origin: server.url },
      { origin: 'https://evil.example' },
      { origin: 'null' },
      { origin: 'not a url' },
    ];
    for (const headers of attempts) {
      const res = await postLinkToken(url, headers);
      expect(res.status, JSON.stringify(headers)).toBe(403);
      expect(res.headers.getSetCookie()).toEqual([]);
    }
    // Same origin by Origin alone (a browser without Fetch Metadata) works, once.
    const ok = await postLinkToken(url, { origin: server.url });
    expect(ok.status).toBe(303);
    expect(ok.headers.getSetCookie().length).toBe(2);
  });

  it('the confirmation page escapes the names it shows', async () => {
    const org = await seedOrg(server);
    const evil = '<script>alert(1)</script>"\'&';
    const user = success(
      (await gql(server, org.token, CreateUser, { input: { name: evil, kind: 'HUMAN', organizationId: org.organizationId } })).data?.createUser,
      'CreateUserSuccess',
    ).user;
    const url = await mintLink(server, org.token, user.id);
    const html = await (await previewLink(url)).text();
    expect(html).not.toContain('<script>');
    expect(html).toContain('&#60;script&#62;alert(1)&#60;/script&#62;&#34;&#39;&#38;');
  });

  it('an expired link is refused', async () => {
    const org = await seedOrg(server);
    const url = await mintLink(server, org.token, org.userId);
    const id = new URL(url).searchParams.get('token')!.split('.')[0];
    await server.app.orm.em.getConnection().execute(`update console_session set link_expires_at = now() - interval '1 second' where id = ?`, [id]);
    const res = await openLink(url);
    expect(res.status).toBe(401);
    expect(res.headers.getSetCookie()).toEqual([]);
  });

  it('a tampered or garbage token is refused alike', async () => {
    const org = await seedOrg(server);
    const url = await mintLink(server, org.token, org.userId);
    const token = new URL(url).searchParams.get('token')!;
    const flipped = token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A');
    const bodies = new Set<string>();
    for (const t of [flipped, 'garbage', '', 'x'.repeat(5000)]) {
      const res = await openLink(`${server.url}/console/auth?token=${encodeURIComponent(t)}`);
      expect(res.status).toBe(401);
      bodies.add(await res.text());
    }
    expect(bodies.size).toBe(1);
    // The real link still works: failed attempts do not burn it.
    expect((await openLink(url)).status).toBe(303);
  });

  it('a link for a user of another organisation cannot be minted', async () => {
    const a = await seedOrg(server);
    const b = await seedOrg(server);
    const res = await gql(server, a.token, CreateConsoleSession, { input: { userId: b.userId } });
    expect(res.data?.createConsoleSession.__typename).toBe('NotFoundError');
  });

  it('minting needs users:write and may not reach a user holding more than the caller', async () => {
    const org = await seedOrg(server);
    const reader = await userWithKey(server, org.token, org.organizationId, ['users:read']);
    const target = await userWithKey(server, org.token, org.organizationId, ['users:read']);
    expect((await gql(server, reader.token, CreateConsoleSession, { input: { userId: target.user.id } })).data?.createConsoleSession.__typename).toBe(
      'ForbiddenError',
    );

    const admin = await userWithKey(server, org.token, org.organizationId, ['users:write']);
    // The owner holds everything: an admin with users:write alone cannot become the owner.
    const up = await gql(server, admin.token, CreateConsoleSession, { input: { userId: org.userId } });
    const forbidden = up.data?.createConsoleSession;
    expect(forbidden?.__typename).toBe('ForbiddenError');
    if (forbidden?.__typename === 'ForbiddenError') expect(forbidden.missingPermission).toBeTruthy();
    // A user holding keys:write the admin lacks: refused too.
    const writer = await userWithKey(server, org.token, org.organizationId, ['keys:write']);
    expect((await gql(server, admin.token, CreateConsoleSession, { input: { userId: writer.user.id } })).data?.createConsoleSession.__typename).toBe(
      'ForbiddenError',
    );
    // Down is fine: a user holding less.
    expect((await gql(server, admin.token, CreateConsoleSession, { input: { userId: target.user.id } })).data?.createConsoleSession.__typename).toBe(
      'CreateConsoleSessionSuccess',
    );
  });

  it('a key restricted below its user cannot mint for a peer holding the user’s full permissions', async () => {
    const org = await seedOrg(server);
    const admin = await userWithKey(server, org.token, org.organizationId, ['users:write', 'keys:write'], { restrict: [{ permission: 'users:write' }] });
    const peer = await userWithKey(server, org.token, org.organizationId, ['keys:write']);
    expect((await gql(server, admin.token, CreateConsoleSession, { input: { userId: peer.user.id } })).data?.createConsoleSession.__typename).toBe(
      'ForbiddenError',
    );
  });

  it('a publishable key cannot mint', async () => {
    const org = await seedOrg(server);
    const pk = await userWithKey(server, org.token, org.organizationId, ['users:write'], { kind: 'PUBLISHABLE' });
    const res = await gql(server, pk.token, CreateConsoleSession, { input: { userId: pk.user.id } });
    expect(res.data?.createConsoleSession.__typename).toBe('ForbiddenError');
  });

  it('a session reaches no sub-account the minting key could not', async () => {
    const org = await seedOrg(server);
    const sub = success(
      (await gql(server, org.token, CreateOrganization, { input: { name: 'Location' } })).data?.createOrganization,
      'CreateOrganizationSuccess',
    ).organization;
    // The user holds everything; the key that mints reaches no sub-account.
    const admin = await userWithKey(server, org.token, org.organizationId, ['users:write', 'users:read'], { subAccounts: { mode: 'NONE' } });
    const browser = await signIn(await mintLink(server, admin.token, admin.user.id));
    const res = await gql(server, { header: browser.headers }, CreateUser, { input: { name: 'x', organizationId: sub.id } });
    expect(res.data?.createUser.__typename).toBe('NotFoundError');
    // The owner key reaches every sub-account, and so does a session it mints.
    const owner = await signIn(await mintLink(server, org.token, admin.user.id));
    expect((await gql(server, { header: owner.headers }, CreateUser, { input: { name: 'y', organizationId: sub.id } })).data?.createUser.__typename).toBe(
      'CreateUserSuccess',
    );
  });

  it('a return path cannot send the browser to another origin', async () => {
    const org = await seedOrg(server);
    for (const returnPath of ['//evil.example/x', 'https://evil.example', '/\\evil.example', '/../graphql', 'keys']) {
      const res = await gql(server, org.token, CreateConsoleSession, { input: { userId: org.userId, returnPath } });
      expect(res.data?.createConsoleSession.__typename, returnPath).toBe('ValidationError');
    }
  });
});

describe('cookie sessions', () => {
  it('a cookie without the CSRF header is refused, with the same 401 as a missing key', async () => {
    const org = await seedOrg(server);
    const browser = await signIn(await mintLink(server, org.token, org.userId));
    const none = await rawPost({});
    const noCsrf = await rawPost({ cookie: `kp_console=${browser.cookie}` });
    const wrongCsrf = await rawPost({ cookie: `kp_console=${browser.cookie}`, 'x-keyplane-csrf': `${browser.csrf.slice(0, -2)}AA` });
    const ok = await rawPost(browser.headers);
    expect(ok.status).toBe(200);
    for (const r of [noCsrf, wrongCsrf]) {
      expect(r.status).toBe(401);
      expect(r.body).toBe(none.body);
      expect(JSON.parse(r.body)).toMatchObject(UNAUTHENTICATED);
    }
    // Mutations too, and the CSRF token of another session does not fit this one.
    const other = await signIn(await mintLink(server, org.token, org.userId));
    const crossed = await gql(server, { header: { cookie: `kp_console=${browser.cookie}`, 'x-keyplane-csrf': other.csrf } }, CreateUser, {
      input: { name: 'x' },
    });
    expect(crossed.status).toBe(401);
  });

  it('the link token itself is not a session, and a forged session secret is refused', async () => {
    const org = await seedOrg(server);
    const url = await mintLink(server, org.token, org.userId);
    const linkToken = new URL(url).searchParams.get('token')!;
    const browser = await signIn(url);
    expect((await rawPost({ cookie: `kp_console=${linkToken}`, 'x-keyplane-csrf': browser.csrf })).status).toBe(401);
    const [id] = browser.cookie.split('.');
    expect((await rawPost({ cookie: `kp_console=${id}.${'A'.repeat(43)}`, 'x-keyplane-csrf': browser.csrf })).status).toBe(401);
  });

  it('a disabled user’s session dies on its next request', async () => {
    const org = await seedOrg(server);
    const person = await userWithKey(server, org.token, org.organizationId, ['users:read']);
    const browser = await signIn(await mintLink(server, org.token, person.user.id));
    expect((await gql(server, { header: browser.headers }, ConsoleViewer)).status).toBe(200);
    success((await gql(server, org.token, UpdateUser, { input: { id: person.user.id, status: 'DISABLED' } })).data?.updateUser, 'UpdateUserSuccess');
    expect((await gql(server, { header: browser.headers }, ConsoleViewer)).status).toBe(401);
    // Re-enabling does not resurrect anything a disabled user could mint meanwhile; a disabled user gets no link.
    expect((await gql(server, org.token, CreateConsoleSession, { input: { userId: person.user.id } })).data?.createConsoleSession.__typename).toBe(
      'ConflictError',
    );
  });

  it('narrowing the user’s roles narrows an open session at once', async () => {
    const org = await seedOrg(server);
    const person = await userWithKey(server, org.token, org.organizationId, ['users:write']);
    const browser = await signIn(await mintLink(server, org.token, person.user.id));
    expect((await gql(server, { header: browser.headers }, CreateUser, { input: { name: 'a' } })).data?.createUser.__typename).toBe('CreateUserSuccess');
    const readOnly = success(
      (await gql(server, org.token, CreateRole, { input: { name: 'ro', permissions: ['users:read'] } })).data?.createRole,
      'CreateRoleSuccess',
    ).role;
    success(
      (await gql(server, org.token, AssignRoles, { input: { userId: person.user.id, roles: [{ roleId: readOnly.id }] } })).data?.assignRoles,
      'AssignRolesSuccess',
    );
    expect((await gql(server, { header: browser.headers }, CreateUser, { input: { name: 'b' } })).data?.createUser.__typename).toBe('ForbiddenError');
  });

  it('an expired session is refused', async () => {
    const org = await seedOrg(server);
    const browser = await signIn(await mintLink(server, org.token, org.userId));
    expect((await rawPost(browser.headers)).status).toBe(200);
    const [id] = browser.cookie.split('.');
    await server.app.orm.em.getConnection().execute(`update console_session set expires_at = now() - interval '1 second' where id = ?`, [id]);
    await server.app.deps.invalidate({ scope: 'key', keyId: id! });
    expect((await rawPost(browser.headers)).status).toBe(401);
  });

  it('logout needs the CSRF header too', async () => {
    const org = await seedOrg(server);
    const browser = await signIn(await mintLink(server, org.token, org.userId));
    const res = await fetch(`${server.url}/console/logout`, { method: 'POST', headers: { cookie: `kp_console=${browser.cookie}` } });
    expect(res.status).toBe(401);
    expect((await rawPost(browser.headers)).status).toBe(200);
  });

  it('session cookies: httpOnly session, SameSite=Strict, whole-origin path, no Secure over plain http', async () => {
    const org = await seedOrg(server);
    const browser = await signIn(await mintLink(server, org.token, org.userId));
    const session = browser.setCookies.find((c) => c.startsWith('kp_console='))!;
    const csrf = browser.setCookies.find((c) => c.startsWith('kp_csrf='))!;
    expect(session).toMatch(/; HttpOnly/);
    expect(session).toMatch(/; SameSite=Strict/);
    expect(session).toMatch(/; Path=\//);
    expect(session).toMatch(/; Max-Age=28800/);
    expect(session).not.toMatch(/Secure/);
    expect(csrf).toMatch(/; SameSite=Strict/);
    expect(csrf).not.toMatch(/HttpOnly/);
  });

  it('in production the cookies are Secure and __Host- prefixed', async () => {
    const prod = await startTestServer({
      config: {
        NODE_ENV: 'production',
        KEYPLANE_PEPPER: 'production-test-pepper-0123456789abcdefghij',
        KEYPLANE_ENCRYPTION_KEY: Buffer.alloc(32, 9).toString('base64'),
        KEYPLANE_WEBHOOKS_ALLOW_LOOPBACK: 'false',
      },
    });
    try {
      const org = await seedOrg(prod);
      const res = await gql(prod, org.token, CreateConsoleSession, { input: { userId: org.userId } });
      const url = success(res.data?.createConsoleSession, 'CreateConsoleSessionSuccess').url;
      expect(url.startsWith('https://')).toBe(true);
      const path = new URL(url);
      const browser = await signIn(`${prod.url}${path.pathname}${path.search}`, { session: '__Host-kp_console', csrf: '__Host-kp_csrf' });
      for (const c of browser.setCookies) {
        expect(c).toMatch(/^__Host-/);
        expect(c).toMatch(/; Secure/);
        expect(c).toMatch(/; Path=\//);
        expect(c).not.toMatch(/Domain=/i);
      }
      expect((await gql(prod, { header: browser.headers }, ConsoleViewer)).data?.viewer.user.id).toBe(org.userId);
      // The development cookie name means nothing in production.
      expect((await gql(prod, { header: { cookie: `kp_console=${browser.cookie}`, 'x-keyplane-csrf': browser.csrf } }, ConsoleViewer)).status).toBe(401);
    } finally {
      await prod.close();
    }
  });

  it('graphql-ws: the session cookie needs the CSRF token in the connection params', async () => {
    const org = await seedOrg(server);
    const browser = await signIn(await mintLink(server, org.token, org.userId));
    const connect = (params: Record<string, string>) =>
      new Promise<{ ok: boolean; code?: number; client: Client }>((resolve) => {
        class CookieSocket extends WebSocket {
          constructor(address: string, protocols?: string | string[]) {
            super(address, protocols, { headers: { cookie: `kp_console=${browser.cookie}` } });
          }
        }
        const client = createClient({
          url: `${server.url.replace('http', 'ws')}/graphql`,
          webSocketImpl: CookieSocket,
          connectionParams: params,
          retryAttempts: 0,
          lazy: false,
          onNonLazyError: () => {},
          on: { connected: () => resolve({ ok: true, client }), closed: (e) => resolve({ ok: false, code: (e as { code?: number }).code, client }) },
        });
      });
    const refused = await connect({});
    expect(refused).toMatchObject({ ok: false, code: 4401 });
    const accepted = await connect({ 'x-keyplane-csrf': browser.csrf });
    expect(accepted.ok).toBe(true);
    const data = await new Promise((resolve, reject) =>
      accepted.client.subscribe({ query: '{ viewer { user { id } } }' }, { next: (v) => resolve(v.data), error: reject, complete: () => {} }),
    );
    expect(data).toEqual({ viewer: { user: { id: org.userId } } });
    await accepted.client.dispose();
    await refused.client.dispose();
  });
});

import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gql, seedOrg, success, type TestServer } from '../harness.ts';
import { AssignRoles, CreateRole, CreateUser, DefineResource, UpdateRole, UpdateUser } from '../ops.ts';
import { makeKey, makeSubAccount, makeUser } from '../verify/fixtures.ts';
import { rollUpUsage } from '../../src/modules/usage/usage-rollup.ts';
import { hostScenario, live, sdk, startCountedServer, type Counted } from './helpers.ts';

let server: Counted;
beforeAll(async () => {
  server = await startCountedServer();
});
afterAll(() => server.close());

type Inv = { scope: string; keyId: string | null; userId: string | null; organizationId: string | null };

/** A raw keyInvalidations subscriber (graphql-ws over ws), collecting what it is sent. */
function subscribe(srv: TestServer, token: string) {
  const client = createClient({
    url: `${srv.url.replace('http', 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${token}` },
    retryAttempts: 0,
    lazy: false,
    onNonLazyError: () => undefined,
  });
  const received: Inv[] = [];
  const errors: unknown[] = [];
  client.subscribe<{ keyInvalidations: Inv }>(
    { query: 'subscription { keyInvalidations { scope keyId userId organizationId } }' },
    { next: (m) => (m.data ? received.push(m.data.keyInvalidations) : errors.push(m.errors)), error: (e) => errors.push(e), complete: () => undefined },
  );
  return { received, errors, close: () => client.dispose() };
}

async function rollUp() {
  await server.app.usage.flush();
  await rollUpUsage({ orm: server.app.orm, config: server.config });
}

async function post(path: string, token: string | null, body: unknown) {
  const res = await fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, text, body: JSON.parse(text) };
}

describe('keyInvalidations', () => {
  it('a subscriber never sees another organisation’s invalidations, nor ids from above its own organisation', async () => {
    const a = await hostScenario(server);
    const b = await hostScenario(server);
    const sub = await makeSubAccount(server.app.orm, a.org.organizationId);
    const subUser = await makeUser(server.app.orm, sub.id, ['keys:verify']);
    const subKey = await makeKey(server.app.orm, server.config.pepper, { organizationId: sub.id, userId: subUser.userId });

    const inA = subscribe(server, a.org.token);
    const inSub = subscribe(server, subKey.token);
    await expect.poll(() => inA.received.length + inSub.received.length, { timeout: 5000 }).toBe(2);
    expect(inA.received[0]!.scope).toBe('READY');

    // Everything B does: its key revoked, its user disabled, its catalogue changed.
    await b.kp.revokeKey({ id: b.apiKeyId });
    success((await gql(server, b.org.token, UpdateUser, { input: { id: b.userId, status: 'DISABLED' } })).data!.updateUser, 'UpdateUserSuccess');
    success(
      (await gql(server, b.org.token, DefineResource, { input: { name: 'invoices', actions: ['read'], sensitiveFields: [] } })).data!.defineResource,
      'DefineResourceSuccess',
    );
    // Then a marker in A (a key of A's organisation, above the sub-account).
    await a.kp.revokeKey({ id: a.apiKeyId });
    await expect.poll(() => inA.received.some((m) => m.scope === 'KEY' && m.keyId === a.keyId), { timeout: 5000 }).toBe(true);
    // A's user changes: the sub-account hears of it only as ALL, without the id.
    success((await gql(server, a.org.token, UpdateUser, { input: { id: a.userId, status: 'DISABLED' } })).data!.updateUser, 'UpdateUserSuccess');
    await expect.poll(() => inA.received.some((m) => m.scope === 'USER' && m.userId === a.userId), { timeout: 5000 }).toBe(true);
    await expect.poll(() => inSub.received.some((m) => m.scope === 'ALL'), { timeout: 5000 }).toBe(true);

    const text = JSON.stringify(inA.received);
    for (const id of [b.keyId, b.userId, b.org.organizationId, b.apiKeyId]) expect(text).not.toContain(id);
    // (The process hears its own invalidations twice, locally and back from Redis; dropping twice is harmless.)
    expect([...new Set(inA.received.map((m) => m.scope))], JSON.stringify(inA.received)).toEqual(['READY', 'KEY', 'USER']);
    const subText = JSON.stringify(inSub.received);
    for (const id of [a.keyId, a.userId, a.org.organizationId, b.keyId, b.userId, b.org.organizationId]) expect(subText).not.toContain(id);
    await Promise.all([inA.close(), inSub.close(), a.kp.close(), b.kp.close()]);
  });

  it('is refused to keys without keys:verify and to publishable keys', async () => {
    const org = await seedOrg(server);
    const reader = await makeUser(server.app.orm, org.organizationId, ['keys:read']);
    const readerKey = await makeKey(server.app.orm, server.config.pepper, { organizationId: org.organizationId, userId: reader.userId });
    const verifier = await makeUser(server.app.orm, org.organizationId, ['keys:verify']);
    const publishable = await makeKey(server.app.orm, server.config.pepper, {
      organizationId: org.organizationId,
      userId: verifier.userId,
      kind: 'PUBLISHABLE',
    });
    for (const token of [readerKey.token, publishable.token]) {
      const s = subscribe(server, token);
      await expect.poll(() => s.errors.length, { timeout: 5000 }).toBeGreaterThan(0);
      expect(JSON.stringify(s.errors)).toMatch(/FORBIDDEN|Forbidden|keys:verify|Publishable/);
      expect(s.received).toEqual([]);
      await s.close();
    }
  });

  it('the SDK stops for good on a 4401 close (its own key revoked) and drops what it cached', async () => {
    const org = await seedOrg(server);
    const verifier = await makeUser(server.app.orm, org.organizationId, ['keys:verify', 'keys:read']);
    const own = await makeKey(server.app.orm, server.config.pepper, { organizationId: org.organizationId, userId: verifier.userId });
    const customer = await makeKey(server.app.orm, server.config.pepper, { organizationId: org.organizationId, userId: verifier.userId });
    const states: string[] = [];
    const kp = sdk(server, own.token, { onFeedState: (s, why) => states.push(`${s}${why ? `: ${why}` : ''}`) });
    await live(kp);
    await kp.verify({ token: customer.token });
    expect(kp.stats.cached).toBe(1);
    const owner = sdk(server, org.token, { local: false });
    await owner.revokeKey({ id: own.id });
    await expect.poll(() => kp.stats.feed, { timeout: 5000 }).toBe('refused');
    expect(kp.stats.cached).toBe(0);
    // The stream's own error (key revoked) or the 4401 close that follows it, whichever comes first.
    expect(states.at(-1)).toMatch(/^refused: .*(revoked|4401)/);
    // Every verification now asks Keyplane, which refuses the revoked host key.
    await expect(kp.verify({ token: customer.token })).rejects.toMatchObject({ code: 'UNAUTHENTICATED', status: 401 });
    await Promise.all([kp.close(), owner.close()]);
  });
});

describe('keyInvalidations when the host key loses keys:verify', () => {
  it('ends the subscription (the SDK stops answering locally) once a role change takes keys:verify away', async () => {
    const s = await hostScenario(server);
    const role = success(
      (await gql(server, s.org.token, CreateRole, { input: { name: 'verifier', permissions: ['keys:verify', 'keys:read'] } })).data!.createRole,
      'CreateRoleSuccess',
    ).role;
    const user = success(
      (await gql(server, s.org.token, CreateUser, { input: { name: 'host app', kind: 'SERVICE' } })).data!.createUser,
      'CreateUserSuccess',
    ).user;
    success(
      (await gql(server, s.org.token, AssignRoles, { input: { userId: user.id, roles: [{ roleId: role.id }] } })).data!.assignRoles,
      'AssignRolesSuccess',
    );
    const hostKey = await s.kp.createKey({ name: 'host', userId: user.id });
    const kp = sdk(server, hostKey.token);
    await live(kp);
    expect((await kp.verify({ token: s.token })).code).toBe('VALID');
    expect(kp.stats.cached).toBe(1);
    success((await gql(server, s.org.token, UpdateRole, { input: { id: role.id, permissions: ['keys:read'] } })).data!.updateRole, 'UpdateRoleSuccess');
    await expect.poll(() => kp.stats.feed, { timeout: 5000 }).toBe('refused');
    expect(kp.stats.cached).toBe(0);
    await expect(kp.verify({ token: s.token })).rejects.toMatchObject({ code: 'FORBIDDEN', status: 403 });
    await Promise.all([kp.close(), s.kp.close()]);
  });
});

describe('POST /v1/keys/snapshots', () => {
  it('requires a key holding keys:verify (not publishable), with the one error body', async () => {
    const s = await hostScenario(server);
    const none = await post('/v1/keys/snapshots', null, { token: s.token });
    expect(none.status).toBe(401);
    expect(none.body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    // The customer key itself (invoices only) may not ask for snapshots.
    const notVerifier = await post('/v1/keys/snapshots', s.token, { token: s.token });
    expect(notVerifier.status).toBe(403);
    expect(notVerifier.body).toEqual({ errors: [{ message: expect.stringContaining('keys:verify'), extensions: { code: 'FORBIDDEN' } }] });
    const user = await makeUser(server.app.orm, s.org.organizationId, ['keys:verify']);
    const publishable = await makeKey(server.app.orm, server.config.pepper, { organizationId: s.org.organizationId, userId: user.userId, kind: 'PUBLISHABLE' });
    expect((await post('/v1/keys/snapshots', publishable.token, { token: s.token })).status).toBe(403);
    await s.kp.close();
  });

  it('never returns a secret, a token or a hash; nothing for wrong secrets, other organisations or limited keys', async () => {
    const s = await hostScenario(server, {}, { allowedIps: ['10.0.0.0/8'] });
    const r = await post('/v1/keys/snapshots', s.org.token, { token: s.token, ip: '10.0.0.1' });
    expect(r.status).toBe(200);
    expect(Object.keys(r.body.snapshot).sort()).toEqual(
      [
        'allowedIps',
        'key',
        'maxAgeMs',
        'organizationId',
        'permissions',
        'secretValidUntil',
        'userId',
        'userStatus',
        'validFrom',
        'validUntil',
        'version',
        'withheldFields',
      ].sort(),
    );
    const secret = s.token.split('_').at(-1)!;
    expect(r.text).not.toContain(secret.slice(0, 20));
    expect(r.text).not.toContain(s.token);
    expect(r.text.toLowerCase()).not.toContain('hash');
    const row = await server.app.orm.em.fork().getConnection().execute<{ secret_hash: Buffer }[]>('select secret_hash from api_key where id = ?', [s.apiKeyId]);
    expect(r.text).not.toContain(row[0]!.secret_hash.toString('base64'));
    expect(r.text).not.toContain(row[0]!.secret_hash.toString('hex'));

    // A wrong secret for an existing key id: NOT_FOUND, no snapshot.
    const wrong = await post('/v1/keys/snapshots', s.org.token, { keyId: s.keyId, secret: 'x'.repeat(43) });
    expect(wrong.body).toMatchObject({ result: { code: expect.stringMatching(/NOT_FOUND|MALFORMED/), apiKey: null }, snapshot: null });
    // Another organisation's key: NOT_FOUND, no snapshot (as /v1/keys/verify).
    const other = await hostScenario(server);
    const foreign = await post('/v1/keys/snapshots', s.org.token, { token: other.token });
    expect(foreign.body).toEqual({ result: expect.objectContaining({ valid: false, code: 'NOT_FOUND', apiKey: null, organizationId: null }), snapshot: null });
    // A rate-limited key: verified, but never given out for local answers.
    const limited = await s.kp.createKey({ name: 'limited', userId: s.userId, rateLimit: { limit: 5, windowSeconds: 60 } });
    const lim = await post('/v1/keys/snapshots', s.org.token, { token: limited.token });
    expect(lim.body.result.code).toBe('VALID');
    expect(lim.body.snapshot).toBeNull();
    await Promise.all([s.kp.close(), other.kp.close()]);
  });
});

describe('POST /v1/keys/verifications', () => {
  const batch = (keyId: string, count: number, batchId = `b${Math.random().toString(36).slice(2, 14)}`) => ({
    batchId,
    verifications: [{ keyId, code: 'VALID', at: Date.now(), ip: '10.0.0.1', permission: 'invoices:read', count }],
  });

  it('cannot forge usage for keys out of reach; a replayed batch id is not counted twice', async () => {
    const a = await hostScenario(server);
    const b = await hostScenario(server);
    // A reports verifications of B's key: refused, not counted.
    const forged = await post('/v1/keys/verifications', a.org.token, batch(b.keyId, 50));
    expect(forged.body).toMatchObject({ duplicate: false, accepted: 0, rejected: 50 });
    // A key without keys:verify may not report at all, not even for itself.
    const reader = await makeUser(server.app.orm, a.org.organizationId, ['keys:read']);
    const readerKey = await makeKey(server.app.orm, server.config.pepper, { organizationId: a.org.organizationId, userId: reader.userId });
    expect((await post('/v1/keys/verifications', readerKey.token, batch(readerKey.keyId, 5))).status).toBe(403);

    // A key within reach that this caller never got a snapshot of: not counted either (keys:verify
    // over an organisation must not keep its keys "used" without their tokens).
    expect((await post('/v1/keys/verifications', a.org.token, batch(a.keyId, 3))).body).toMatchObject({ accepted: 0, rejected: 3 });
    expect((await post('/v1/keys/snapshots', a.org.token, { token: a.token })).body.snapshot).not.toBeNull();
    expect((await post('/v1/keys/snapshots', b.org.token, { token: b.token })).body.snapshot).not.toBeNull();

    const once = batch(a.keyId, 7);
    expect((await post('/v1/keys/verifications', a.org.token, once)).body).toMatchObject({ duplicate: false, accepted: 7 });
    expect((await post('/v1/keys/verifications', a.org.token, once)).body).toMatchObject({ duplicate: true, accepted: 0 });
    // The same batch id from another caller is its own batch (ids are per caller): B cannot block A's.
    expect(
      (await post('/v1/keys/verifications', b.org.token, { ...once, verifications: [{ ...once.verifications[0], keyId: b.keyId, count: 1 }] })).body,
    ).toMatchObject({ duplicate: false, accepted: 1 });

    await rollUp();
    const sum = (points: { count: number }[]) => points.reduce((n, p) => n + p.count, 0);
    // Each snapshot call is itself one verification: 1 + 7 for A, 1 + 1 for B; nothing forged, nothing twice.
    expect(sum(await a.kp.usage({ keyId: a.apiKeyId, granularity: 'MINUTE' }))).toBe(8);
    expect(sum(await b.kp.usage({ keyId: b.apiKeyId, granularity: 'MINUTE' }))).toBe(2);
    await Promise.all([a.kp.close(), b.kp.close()]);
  });

  it('refuses outcomes a host cannot decide, times outside the window and oversized batches', async () => {
    const a = await hostScenario(server);
    const bad = async (verification: Record<string, unknown>) => {
      const r = await post('/v1/keys/verifications', a.org.token, {
        batchId: 'abcdefgh12',
        verifications: [{ keyId: a.keyId, code: 'VALID', at: Date.now(), ...verification }],
      });
      expect(r.status, JSON.stringify(verification)).toBe(400);
      expect(r.body.errors[0].extensions.code).toBe('VALIDATION');
    };
    await bad({ code: 'RATE_LIMITED' });
    await bad({ code: 'NOT_FOUND' });
    await bad({ at: Date.now() - 2 * 3600_000 });
    await bad({ at: Date.now() + 3600_000 });
    await bad({ count: 0 });
    await bad({ count: 1e9 });
    await bad({ permission: 'x'.repeat(101) });
    const many = await post('/v1/keys/verifications', a.org.token, {
      batchId: 'abcdefgh13',
      verifications: Array.from({ length: 1001 }, () => ({ keyId: a.keyId, code: 'VALID', at: Date.now() })),
    });
    expect(many.status).toBe(400);
    const short = await post('/v1/keys/verifications', a.org.token, { batchId: 'short', verifications: [{ keyId: a.keyId, code: 'VALID', at: Date.now() }] });
    expect(short.status).toBe(400);
    await a.kp.close();
  });
});

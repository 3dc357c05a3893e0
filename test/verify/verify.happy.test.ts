import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gql, seedOrg, startTestServer, type TestServer } from '../harness.ts';
import { User } from '../../src/db/entities/user.entity.ts';
import { ApiKey } from '../../src/db/entities/api-key.entity.ts';
import type { BootstrapResult } from '../../src/modules/bootstrap/bootstrap.service.ts';
import { defineResource, makeKey, makeSubAccount, makeUser, VerifyKey, verifyHttp, type VerifyAnswer, type VerifyInput } from './fixtures.ts';
import { testRedisPrefix } from '../context.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ config: { KEYPLANE_REDIS_PREFIX: `${testRedisPrefix()}:vhappy` } });
});
afterAll(() => server.close());

type Transport = (caller: string, input: VerifyInput) => Promise<VerifyAnswer>;

const transports: [string, Transport][] = [
  [
    'GraphQL verifyKey',
    async (caller, input) => {
      const res = await gql(server, caller, VerifyKey, { input });
      expect(res.errors).toBeUndefined();
      return res.data!.verifyKey as VerifyAnswer;
    },
  ],
  [
    'POST /v1/keys/verify',
    async (caller, input) => {
      const res = await verifyHttp(server, caller, input);
      expect(res.status).toBe(200);
      return res.body;
    },
  ],
];

async function setup(): Promise<{ org: BootstrapResult; userId: string; roleId: string }> {
  const org = await seedOrg(server);
  const { userId, roleId } = await makeUser(server.app.orm, org.organizationId, ['keys:read', 'events:read']);
  return { org, userId, roleId };
}

describe.each(transports)('%s', (_name, verify) => {
  it('answers VALID for a good key, as a token or as key id + secret, with what the host needs', async () => {
    const { org, userId } = await setup();
    const key = await makeKey(server.app.orm, server.config.pepper, { organizationId: org.organizationId, userId });
    for (const input of [{ token: key.token }, { keyId: key.keyId, secret: key.secret }]) {
      const r = await verify(org.token, { ...input, permission: 'keys:read' });
      expect(r).toMatchObject({ valid: true, code: 'VALID', organizationId: org.organizationId, userId, remaining: null, rateLimit: null, withheldFields: [] });
      expect(r.permissions.map((p) => p.permission)).toEqual(['events:read', 'keys:read']);
    }
  });

  it('answers every refusal with its code, in the contract order', async () => {
    const { org, userId } = await setup();
    const { orm } = server.app;
    const pepper = server.config.pepper;
    const base = { organizationId: org.organizationId, userId };
    const expectCode = async (input: VerifyInput, code: string) => {
      const r = await verify(org.token, input);
      expect(r.code, JSON.stringify(input).slice(0, 60)).toBe(code);
      expect(r.valid).toBe(code === 'VALID');
      return r;
    };

    await expectCode({ token: 'kp_sk_nonsense' }, 'MALFORMED');
    const good = await makeKey(orm, pepper, base);
    await expectCode({ keyId: good.keyId, secret: good.secret.slice(0, -1) + (good.secret.endsWith('a') ? 'b' : 'a') }, 'MALFORMED');
    await expectCode({ token: good.token.replace(good.keyId, 'AAAAAAAAAAAAAAAA') }, 'MALFORMED'); // checksum binds the key id
    // A well-formed credential for a key id nobody issued.
    const other = await makeKey(orm, pepper, base);
    const ghost = await makeKey(orm, pepper, base);
    await orm.em.fork().nativeUpdate(ApiKey, { id: ghost.id }, { deletedAt: new Date() });
    await server.app.deps.invalidate({ scope: 'key', keyId: ghost.keyId });
    await expectCode({ token: ghost.token }, 'NOT_FOUND');
    // Wrong kind prefix for an existing key: NOT_FOUND, never a hint.
    await expectCode({ token: other.token.replace('kp_sk_', 'kp_pk_') }, 'NOT_FOUND');

    const revoked = await makeKey(orm, pepper, base);
    await orm.em.fork().nativeUpdate(ApiKey, { id: revoked.id }, { status: 'REVOKED', revokedAt: new Date() });
    await expectCode({ token: revoked.token }, 'REVOKED');
    const expired = await makeKey(orm, pepper, { ...base, validUntil: new Date(Date.now() - 1000) });
    await expectCode({ token: expired.token }, 'EXPIRED');
    const statusExpired = await makeKey(orm, pepper, base);
    await orm.em.fork().nativeUpdate(ApiKey, { id: statusExpired.id }, { status: 'EXPIRED' });
    await expectCode({ token: statusExpired.token }, 'EXPIRED');
    const future = await makeKey(orm, pepper, { ...base, validFrom: new Date(Date.now() + 3600_000) });
    await expectCode({ token: future.token }, 'NOT_YET_VALID');

    const fenced = await makeKey(orm, pepper, { ...base, allowedIps: ['10.1.0.0/16', '2001:db8::/32', '192.0.2.7'] });
    await expectCode({ token: fenced.token }, 'IP_NOT_ALLOWED');
    await expectCode({ token: fenced.token, ip: '10.2.0.1' }, 'IP_NOT_ALLOWED');
    await expectCode({ token: fenced.token, ip: 'not-an-ip' }, 'IP_NOT_ALLOWED');
    await expectCode({ token: fenced.token, ip: '10.1.200.3' }, 'VALID');
    await expectCode({ token: fenced.token, ip: '::ffff:192.0.2.7' }, 'VALID');
    await expectCode({ token: fenced.token, ip: '2001:db8:1::5' }, 'VALID');

    const disabledUser = await makeUser(orm, org.organizationId, ['keys:read']);
    const ofDisabled = await makeKey(orm, pepper, { organizationId: org.organizationId, userId: disabledUser.userId });
    await orm.em.fork().nativeUpdate(User, { id: disabledUser.userId }, { status: 'DISABLED' });
    await server.app.deps.invalidate({ scope: 'user', userId: disabledUser.userId });
    await expectCode({ token: ofDisabled.token }, 'USER_DISABLED');

    await expectCode({ token: good.token, permission: 'keys:write' }, 'INSUFFICIENT_PERMISSIONS');
    await expectCode({ token: good.token, permission: 'keys:read' }, 'VALID');
    // Order: a revoked key from a wrong address is REVOKED (status is checked before the IP).
    const revokedFenced = await makeKey(orm, pepper, { ...base, allowedIps: ['10.0.0.1'] });
    await orm.em.fork().nativeUpdate(ApiKey, { id: revokedFenced.id }, { status: 'REVOKED' });
    await expectCode({ token: revokedFenced.token, ip: '10.9.9.9' }, 'REVOKED');
  });

  it('enforces a rate limit and says when its window resets', async () => {
    const { org, userId } = await setup();
    const key = await makeKey(server.app.orm, server.config.pepper, { organizationId: org.organizationId, userId, rateLimit: { limit: 3, windowSeconds: 60 } });
    const before = Date.now();
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await verify(org.token, { token: key.token }));
    expect(answers.map((a) => a.code)).toEqual(['VALID', 'VALID', 'VALID', 'RATE_LIMITED']);
    expect(answers.map((a) => a.rateLimit?.remaining)).toEqual([2, 1, 0, 0]);
    const resetAt = new Date(answers[3]!.rateLimit!.resetAt).getTime();
    expect(resetAt).toBeGreaterThan(before + 55_000);
    expect(resetAt).toBeLessThanOrEqual(Date.now() + 60_000);
    expect(new Date(answers[0]!.rateLimit!.resetAt).getTime()).toBe(resetAt);
    // A refusal before the limiter (here: a missing permission) does not use the window.
    const one = await makeKey(server.app.orm, server.config.pepper, { organizationId: org.organizationId, userId, rateLimit: { limit: 1, windowSeconds: 60 } });
    expect((await verify(org.token, { token: one.token, permission: 'keys:write' })).code).toBe('INSUFFICIENT_PERMISSIONS');
    expect((await verify(org.token, { token: one.token, permission: 'keys:read' })).code).toBe('VALID');
    expect((await verify(org.token, { token: one.token, permission: 'keys:read' })).code).toBe('RATE_LIMITED');
  });

  it('counts credits down atomically and answers USAGE_EXCEEDED at zero', async () => {
    const { org, userId } = await setup();
    const key = await makeKey(server.app.orm, server.config.pepper, { organizationId: org.organizationId, userId, credits: 5 });
    const answers = await Promise.all(Array.from({ length: 8 }, () => verify(org.token, { token: key.token })));
    expect(answers.filter((a) => a.code === 'VALID')).toHaveLength(5);
    expect(answers.filter((a) => a.code === 'USAGE_EXCEEDED')).toHaveLength(3);
    expect(
      answers
        .filter((a) => a.valid)
        .map((a) => a.remaining)
        .sort(),
    ).toEqual([0, 1, 2, 3, 4]);
    expect(answers.filter((a) => !a.valid).every((a) => a.remaining === 0)).toBe(true);
  });

  it('checks the rate limit before credits: a rate-limited call spends no credit', async () => {
    const { org, userId } = await setup();
    const key = await makeKey(server.app.orm, server.config.pepper, {
      organizationId: org.organizationId,
      userId,
      credits: 10,
      rateLimit: { limit: 2, windowSeconds: 60 },
    });
    const codes = [];
    for (let i = 0; i < 4; i++) codes.push(await verify(org.token, { token: key.token }));
    expect(codes.map((c) => c.code)).toEqual(['VALID', 'VALID', 'RATE_LIMITED', 'RATE_LIMITED']);
    expect(codes.map((c) => c.remaining)).toEqual([9, 8, 8, 8]);
  });

  it('checks resource instances and reports the fields a publishable key must withhold', async () => {
    const org = await seedOrg(server);
    await defineResource(server, org, { name: 'attendees', publicActions: ['read'], sensitiveFields: ['email', 'phone'] });
    await defineResource(server, org, { name: 'sessions', actions: ['read', 'write'], publicActions: ['read'] });
    const { orm } = server.app;
    const { userId } = await makeUser(orm, org.organizationId, ['attendees:read', 'attendees:write', 'sessions:read'], { sessions: ['12', '31'] });
    const secret = await makeKey(orm, server.config.pepper, { organizationId: org.organizationId, userId });
    expect((await verify(org.token, { token: secret.token, permission: 'sessions:read', resource: '12' })).code).toBe('VALID');
    expect((await verify(org.token, { token: secret.token, permission: 'sessions:read', resource: '13' })).code).toBe('INSUFFICIENT_PERMISSIONS');
    expect((await verify(org.token, { token: secret.token, permission: 'sessions:read' })).code).toBe('INSUFFICIENT_PERMISSIONS');
    // A permission the catalogue does not know is the host's typo, not a denial (issue 18, item 2).
    expect((await verify(org.token, { token: secret.token, permission: 'atendees:read' })).code).toBe('UNKNOWN_PERMISSION');
    expect((await verify(org.token, { token: secret.token, permission: 'attendees:delete' })).code).toBe('UNKNOWN_PERMISSION');
    expect((await verify(org.token, { token: secret.token, permission: 'keys:frobnicate' })).code).toBe('UNKNOWN_PERMISSION');
    // Known but not held stays INSUFFICIENT_PERMISSIONS.
    expect((await verify(org.token, { token: secret.token, permission: 'sessions:write' })).code).toBe('INSUFFICIENT_PERMISSIONS');
    const s = await verify(org.token, { token: secret.token, permission: 'attendees:read' });
    expect(s).toMatchObject({ code: 'VALID', withheldFields: [] });

    const pk = await makeKey(orm, server.config.pepper, { organizationId: org.organizationId, userId, kind: 'PUBLISHABLE' });
    const p = await verify(org.token, { token: pk.token, permission: 'attendees:read' });
    expect(p).toMatchObject({ valid: true, code: 'VALID', withheldFields: ['email', 'phone'] });
    // Publishable keys hold public actions only.
    expect((await verify(org.token, { token: pk.token, permission: 'attendees:write' })).code).toBe('INSUFFICIENT_PERMISSIONS');
    expect((await verify(org.token, { token: pk.token, permission: 'sessions:read', resource: '31' })).withheldFields).toEqual([]);
  });

  it('lets the host key verify keys of its sub-accounts (no sub-account grant needed)', async () => {
    const org = await seedOrg(server);
    const sub = await makeSubAccount(server.app.orm, org.organizationId);
    const deeper = await makeSubAccount(server.app.orm, sub.id);
    const { userId } = await makeUser(server.app.orm, deeper.id, ['keys:read']);
    const key = await makeKey(server.app.orm, server.config.pepper, { organizationId: deeper.id, userId });
    expect(await verify(org.token, { token: key.token })).toMatchObject({ valid: true, organizationId: deeper.id, userId });
  });
});

describe('the JSON answer of POST /v1/keys/verify', () => {
  it('has the VerifyKeyResult fields, with what verification knows of the key and never its secret', async () => {
    const { org, userId } = await setup();
    const key = await makeKey(server.app.orm, server.config.pepper, {
      organizationId: org.organizationId,
      userId,
      name: 'checkout',
      rateLimit: { limit: 100, windowSeconds: 10 },
      credits: 50,
    });
    const res = await verifyHttp(server, org.token, { token: key.token, permission: 'keys:read' });
    expect(res.status).toBe(200);
    expect(Object.keys(res.body).sort()).toEqual([
      'apiKey',
      'code',
      'organizationId',
      'permissions',
      'poolRemaining',
      'rateLimit',
      'remaining',
      'userId',
      'valid',
      'withheldFields',
    ]);
    expect(res.body.apiKey).toEqual({ id: key.id, keyId: key.keyId, name: 'checkout', kind: 'SECRET', status: 'ACTIVE' });
    expect(res.body.remaining).toBe(49);
    expect(res.body.rateLimit).toMatchObject({ limit: 100, remaining: 99 });
    expect(res.text).not.toContain(key.secret);
    const failed = await verifyHttp(server, org.token, { token: 'kp_sk_bad' });
    expect(failed.body).toMatchObject({ valid: false, code: 'MALFORMED', apiKey: null, organizationId: null, permissions: [] });
  });

  it('GraphQL can select the full ApiKey of the verified key', async () => {
    const { org, userId } = await setup();
    const key = await makeKey(server.app.orm, server.config.pepper, { organizationId: org.organizationId, userId, name: 'billing', metadata: { plan: 'pro' } });
    const res = await gql(server, org.token, 'mutation($t: String!) { verifyKey(input: { token: $t }) { valid apiKey { id name metadata } } }', {
      t: key.token,
    });
    expect(res.data).toEqual({ verifyKey: { valid: true, apiKey: { id: key.id, name: 'billing', metadata: { plan: 'pro' } } } });
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testRedisPrefix } from '../context.ts';
import { gql, seedOrg, startTestServer, type TestServer } from '../harness.ts';
import { makeKey, makeUser, verifyHttp } from './fixtures.ts';

/**
 * Issue 18, item 7: refusals keep what they know. A key with a rate limit and credits refused
 * for another reason still says what it has left; a secret retired by rotation answers ROTATED
 * (the key is known), not NOT_FOUND like a stranger's.
 */
let server: TestServer;
let org: Awaited<ReturnType<typeof seedOrg>>;
beforeAll(async () => {
  server = await startTestServer({ config: { KEYPLANE_REDIS_PREFIX: `${testRedisPrefix()}:refusal` } });
  org = await seedOrg(server);
});
afterAll(() => server.close());

async function limitedKey() {
  const { userId } = await makeUser(server.app.orm, org.organizationId, ['keys:read']);
  return makeKey(server.app.orm, server.config.pepper, {
    organizationId: org.organizationId,
    userId,
    rateLimit: { limit: 5, windowSeconds: 60 },
    credits: 10,
    allowedIps: ['10.0.0.0/8'],
  });
}

describe('refusals of a key with limits', () => {
  it('say what it has left, before and after its first use, without spending any of it', async () => {
    const k = await limitedKey();
    const fresh = await verifyHttp(server, org.token, { token: k.token, ip: '192.0.2.1' });
    expect(fresh.body).toMatchObject({ valid: false, code: 'IP_NOT_ALLOWED', remaining: 10, rateLimit: { limit: 5, remaining: 5 } });
    for (let i = 0; i < 2; i++) expect((await verifyHttp(server, org.token, { token: k.token, ip: '10.1.2.3' })).body.code).toBe('VALID');
    const denied = await verifyHttp(server, org.token, { token: k.token, ip: '10.1.2.3', permission: 'keys:write' });
    expect(denied.body).toMatchObject({ code: 'INSUFFICIENT_PERMISSIONS', remaining: 8, rateLimit: { limit: 5, remaining: 3 } });
    expect(Date.parse(String(denied.body.rateLimit?.resetAt))).toBeGreaterThan(Date.now());
    const wrongPlace = await verifyHttp(server, org.token, { token: k.token, ip: '192.0.2.1' });
    expect(wrongPlace.body).toMatchObject({ code: 'IP_NOT_ALLOWED', remaining: 8, rateLimit: { remaining: 3 } });
    // Nothing was spent by the refusals.
    expect((await verifyHttp(server, org.token, { token: k.token, ip: '10.1.2.3' })).body).toMatchObject({
      code: 'VALID',
      remaining: 7,
      rateLimit: { remaining: 2 },
    });
  });

  it('a revoked key says so with its figures; an unknown key says nothing', async () => {
    const k = await limitedKey();
    await gql(server, org.token, 'mutation($id: ID!) { revokeApiKey(input: { id: $id }) { __typename } }', { id: k.id });
    expect((await verifyHttp(server, org.token, { token: k.token, ip: '10.0.0.1' })).body).toMatchObject({
      code: 'REVOKED',
      remaining: 10,
      rateLimit: { limit: 5 },
    });
    const stranger = await verifyHttp(server, org.token, { token: `${k.token.slice(0, 7)}AAAAAAAAAAAAAAAA${k.token.slice(23)}` });
    expect(stranger.body).toMatchObject({ valid: false, remaining: null, rateLimit: null });
  });
});

describe('a rotated-out secret', () => {
  it('answers ROTATED once its grace is over, NOT_FOUND for a secret the key never had', async () => {
    const { userId } = await makeUser(server.app.orm, org.organizationId, ['keys:read']);
    const k = await makeKey(server.app.orm, server.config.pepper, { organizationId: org.organizationId, userId });
    const rotated = await gql(
      server,
      org.token,
      'mutation($id: ID!) { rotateApiKey(input: { id: $id, gracePeriodSeconds: 0 }) { ... on RotateApiKeySuccess { token } } }',
      {
        id: k.id,
      },
    );
    const fresh = (rotated.data as { rotateApiKey: { token: string } }).rotateApiKey.token;
    expect((await verifyHttp(server, org.token, { token: fresh })).body.code).toBe('VALID');
    const old = await verifyHttp(server, org.token, { token: k.token });
    expect(old.body).toMatchObject({ valid: false, code: 'ROTATED', apiKey: { keyId: k.keyId } });
    const { token: never } = await import('../../src/lib/token.ts').then((t) => t.mintCredential('SECRET', k.keyId));
    expect((await verifyHttp(server, org.token, { token: never })).body).toMatchObject({ valid: false, code: 'NOT_FOUND', apiKey: null });
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gql, seedOrg, startTestServer, type TestServer } from '../harness.ts';
import { mintCredential } from '../../src/lib/token.ts';
import { ApiKey } from '../../src/db/entities/api-key.entity.ts';
import { defineResource, makeKey, makeSubAccount, makeUser, VerifyKey, verifyHttp, type VerifyAnswer } from './fixtures.ts';
import { testRedisPrefix } from '../context.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ config: { KEYPLANE_REDIS_PREFIX: `${testRedisPrefix()}:vsec` } });
});
afterAll(() => server.close());

const strip = (a: VerifyAnswer) => JSON.stringify(a);

describe('who may verify', () => {
  it('refuses a caller without keys:verify (403 / FORBIDDEN), before looking at the token', async () => {
    const org = await seedOrg(server);
    const { userId } = await makeUser(server.app.orm, org.organizationId, ['keys:read', 'keys:write', 'usage:read']);
    const caller = await makeKey(server.app.orm, server.config.pepper, { organizationId: org.organizationId, userId });
    const http = await verifyHttp(server, caller.token, { token: org.token });
    expect(http.status).toBe(403);
    expect(http.body.errors?.[0]?.extensions.code).toBe('FORBIDDEN');
    const g = await gql(server, caller.token, VerifyKey, { input: { token: org.token } });
    expect(g.data).toBeNull();
    expect(g.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    // Not even input validation answers: the refusal comes first.
    expect((await verifyHttp(server, caller.token, { bogus: 1 })).status).toBe(403);
  });

  it('accepts keys:verify alone: no management permission is needed', async () => {
    const org = await seedOrg(server);
    const { userId } = await makeUser(server.app.orm, org.organizationId, ['keys:verify']);
    const host = await makeKey(server.app.orm, server.config.pepper, { organizationId: org.organizationId, userId, kind: 'INTEGRATION' });
    const r = await verifyHttp(server, host.token, { token: org.token });
    expect(r.body).toMatchObject({ valid: true, code: 'VALID' });
    // …and that key can do nothing else.
    const other = await gql(server, host.token, '{ users(first: 1) { edges { node { id } } } }');
    expect(other.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('refuses a publishable key even when the catalogue makes keys:verify-like actions public', async () => {
    const org = await seedOrg(server);
    await defineResource(server, org, { name: 'widgets', publicActions: ['read'] });
    const { userId } = await makeUser(server.app.orm, org.organizationId, ['keys:verify', 'widgets:read']);
    const pk = await makeKey(server.app.orm, server.config.pepper, { organizationId: org.organizationId, userId, kind: 'PUBLISHABLE' });
    const http = await verifyHttp(server, pk.token, { token: org.token });
    expect(http.status).toBe(403);
    const g = await gql(server, pk.token, VerifyKey, { input: { token: org.token } });
    expect(g.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});

describe('no existence oracle', () => {
  it('answers keys of other organisations, parents and siblings exactly as an unknown key id', async () => {
    const a = await seedOrg(server);
    const b = await seedOrg(server);
    const subA = await makeSubAccount(server.app.orm, a.organizationId);
    const subA2 = await makeSubAccount(server.app.orm, a.organizationId);
    const { userId: subUser } = await makeUser(server.app.orm, subA.id, ['keys:verify']);
    const subHost = await makeKey(server.app.orm, server.config.pepper, { organizationId: subA.id, userId: subUser });
    const { userId: siblingUser } = await makeUser(server.app.orm, subA2.id, ['keys:read']);
    const sibling = await makeKey(server.app.orm, server.config.pepper, { organizationId: subA2.id, userId: siblingUser });

    const unknown = (await verifyHttp(server, a.token, { token: mintCredential('SECRET').token })).body;
    expect(unknown).toMatchObject({ valid: false, code: 'NOT_FOUND' });
    // Another tenant's key, valid and with its right secret.
    expect(strip((await verifyHttp(server, a.token, { token: b.token })).body)).toBe(strip(unknown));
    // A sub-account's host key cannot verify its parent's or its sibling's keys.
    expect(strip((await verifyHttp(server, subHost.token, { token: a.token })).body)).toBe(strip(unknown));
    expect(strip((await verifyHttp(server, subHost.token, { token: sibling.token })).body)).toBe(strip(unknown));
    const g = await gql(server, a.token, VerifyKey, { input: { token: b.token } });
    expect(g.data?.verifyKey).toMatchObject({ valid: false, code: 'NOT_FOUND', organizationId: null, userId: null, permissions: [] });
  });

  it('tells nothing about a key whose secret is wrong: not its status, not its owner', async () => {
    const org = await seedOrg(server);
    const { userId } = await makeUser(server.app.orm, org.organizationId, ['keys:read']);
    const key = await makeKey(server.app.orm, server.config.pepper, { organizationId: org.organizationId, userId });
    const revoked = await makeKey(server.app.orm, server.config.pepper, { organizationId: org.organizationId, userId });
    await server.app.orm.em.fork().nativeUpdate(ApiKey, { id: revoked.id }, { status: 'REVOKED' });
    const unknown = (await verifyHttp(server, org.token, { token: mintCredential('SECRET').token })).body;
    // Another valid-checksum secret under each key id (checksums bind the key id, so mint for it).
    for (const k of [key, revoked]) {
      const wrong = mintCredential('SECRET', k.keyId);
      expect(strip((await verifyHttp(server, org.token, { keyId: k.keyId, secret: wrong.secret })).body)).toBe(strip(unknown));
      expect(strip((await verifyHttp(server, org.token, { token: wrong.token })).body)).toBe(strip(unknown));
    }
  });

  it('never echoes the verified secret or token', async () => {
    const org = await seedOrg(server);
    const { userId } = await makeUser(server.app.orm, org.organizationId, ['keys:read']);
    const key = await makeKey(server.app.orm, server.config.pepper, { organizationId: org.organizationId, userId });
    const http = await verifyHttp(server, org.token, { token: key.token });
    const g = await gql(server, org.token, 'mutation($t: String!) { verifyKey(input: { token: $t }) { valid apiKey { id keyId start name } } }', {
      t: key.token,
    });
    for (const text of [http.text, JSON.stringify(g)]) {
      expect(text).not.toContain(key.secret);
      expect(text).not.toContain(key.secret.slice(8, 30));
    }
  });
});

describe('limits are the verified key’s, and cannot be dodged', () => {
  it('charges credits once per verification whatever the transport, and a failed check spends nothing', async () => {
    const org = await seedOrg(server);
    const { userId } = await makeUser(server.app.orm, org.organizationId, ['keys:read']);
    const key = await makeKey(server.app.orm, server.config.pepper, { organizationId: org.organizationId, userId, credits: 3, allowedIps: ['10.0.0.1'] });
    expect((await verifyHttp(server, org.token, { token: key.token, ip: '10.0.0.2' })).body.code).toBe('IP_NOT_ALLOWED');
    expect((await verifyHttp(server, org.token, { token: key.token, ip: '10.0.0.1', permission: 'keys:write' })).body.code).toBe('INSUFFICIENT_PERMISSIONS');
    expect((await verifyHttp(server, org.token, { token: key.token, ip: '10.0.0.1' })).body.remaining).toBe(2);
    expect((await gql(server, org.token, VerifyKey, { input: { token: key.token, ip: '10.0.0.1' } })).data?.verifyKey.remaining).toBe(1);
    expect((await verifyHttp(server, org.token, { token: key.token, ip: '10.0.0.1' })).body.remaining).toBe(0);
    expect((await verifyHttp(server, org.token, { token: key.token, ip: '10.0.0.1' })).body.code).toBe('USAGE_EXCEEDED');
  });

  it('does not spend credits when the key calls Keyplane’s own API (request authentication skips limits)', async () => {
    const org = await seedOrg(server);
    const { userId } = await makeUser(server.app.orm, org.organizationId, ['keys:read']);
    const key = await makeKey(server.app.orm, server.config.pepper, { organizationId: org.organizationId, userId, credits: 2 });
    for (let i = 0; i < 3; i++) expect((await gql(server, key.token, '{ viewer { user { id } } }')).status).toBe(200);
    expect((await verifyHttp(server, org.token, { token: key.token })).body.remaining).toBe(1);
  });
});

describe('a caller without keys:verify', () => {
  it('is told which permission it lacks, over GraphQL as over REST (issue 18, item 7)', async () => {
    const org = await seedOrg(server);
    const { userId } = await makeUser(server.app.orm, org.organizationId, ['keys:read']);
    const caller = await makeKey(server.app.orm, server.config.pepper, { organizationId: org.organizationId, userId });
    const res = await gql(server, caller.token, 'mutation { verifyKey(input: { token: "kp_sk_x" }) { valid } }');
    expect(res.errors?.[0]).toMatchObject({ message: 'Missing permission keys:verify', extensions: { code: 'FORBIDDEN' } });
    const rest = await verifyHttp(server, caller.token, { token: 'kp_sk_x' });
    expect(rest.status).toBe(403);
    expect(JSON.stringify(rest.body)).toContain('keys:verify');
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testRedisPrefix } from '../context.ts';
import { gql, seedOrg, startTestServer, type TestServer } from '../harness.ts';
import { makeKey, makeSubAccount, makeUser, verifyHttp } from '../verify/fixtures.ts';
import { githubHeaders, githubKeyPair, postGithub } from './helpers.ts';

/**
 * Issue 21, item 3: what happens to a leaked key is the organisation's policy, inherited by
 * sub-accounts unless they set their own: REVOKE (default) or NOTIFY.
 */
const github = githubKeyPair();
let server: TestServer;
let org: Awaited<ReturnType<typeof seedOrg>>;
beforeAll(async () => {
  server = await startTestServer({ config: { KEYPLANE_GITHUB_SCANNING_KEYS: github.config, KEYPLANE_REDIS_PREFIX: `${testRedisPrefix()}:leakpol` } });
  org = await seedOrg(server);
});
afterAll(() => server.close());

const SetPolicy = 'mutation($id: ID!, $p: LeakedKeyPolicySetting) { updateOrganization(input: { id: $id, leakedKeyPolicy: $p }) { __typename } }';
const Policy = 'query($id: ID!) { organization(id: $id) { leakedKeyPolicy effectiveLeakedKeyPolicy } }';

async function leak(organizationId: string) {
  const { userId } = await makeUser(server.app.orm, organizationId, ['keys:read']);
  const k = await makeKey(server.app.orm, server.config.pepper, { organizationId, userId });
  const body = JSON.stringify([{ token: k.token, type: 't', url: `https://example.com/${k.keyId}`, source: 'content' }]);
  const res = await postGithub(server.url, body, githubHeaders(github, body));
  expect(res.body[0].label).toBe('true_positive');
  const q = await gql(server, org.token, 'query($id: ID!) { apiKey(id: $id) { status leakedAt } }', { id: k.id });
  const event = await server.app.orm.em
    .fork()
    .execute<{ data: { leak: { action: string; policy: string } } }[]>(`select data from event where type = 'api_key.leaked' and key_id = ?`, [k.id]);
  return {
    status: (q.data as { apiKey: { status: string; leakedAt: string | null } }).apiKey.status,
    leakedAt: (q.data as { apiKey: { leakedAt: string | null } }).apiKey.leakedAt,
    leak: event[0]!.data.leak,
    verifies: (await verifyHttp(server, org.token, { token: k.token })).body.code,
  };
}

describe('the leaked-key policy', () => {
  it('defaults to REVOKE; NOTIFY leaves the key working; sub-accounts inherit unless they override; INHERIT resets', async () => {
    const sub = await makeSubAccount(server.app.orm, org.organizationId, 'Client');
    expect((await gql(server, org.token, Policy, { id: org.organizationId })).data).toEqual({
      organization: { leakedKeyPolicy: null, effectiveLeakedKeyPolicy: 'REVOKE' },
    });
    expect(await leak(sub.id)).toMatchObject({ status: 'REVOKED', verifies: 'REVOKED', leak: { action: 'REVOKED', policy: 'REVOKE' } });

    // The agency says NOTIFY: its sub-account, without a setting of its own, inherits it.
    expect((await gql(server, org.token, SetPolicy, { id: org.organizationId, p: 'NOTIFY' })).data).toEqual({
      updateOrganization: { __typename: 'UpdateOrganizationSuccess' },
    });
    expect((await gql(server, org.token, Policy, { id: sub.id })).data).toEqual({
      organization: { leakedKeyPolicy: null, effectiveLeakedKeyPolicy: 'NOTIFY' },
    });
    const notified = await leak(sub.id);
    expect(notified).toMatchObject({ status: 'ACTIVE', verifies: 'VALID', leak: { action: 'NOTIFIED', policy: 'NOTIFY' } });
    expect(notified.leakedAt).not.toBeNull();

    // The sub-account overrides with REVOKE; the agency itself still only notifies.
    await gql(server, org.token, SetPolicy, { id: sub.id, p: 'REVOKE' });
    expect(await leak(sub.id)).toMatchObject({ status: 'REVOKED', leak: { action: 'REVOKED' } });
    expect(await leak(org.organizationId)).toMatchObject({ status: 'ACTIVE', leak: { action: 'NOTIFIED' } });

    // INHERIT drops the override.
    await gql(server, org.token, SetPolicy, { id: sub.id, p: 'INHERIT' });
    expect((await gql(server, org.token, Policy, { id: sub.id })).data).toEqual({
      organization: { leakedKeyPolicy: null, effectiveLeakedKeyPolicy: 'NOTIFY' },
    });
  });

  it('a sub-account key cannot change its agency’s policy', async () => {
    const sub = await makeSubAccount(server.app.orm, org.organizationId, 'Other');
    const { userId } = await makeUser(server.app.orm, sub.id, ['organizations:write', 'organizations:read']);
    const subKey = await makeKey(server.app.orm, server.config.pepper, { organizationId: sub.id, userId });
    const res = await gql(server, subKey.token, SetPolicy, { id: org.organizationId, p: 'NOTIFY' });
    expect(JSON.stringify(res)).toMatch(/NOT_FOUND|NotFound/);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sweepRotationDue } from '../../src/modules/expiry/rotation-due.service.ts';
import { gql, seedOrg, startTestServer, type TestServer } from '../harness.ts';
import { makeSubAccount } from '../verify/fixtures.ts';

/** Issue 22, item 5: key policies per organisation, inherited by sub-accounts unless overridden. */
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

const SetPolicy = 'mutation($id: ID!, $p: KeyPolicyInput) { updateOrganization(input: { id: $id, keyPolicy: $p }) { __typename ... on Error { message } } }';
const Create = `mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) {
  __typename ... on CreateApiKeySuccess { apiKey { id } } ... on PolicyViolationError { code policy policyOrganizationId message } } }`;
const Update = `mutation($input: UpdateApiKeyInput!) { updateApiKey(input: $input) { __typename ... on PolicyViolationError { policy } } }`;
const Rotate = `mutation($id: ID!) { rotateApiKey(input: { id: $id }) { __typename ... on PolicyViolationError { policy } } }`;
type Made = { __typename: string; apiKey?: { id: string }; policy?: string; policyOrganizationId?: string; code?: string };

const create = async (token: string, input: Record<string, unknown>) =>
  ((await gql(server, token, Create, { input: { name: 'k', ...input } })).data as { createApiKey: Made }).createApiKey;
const inDays = (d: number) => new Date(Date.now() + d * 86_400_000).toISOString();

describe('key policies', () => {
  it('maximum lifetime: a validUntil is required and capped, on create and update', async () => {
    const org = await seedOrg(server);
    expect((await gql(server, org.token, SetPolicy, { id: org.organizationId, p: { maxLifetimeDays: 90 } })).data).toEqual({
      updateOrganization: { __typename: 'UpdateOrganizationSuccess' },
    });
    expect(await create(org.token, {})).toMatchObject({
      __typename: 'PolicyViolationError',
      code: 'POLICY_VIOLATION',
      policy: 'MAX_LIFETIME',
      policyOrganizationId: org.organizationId,
    });
    expect((await create(org.token, { validUntil: inDays(91) })).policy).toBe('MAX_LIFETIME');
    const ok = await create(org.token, { validUntil: inDays(30) });
    expect(ok.__typename).toBe('CreateApiKeySuccess');
    const longer = await gql(server, org.token, Update, { input: { id: ok.apiKey!.id, validUntil: inDays(200) } });
    expect(longer.data).toEqual({ updateApiKey: { __typename: 'PolicyViolationError', policy: 'MAX_LIFETIME' } });
  });

  it('allowed kinds and a required IP allowlist', async () => {
    const org = await seedOrg(server);
    await gql(server, org.token, SetPolicy, { id: org.organizationId, p: { allowedKinds: ['SECRET'], requireIpAllowlist: true } });
    expect((await create(org.token, { kind: 'PUBLISHABLE', allowedIps: ['10.0.0.0/8'] })).policy).toBe('ALLOWED_KINDS');
    expect((await create(org.token, {})).policy).toBe('IP_ALLOWLIST_REQUIRED');
    const ok = await create(org.token, { allowedIps: ['10.0.0.0/8'] });
    expect(ok.__typename).toBe('CreateApiKeySuccess');
    const cleared = await gql(server, org.token, Update, { input: { id: ok.apiKey!.id, allowedIps: [] } });
    expect(cleared.data).toEqual({ updateApiKey: { __typename: 'PolicyViolationError', policy: 'IP_ALLOWLIST_REQUIRED' } });
  });

  it('sub-accounts inherit unless they override; keys made before a policy are listed, and must comply to be rotated', async () => {
    const org = await seedOrg(server);
    const sub = await makeSubAccount(server.app.orm, org.organizationId, 'Client');
    const before = await create(org.token, { organizationId: sub.id });
    expect(before.__typename).toBe('CreateApiKeySuccess');
    await gql(server, org.token, SetPolicy, { id: org.organizationId, p: { requireIpAllowlist: true } });
    // Inherited: the rule and who set it.
    expect(await create(org.token, { organizationId: sub.id })).toMatchObject({ policy: 'IP_ALLOWLIST_REQUIRED', policyOrganizationId: org.organizationId });
    const effective = await gql(
      server,
      org.token,
      'query($id: ID!) { organization(id: $id) { keyPolicy { requireIpAllowlist } effectiveKeyPolicy { requireIpAllowlist } } }',
      { id: sub.id },
    );
    expect(effective.data).toEqual({ organization: { keyPolicy: null, effectiveKeyPolicy: { requireIpAllowlist: true } } });
    // The key made before the policy breaks it: listed, and refused a rotation until it complies.
    const listed = await gql(
      server,
      org.token,
      'query($o: ID!) { apiKeys(filter: { organizationId: $o, policyViolations: true }) { edges { node { id } } } }',
      { o: sub.id },
    );
    expect((listed.data as { apiKeys: { edges: { node: { id: string } }[] } }).apiKeys.edges.map((e) => e.node.id)).toEqual([before.apiKey!.id]);
    expect((await gql(server, org.token, Rotate, { id: before.apiKey!.id })).data).toEqual({
      rotateApiKey: { __typename: 'PolicyViolationError', policy: 'IP_ALLOWLIST_REQUIRED' },
    });
    // The sub-account overrides: keys without an allowlist are fine there again.
    await gql(server, org.token, SetPolicy, { id: sub.id, p: { requireIpAllowlist: false } });
    expect((await create(org.token, { organizationId: sub.id })).__typename).toBe('CreateApiKeySuccess');
    expect((await gql(server, org.token, Rotate, { id: before.apiKey!.id })).data).toEqual({ rotateApiKey: { __typename: 'RotateApiKeySuccess' } });
    // Still required in the agency itself.
    expect((await create(org.token, {})).policy).toBe('IP_ALLOWLIST_REQUIRED');
  });

  it('rotation due: one event and notification per key and period, with two sweeps at once and a late one', async () => {
    const org = await seedOrg(server);
    const made = await create(org.token, {});
    await gql(server, org.token, SetPolicy, { id: org.organizationId, p: { rotationDays: 30 } });
    const at = (d: number) => new Date(Date.now() + d * 86_400_000);
    expect(await sweepRotationDue(server.app.orm, at(10))).toBe(0);
    const [a, b] = await Promise.all([sweepRotationDue(server.app.orm, at(31)), sweepRotationDue(server.app.orm, at(31))]);
    await sweepRotationDue(server.app.orm, at(45)); // late: nothing new in the same period
    const events = async () =>
      server.app.orm.em
        .fork()
        .execute<{ key_id: string }[]>(`select key_id from event where organization_id = ? and type = 'api_key.rotation_due'`, [org.organizationId]);
    const keysOfOrg = (await events()).map((e) => e.key_id);
    // The sweep covers every organisation with a rotation policy in this database: at least ours.
    expect(a + b).toBeGreaterThanOrEqual(keysOfOrg.length);
    // Each active key of this organisation (the bootstrap key and this one) exactly once.
    expect(keysOfOrg.length).toBe(2);
    expect(new Set(keysOfOrg).size).toBe(2);
    expect(keysOfOrg.filter((k) => k === made.apiKey!.id)).toHaveLength(1);
    const notes = await server.app.orm.em.fork().execute(`select 1 from notification where key_id = ? and type = 'api_key.rotation_due'`, [made.apiKey!.id]);
    expect(notes).toHaveLength(1);
    // Rotating (now) starts a new period: not due 10 days later, due 31 days later, once.
    await gql(server, org.token, Rotate, { id: made.apiKey!.id });
    await sweepRotationDue(server.app.orm, at(10));
    expect((await events()).filter((e) => e.key_id === made.apiKey!.id)).toHaveLength(1);
    await sweepRotationDue(server.app.orm, at(31));
    await sweepRotationDue(server.app.orm, at(40));
    expect((await events()).filter((e) => e.key_id === made.apiKey!.id)).toHaveLength(2);
  });

  it('refuses bad policy values with a typed error and changes nothing', async () => {
    const org = await seedOrg(server);
    for (const p of [{ maxLifetimeDays: -1 }, { maxLifetimeDays: 5000 }, { allowedKinds: [] }, { rotationDays: 99999 }]) {
      const res = await gql(server, org.token, SetPolicy, { id: org.organizationId, p });
      expect((res.data as { updateOrganization: { __typename: string } }).updateOrganization.__typename, JSON.stringify(p)).toBe('ValidationError');
    }
    const own = await gql(server, org.token, 'query($id: ID!) { organization(id: $id) { keyPolicy { maxLifetimeDays } } }', { id: org.organizationId });
    expect(own.data).toEqual({ organization: { keyPolicy: null } });
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { userWithKey } from '../fixtures.ts';
import { gql, seedOrg, startTestServer, type TestServer } from '../harness.ts';

/**
 * Issue 18, item 6: a key may be named by ApiKey.id (key_…) or by the key id inside its token,
 * wherever a key is named. The second name reaches no further than the first: another
 * organisation's key id is not found, and a permission limited to chosen keys holds by either name.
 */
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

const ApiKeyQ = 'query($id: ID!) { apiKey(id: $id) { id keyId name status } }';
const Revoke =
  'mutation($id: ID!) { revokeApiKey(input: { id: $id }) { __typename ... on RevokeApiKeySuccess { apiKey { id status } } ... on Error { code } } }';

describe('naming a key by its key id', () => {
  it('apiKey and revokeApiKey accept the key id inside the token, and answer with ApiKey.id', async () => {
    const org = await seedOrg(server);
    const holder = await userWithKey(server, org.token, org.organizationId, ['keys:read']);
    const byKeyId = await gql(server, org.token, ApiKeyQ, { id: holder.keyId });
    expect(byKeyId.data).toMatchObject({ apiKey: { id: holder.apiKeyId, keyId: holder.keyId } });
    const revoked = await gql(server, org.token, Revoke, { id: holder.keyId });
    expect(revoked.data).toMatchObject({ revokeApiKey: { __typename: 'RevokeApiKeySuccess', apiKey: { id: holder.apiKeyId, status: 'REVOKED' } } });
    const events = await gql<{ events: { edges: { node: { type: string; apiKeyId: string | null } }[] } }, Record<string, never>>(
      server,
      org.token,
      `{ events(first: 50, order: NEWEST_FIRST, filter: { types: ["api_key.revoked"] }) { edges { node { type apiKeyId } } } }`,
    );
    expect(events.data?.events.edges[0]?.node).toEqual({ type: 'api_key.revoked', apiKeyId: holder.apiKeyId });
  });

  it('another organisation’s key id is not found, and changes nothing', async () => {
    const org = await seedOrg(server);
    const other = await seedOrg(server);
    const theirs = await userWithKey(server, other.token, other.organizationId, ['keys:read']);
    expect((await gql(server, org.token, ApiKeyQ, { id: theirs.keyId })).data).toEqual({ apiKey: null });
    expect((await gql(server, org.token, Revoke, { id: theirs.keyId })).data).toMatchObject({ revokeApiKey: { __typename: 'NotFoundError' } });
    expect((await gql(server, other.token, ApiKeyQ, { id: theirs.keyId })).data).toMatchObject({ apiKey: { status: 'ACTIVE' } });
  });

  it('a permission limited to one key reaches that key by either name, and no other', async () => {
    const org = await seedOrg(server);
    const target = await userWithKey(server, org.token, org.organizationId, ['keys:read']);
    const bystander = await userWithKey(server, org.token, org.organizationId, ['keys:read']);
    const limited = await userWithKey(server, org.token, org.organizationId, ['keys:read', 'keys:write'], {
      restrict: [
        { permission: 'keys:read', resourceIds: [target.apiKeyId] },
        { permission: 'keys:write', resourceIds: [target.apiKeyId] },
      ],
    });
    expect((await gql(server, limited.token, ApiKeyQ, { id: target.keyId })).data).toMatchObject({ apiKey: { id: target.apiKeyId } });
    expect((await gql(server, limited.token, ApiKeyQ, { id: bystander.keyId })).data).toEqual({ apiKey: null });
    expect((await gql(server, limited.token, Revoke, { id: bystander.keyId })).data).toMatchObject({
      revokeApiKey: { __typename: expect.stringMatching(/ForbiddenError|NotFoundError/) },
    });
    // By either name the same answer (here the policy's: the limited key does not hold all the target holds).
    const byKeyId = await gql(server, limited.token, Revoke, { id: target.keyId });
    const byId = await gql(server, limited.token, Revoke, { id: target.apiKeyId });
    expect(byKeyId.data).toEqual(byId.data);
    expect((await gql(server, limited.token, ApiKeyQ, { id: target.apiKeyId })).data).toMatchObject({ apiKey: { id: target.apiKeyId } });
  });
});

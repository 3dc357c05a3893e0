import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { userWithKey } from '../fixtures.ts';
import { gql, ownerSql, seedOrg, startTestServer, success, type TestServer } from '../harness.ts';
import { CreateOrganization } from '../ops.ts';
import { createEndpoint, dropRedisNamespace, webhookEnv } from './helpers.ts';
import { Recover } from './ops.ts';

/** recoverDeliveries re-sends event data: it asks what managing the endpoint asks, and no less. */
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ config: webhookEnv('wh-recover-sec') });
});
afterAll(async () => {
  await server.close();
  await dropRedisNamespace(server.config);
});

const since = () => new Date(Date.now() - 3600_000).toISOString();
async function failAll(endpointId: string) {
  await ownerSql(
    `insert into delivery (id, organization_id, endpoint_id, event_id, event_type, msg_id, status)
     select 'dlv_' || substr(md5(e.id), 1, 20), w.organization_id, w.id, e.id, e.type, e.id, 'FAILED'
     from webhook_endpoint w join event e on e.organization_id = w.organization_id where w.id = $1`,
    [endpointId],
  );
}

describe('recoverDeliveries reach', () => {
  it('is not found for another organisation, forbidden without events:read, and moves nothing', async () => {
    const org = await seedOrg(server);
    const other = await seedOrg(server);
    const { webhookEndpoint } = await createEndpoint(server, org.token, { url: 'http://127.0.0.1:9/in' });
    await failAll(webhookEndpoint.id);
    const foreign = await gql(server, other.token, Recover, { input: { endpointId: webhookEndpoint.id, since: since() } });
    expect(foreign.data?.recoverDeliveries).toMatchObject({ __typename: 'NotFoundError' });
    const writer = await userWithKey(server, org.token, org.organizationId, ['webhooks:write']);
    const noEvents = await gql(server, writer.token, Recover, { input: { endpointId: webhookEndpoint.id, since: since() } });
    expect(noEvents.data?.recoverDeliveries).toMatchObject({ __typename: 'ForbiddenError' });
    const pending = await ownerSql<{ n: number }>(`select count(*)::int as n from delivery where endpoint_id = $1 and status <> 'FAILED'`, [
      webhookEndpoint.id,
    ]);
    expect(pending[0]!.n).toBe(0);
  });

  it('refuses a key that does not reach every sub-account an endpoint receives', async () => {
    const agency = await seedOrg(server);
    success((await gql(server, agency.token, CreateOrganization, { input: { name: 'Location' } })).data?.createOrganization, 'CreateOrganizationSuccess');
    const { webhookEndpoint } = await createEndpoint(server, agency.token, { url: 'http://127.0.0.1:9/in', includeSubAccounts: true });
    await failAll(webhookEndpoint.id);
    const local = await userWithKey(server, agency.token, agency.organizationId, ['webhooks:write', 'events:read'], { subAccounts: { mode: 'NONE' } });
    const res = await gql(server, local.token, Recover, { input: { endpointId: webhookEndpoint.id, since: since() } });
    expect(res.data?.recoverDeliveries).toMatchObject({ __typename: 'ForbiddenError' });
    const moved = await ownerSql<{ n: number }>(`select count(*)::int as n from delivery where endpoint_id = $1 and status <> 'FAILED'`, [webhookEndpoint.id]);
    expect(moved[0]!.n).toBe(0);
    // The agency's owner key reaches them all.
    const owner = await gql(server, agency.token, Recover, { input: { endpointId: webhookEndpoint.id, since: since() } });
    expect(owner.data?.recoverDeliveries).toMatchObject({ __typename: 'RecoverDeliveriesSuccess' });
    expect(success(owner.data?.recoverDeliveries, 'RecoverDeliveriesSuccess').recovered).toBeGreaterThan(0);
  });
});

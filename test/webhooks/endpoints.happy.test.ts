import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gql, seedOrg, startTestServer, success, type TestServer } from '../harness.ts';
import { createEndpoint, dropRedisNamespace, webhookEnv } from './helpers.ts';
import { DeleteWebhookEndpoint, UpdateWebhookEndpoint, WebhookEndpointQ, WebhookEndpoints } from './ops.ts';

const Events = `query($filter: EventFilter) { events(filter: $filter, first: 50) { edges { node { type data } } } }`;
const Audit = `query { auditLog(first: 100) { edges { node { action targetId changes } } } }`;

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ config: webhookEnv('wh-endpoints-happy') });
});
afterAll(async () => {
  await server.close();
  await dropRedisNamespace(server.config);
});

describe('webhook endpoints', () => {
  it('creates, lists, updates and deletes an endpoint, recording events and audit entries without the secret', async () => {
    const org = await seedOrg(server);
    const { secret, webhookEndpoint: created } = await createEndpoint(server, org.token, {
      url: 'http://127.0.0.1:9/hook',
      eventTypes: ['api_key.*', 'user.created', 'api_key.*'],
    });
    expect(created).toMatchObject({ organizationId: org.organizationId, kind: 'WEBHOOK', enabled: true, includeSubAccounts: false, disabledReason: null });
    expect(created.eventTypes).toEqual(['api_key.*', 'user.created']);

    const zap = await createEndpoint(server, org.token, { url: 'http://127.0.0.1:9/zap', kind: 'ZAPIER' });
    expect(zap.webhookEndpoint).toMatchObject({ kind: 'ZAPIER', eventTypes: [] });

    const listed = await gql(server, org.token, WebhookEndpoints, {});
    expect(listed.data!.webhookEndpoints.edges.map((e) => e.node.id)).toEqual([created.id, zap.webhookEndpoint.id]);
    const zaps = await gql(server, org.token, WebhookEndpoints, { filter: { kind: 'ZAPIER' } });
    expect(zaps.data!.webhookEndpoints.edges.map((e) => e.node.id)).toEqual([zap.webhookEndpoint.id]);

    const updated = success(
      (await gql(server, org.token, UpdateWebhookEndpoint, { input: { id: created.id, description: 'CRM sync', eventTypes: ['*'], enabled: false } })).data
        ?.updateWebhookEndpoint,
      'UpdateWebhookEndpointSuccess',
    );
    expect(updated.secret).toBeNull();
    expect(updated.webhookEndpoint).toMatchObject({ description: 'CRM sync', eventTypes: ['*'], enabled: false, disabledReason: 'MANUAL' });
    const again = success(
      (await gql(server, org.token, UpdateWebhookEndpoint, { input: { id: created.id, enabled: true } })).data?.updateWebhookEndpoint,
      'UpdateWebhookEndpointSuccess',
    );
    expect(again.webhookEndpoint).toMatchObject({ enabled: true, disabledReason: null, disabledAt: null });

    success((await gql(server, org.token, DeleteWebhookEndpoint, { input: { id: created.id } })).data?.deleteWebhookEndpoint, 'DeleteWebhookEndpointSuccess');
    expect((await gql(server, org.token, WebhookEndpointQ, { id: created.id })).data!.webhookEndpoint).toBeNull();

    const events = (await gql(server, org.token, Events, { filter: { types: ['webhook_endpoint.*'] } })).data as any;
    expect(events.events.edges.map((e: any) => e.node.type)).toEqual([
      'webhook_endpoint.created',
      'webhook_endpoint.created',
      'webhook_endpoint.disabled',
      'webhook_endpoint.updated',
      'webhook_endpoint.deleted',
    ]);
    const audit = (await gql(server, org.token, Audit)).data as any;
    expect(audit.auditLog.edges.map((e: any) => e.node.action)).toEqual(expect.arrayContaining(['webhook_endpoint.create', 'webhook_endpoint.delete']));
    const everything = JSON.stringify([events, audit, listed]);
    expect(everything).not.toContain(secret);
    expect(everything).not.toContain(secret.slice(6));
  });

  it('rotates the secret and reports when the previous one stops signing', async () => {
    const org = await seedOrg(server);
    const { secret, webhookEndpoint } = await createEndpoint(server, org.token, { url: 'http://127.0.0.1:9/hook' });
    const res = success(
      (await gql(server, org.token, UpdateWebhookEndpoint, { input: { id: webhookEndpoint.id, rotateSecret: true } })).data?.updateWebhookEndpoint,
      'UpdateWebhookEndpointSuccess',
    );
    expect(res.secret).toMatch(/^whsec_/);
    expect(res.secret).not.toBe(secret);
    const overlap = Date.parse(res.webhookEndpoint.previousSecretExpiresAt!) - Date.parse(res.webhookEndpoint.secretRotatedAt!);
    expect(overlap).toBe(24 * 3600 * 1000);
  });
});

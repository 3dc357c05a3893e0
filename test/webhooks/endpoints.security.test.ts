import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decrypt } from '../../src/lib/crypto.ts';
import { assertEndpointUrl } from '../../src/modules/webhooks/webhook-url.ts';
import { ValidationError } from '../../src/lib/errors.ts';
import { userWithKey } from '../fixtures.ts';
import { gql, seedOrg, startTestServer, success, type TestServer } from '../harness.ts';
import { CreateOrganization, CreateUser } from '../ops.ts';
import { createEndpoint, dropRedisNamespace, startEventWorkers, startReceiver, waitFor, webhookEnv, type HookReceiver } from './helpers.ts';
import { CreateWebhookEndpoint, DeleteWebhookEndpoint, Deliveries, ReplayDelivery, UpdateWebhookEndpoint, WebhookEndpointQ, WebhookEndpoints } from './ops.ts';

// The API refuses loopback here, as in production; the workers run against a loopback-friendly twin.
let strict: TestServer;
let server: TestServer;
let workers: Awaited<ReturnType<typeof startEventWorkers>>;
const receivers: HookReceiver[] = [];

beforeAll(async () => {
  strict = await startTestServer({ config: webhookEnv('wh-security', { KEYPLANE_WEBHOOKS_ALLOW_LOOPBACK: 'false' }) });
  server = await startTestServer({ config: webhookEnv('wh-security') });
  workers = await startEventWorkers(server.config);
});
afterAll(async () => {
  await workers.close();
  await Promise.all(receivers.map((r) => r.close()));
  await Promise.all([strict.close(), server.close()]);
  await dropRedisNamespace(server.config);
});

const REFUSED: [string, string][] = [
  ['loopback IPv4', 'http://127.0.0.1:8080/hook'],
  ['loopback IPv4, short form', 'https://127.1/hook'],
  ['loopback IPv6', 'https://[::1]/hook'],
  ['localhost', 'http://localhost:3000/hook'],
  ['a name resolving to loopback', 'https://vm/hook'],
  ['private 10/8', 'https://10.0.0.1/hook'],
  ['private 172.16/12', 'https://172.16.5.4/hook'],
  ['private 192.168/16', 'https://192.168.1.1/hook'],
  ['unique-local IPv6', 'https://[fd00::1]/hook'],
  ['carrier-grade NAT', 'https://100.64.0.1/hook'],
  ['link-local IPv4', 'https://169.254.10.10/hook'],
  ['link-local IPv6', 'https://[fe80::1]/hook'],
  ['cloud metadata IPv4', 'https://169.254.169.254/latest/meta-data/'],
  ['cloud metadata IPv6', 'https://[fd00:ec2::254]/'],
  ['cloud metadata name', 'https://metadata.google.internal/computeMetadata/v1/'],
  ['multicast IPv4', 'https://224.0.0.1/hook'],
  ['multicast IPv6', 'https://[ff02::1]/hook'],
  ['unspecified IPv4', 'https://0.0.0.0/hook'],
  ['unspecified IPv6', 'https://[::]/hook'],
  ['broadcast', 'https://255.255.255.255/hook'],
  ['IPv4-mapped loopback', 'https://[::ffff:127.0.0.1]/hook'],
  ['IPv4-mapped private', 'https://[::ffff:10.0.0.1]/hook'],
  ['NAT64 of a private address', 'https://[64:ff9b::a00:1]/hook'],
  ['6to4 of loopback', 'https://[2002:7f00:1::]/hook'],
  ['plain http to a public host', 'http://example.com/hook'],
  ['a non-http scheme', 'file:///etc/passwd'],
  ['credentials in the URL', 'https://user:pw@example.com/hook'],
];

describe('SSRF guard at endpoint creation', () => {
  it.each(REFUSED)('refuses %s with a ValidationError on input.url', async (_label, url) => {
    const org = await seedOrg(strict);
    const res = await gql(strict, org.token, CreateWebhookEndpoint, { input: { url } });
    const payload = res.data!.createWebhookEndpoint;
    expect(payload.__typename).toBe('ValidationError');
    expect(payload.__typename === 'ValidationError' && payload.fields.map((f) => f.path)).toEqual(['input.url']);
    const list = await gql(strict, org.token, WebhookEndpoints, {});
    expect(list.data!.webhookEndpoints.edges).toHaveLength(0);
  });

  it('refuses a refused URL on update too, leaving the endpoint as it was', async () => {
    const org = await seedOrg(server);
    const { webhookEndpoint } = await createEndpoint(server, org.token, { url: 'http://127.0.0.1:9/ok' });
    const res = await gql(server, org.token, UpdateWebhookEndpoint, { input: { id: webhookEndpoint.id, url: 'https://169.254.169.254/' } });
    expect(res.data!.updateWebhookEndpoint).toMatchObject({ __typename: 'ValidationError', fields: [{ path: 'input.url' }] });
    expect((await gql(server, org.token, WebhookEndpointQ, { id: webhookEndpoint.id })).data!.webhookEndpoint!.url).toBe('http://127.0.0.1:9/ok');
  });

  it('never allows http or loopback in production, whatever the loopback setting says', async () => {
    for (const url of ['http://127.0.0.1:8080/hook', 'http://example.com/hook']) {
      await expect(assertEndpointUrl({ webhooksAllowLoopback: true, production: true }, url)).rejects.toBeInstanceOf(ValidationError);
    }
  });
});

describe('endpoint and delivery isolation', () => {
  it('shows organisation B nothing of A’s endpoints or deliveries, and lets it change nothing', async () => {
    const a = await seedOrg(server);
    const b = await seedOrg(server);
    const r = await startReceiver();
    receivers.push(r);
    const { webhookEndpoint } = await createEndpoint(server, a.token, { url: r.url, eventTypes: ['user.created'] });
    await gql(server, a.token, CreateUser, { input: { name: 'A only', kind: 'HUMAN' } });
    const delivery = await waitFor(async () => {
      const res = await gql(server, a.token, Deliveries, { filter: { endpointId: webhookEndpoint.id } });
      return res.data!.deliveries.edges[0]?.node.status === 'SUCCEEDED' ? res.data!.deliveries.edges[0]!.node : null;
    }, 'A’s delivery');

    expect((await gql(server, b.token, WebhookEndpointQ, { id: webhookEndpoint.id })).data!.webhookEndpoint).toBeNull();
    expect((await gql(server, b.token, WebhookEndpoints, {})).data!.webhookEndpoints.edges).toHaveLength(0);
    const listA = await gql(server, b.token, WebhookEndpoints, { filter: { organizationId: a.organizationId } });
    expect(listA.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const byEndpoint = await gql(server, b.token, Deliveries, { filter: { endpointId: webhookEndpoint.id } });
    expect(byEndpoint.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect((await gql(server, b.token, Deliveries, {})).data!.deliveries.edges).toHaveLength(0);
    expect(
      (await gql(server, b.token, UpdateWebhookEndpoint, { input: { id: webhookEndpoint.id, url: 'http://127.0.0.1:9/stolen' } })).data!.updateWebhookEndpoint
        .__typename,
    ).toBe('NotFoundError');
    expect(
      (await gql(server, b.token, UpdateWebhookEndpoint, { input: { id: webhookEndpoint.id, rotateSecret: true } })).data!.updateWebhookEndpoint.__typename,
    ).toBe('NotFoundError');
    expect((await gql(server, b.token, DeleteWebhookEndpoint, { input: { id: webhookEndpoint.id } })).data!.deleteWebhookEndpoint.__typename).toBe(
      'NotFoundError',
    );
    expect((await gql(server, b.token, ReplayDelivery, { input: { id: delivery.id } })).data!.replayDelivery.__typename).toBe('NotFoundError');
    const created = await gql(server, b.token, CreateWebhookEndpoint, { input: { url: 'http://127.0.0.1:9/x', organizationId: a.organizationId } });
    expect(created.data!.createWebhookEndpoint.__typename).toBe('NotFoundError');

    // B's own event never reaches A's endpoint.
    await gql(server, b.token, CreateUser, { input: { name: 'B only', kind: 'HUMAN' } });
    await new Promise((res) => setTimeout(res, 800));
    expect(r.hits.map((h) => JSON.parse(h.body).data.user.name)).toEqual(['A only']);
  });

  it('needs webhooks:write and events:read to create, and a whole-subtree reach to include sub-accounts', async () => {
    const org = await seedOrg(server);
    success((await gql(server, org.token, CreateOrganization, { input: { name: 'Location' } })).data?.createOrganization, 'CreateOrganizationSuccess');
    const reader = await userWithKey(server, org.token, org.organizationId, ['webhooks:read', 'events:read']);
    const blind = await userWithKey(server, org.token, org.organizationId, ['webhooks:write']);
    const local = await userWithKey(server, org.token, org.organizationId, ['webhooks:write', 'events:read'], { subAccounts: { mode: 'NONE' } });
    const publishable = await userWithKey(server, org.token, org.organizationId, ['webhooks:write', 'events:read'], { kind: 'PUBLISHABLE' });
    const input = { url: 'http://127.0.0.1:9/x' };
    for (const [who, token] of [
      ['reader', reader.token],
      ['blind', blind.token],
      ['publishable', publishable.token],
    ] as const) {
      const res = await gql(server, token, CreateWebhookEndpoint, { input });
      expect(res.data?.createWebhookEndpoint.__typename, who).toBe('ForbiddenError');
    }
    expect((await gql(server, local.token, CreateWebhookEndpoint, { input })).data!.createWebhookEndpoint.__typename).toBe('CreateWebhookEndpointSuccess');
    const tree = await gql(server, local.token, CreateWebhookEndpoint, { input: { ...input, includeSubAccounts: true } });
    expect(tree.data!.createWebhookEndpoint.__typename).toBe('ForbiddenError');
  });

  it('stores the signing secret sealed: not in the row, bound to its endpoint, tamper-evident', async () => {
    const org = await seedOrg(server);
    const { secret, webhookEndpoint } = await createEndpoint(server, org.token, { url: 'http://127.0.0.1:9/x' });
    const conn = server.app.orm.em.fork().getConnection();
    const [row] = await conn.execute<Record<string, unknown>[]>('select * from webhook_endpoint where id = ?', [webhookEndpoint.id]);
    const raw = JSON.stringify(row);
    expect(raw).not.toContain(secret);
    expect(raw).not.toContain(secret.slice(6));
    const sealed = String(row!.secret_sealed);
    expect(sealed).toMatch(/^v1\./);
    const key = server.config.encryptionKey;
    expect(decrypt(key, 'webhook-secret', sealed, webhookEndpoint.id)).toBe(secret);
    expect(() => decrypt(key, 'webhook-secret', sealed, 'whe_someOtherEndpoint00')).toThrow();
    const parts = sealed.split('.');
    parts[3] = Buffer.from(Buffer.from(parts[3]!, 'base64url').map((b, i) => (i === 0 ? b ^ 1 : b))).toString('base64url');
    expect(() => decrypt(key, 'webhook-secret', parts.join('.'), webhookEndpoint.id)).toThrow();
    expect(() => decrypt(Buffer.alloc(32, 9), 'webhook-secret', sealed, webhookEndpoint.id)).toThrow();
  });
});

import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVENT_TYPES } from '../../../src/modules/events/event.types.js';
import { handleLeakReports } from '../../../src/modules/leaks/leak.service.js';
import { sweepRotationDue } from '../../../src/modules/expiry/rotation-due.service.js';
import { EventRecord } from '../../../src/db/entities/event.entity.js';
import { toEventJson } from '../../../src/modules/events/event.service.js';
import { sweepExpiry } from '../../../src/modules/expiry/expiry-sweep.service.js';
import { makeKey } from '../../../test/expiry/helpers.js';
import { gql, seedOrg, startTestServer, success, type TestServer } from '../../../test/harness.js';
import {
  AssignRoles,
  CreateOrganization,
  CreateRole,
  CreateUser,
  DefineResource,
  DeleteRole,
  UpdateOrganization,
  UpdateRole,
  UpdateUser,
} from '../../../test/ops.js';
import { CreateWebhookEndpoint, DeleteWebhookEndpoint, UpdateWebhookEndpoint } from '../../../test/webhooks/ops.js';
import { EVENT_SAMPLES } from '../src/samples.js';
import { OwnerCreateKey, OwnerDeleteKey, OwnerRevokeKey, OwnerRotateKey, OwnerUpdateKey } from './ops.js';

const schema = JSON.parse(readFileSync(new URL('../../event.schema.json', import.meta.url), 'utf8'));
// strict: unknown keywords or a malformed schema fail here rather than passing everything.
const ajv = new Ajv2020({ strict: true, allErrors: true });
(addFormats as unknown as (a: Ajv2020) => void)(ajv);
const validate = ajv.compile(schema);
const errorsOf = (event: unknown) => (validate(event) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`));

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

describe('connectors/event.schema.json', () => {
  it('names every event type Keyplane emits, with a data definition for each', () => {
    expect([...schema.properties.type.enum].sort()).toEqual([...EVENT_TYPES].sort());
    for (const t of EVENT_TYPES) expect(schema.$defs[`data.${t}`], t).toBeDefined();
  });

  it('accepts the Zapier app’s samples', () => {
    for (const [type, sample] of Object.entries(EVENT_SAMPLES)) expect({ type, errors: errorsOf(sample) }).toEqual({ type, errors: [] });
  });

  it('refuses what is not an event: unknown type, extra envelope field, missing data, a secret inside', () => {
    const good = structuredClone(EVENT_SAMPLES['api_key.created']) as any;
    expect(errorsOf(good)).toEqual([]);
    expect(errorsOf({ ...good, type: 'api_key.exploded' })).not.toEqual([]);
    expect(errorsOf({ ...good, extra: 1 })).not.toEqual([]);
    expect(errorsOf({ ...good, data: {} })).not.toEqual([]);
    expect(errorsOf({ ...good, data: { apiKey: { ...good.data.apiKey, token: 'kp_sk_x' } } })).not.toEqual([]);
    expect(errorsOf({ ...good, occurredAt: 'yesterday' })).not.toEqual([]);
    expect(errorsOf({ ...EVENT_SAMPLES['api_key.expiring_soon'], data: { ...EVENT_SAMPLES['api_key.expiring_soon'].data, daysLeft: -1 } })).not.toEqual([]);
  });

  it('accepts every event a real Keyplane writes, in the exact form webhooks carry', async () => {
    const org = await seedOrg(server);
    const t = org.token;

    const user = success((await gql(server, t, CreateUser, { input: { name: 'Ada', email: 'ada@example.com' } })).data?.createUser, 'CreateUserSuccess').user;
    success((await gql(server, t, UpdateUser, { input: { id: user.id, name: 'Ada L.' } })).data?.updateUser, 'UpdateUserSuccess');
    success((await gql(server, t, UpdateUser, { input: { id: user.id, status: 'DISABLED' } })).data?.updateUser, 'UpdateUserSuccess');
    success((await gql(server, t, UpdateUser, { input: { id: user.id, status: 'ACTIVE' } })).data?.updateUser, 'UpdateUserSuccess');
    const role = success(
      (await gql(server, t, CreateRole, { input: { name: 'readers', permissions: ['users:read'] } })).data?.createRole,
      'CreateRoleSuccess',
    ).role;
    success((await gql(server, t, UpdateRole, { input: { id: role.id, permissions: ['users:read', 'keys:read'] } })).data?.updateRole, 'UpdateRoleSuccess');
    success((await gql(server, t, AssignRoles, { input: { userId: user.id, roles: [{ roleId: role.id }] } })).data?.assignRoles, 'AssignRolesSuccess');
    success((await gql(server, t, AssignRoles, { input: { userId: user.id, roles: [] } })).data?.assignRoles, 'AssignRolesSuccess');
    success((await gql(server, t, DeleteRole, { input: { id: role.id } })).data?.deleteRole, 'DeleteRoleSuccess');
    success((await gql(server, t, UpdateUser, { input: { id: user.id, status: 'DELETED' } })).data?.updateUser, 'UpdateUserSuccess');
    success((await gql(server, t, CreateOrganization, { input: { name: 'Sub' } })).data?.createOrganization, 'CreateOrganizationSuccess');
    success(
      (await gql(server, t, UpdateOrganization, { input: { id: org.organizationId, inactivityDays: 60 } })).data?.updateOrganization,
      'UpdateOrganizationSuccess',
    );
    success((await gql(server, t, DefineResource, { input: { name: 'invoices', actions: ['read', 'write'] } })).data?.defineResource, 'DefineResourceSuccess');

    const key = success(
      (
        await gql(server, t, OwnerCreateKey, {
          input: {
            name: 'full',
            permissions: [{ permission: 'users:read' }],
            validUntil: new Date(Date.now() + 86_400_000).toISOString(),
            allowedIps: ['10.0.0.0/8'],
            metadata: { team: 'billing' },
          },
        })
      ).data?.createApiKey,
      'CreateApiKeySuccess',
    );
    success((await gql(server, t, OwnerUpdateKey, { input: { id: key.apiKey.id, name: 'full v2' } })).data?.updateApiKey, 'UpdateApiKeySuccess');
    success((await gql(server, t, OwnerRotateKey, { input: { id: key.apiKey.id, gracePeriodSeconds: 60 } })).data?.rotateApiKey, 'RotateApiKeySuccess');
    success((await gql(server, t, OwnerRotateKey, { input: { id: key.apiKey.id } })).data?.rotateApiKey, 'RotateApiKeySuccess');
    success((await gql(server, t, OwnerRevokeKey, { input: { id: key.apiKey.id, reason: 'done' } })).data?.revokeApiKey, 'RevokeApiKeySuccess');
    const cus = await gql(
      server,
      t,
      'mutation { createCustomer(input: { externalId: "c-1", name: "Acme Corp", credits: 10 }) { ... on CreateCustomerSuccess { customer { id } } } }',
    );
    const customerId = (cus.data as { createCustomer: { customer: { id: string } } }).createCustomer.customer.id;
    await gql(server, t, 'mutation($id: ID!) { updateCustomer(input: { id: $id, name: "Acme Corporation" }) { __typename } }', { id: customerId });
    await gql(server, t, 'mutation($id: ID!) { deleteCustomer(input: { id: $id }) { __typename } }', { id: customerId });
    const leaked = success((await gql(server, t, OwnerCreateKey, { input: { name: 'leaked' } })).data?.createApiKey, 'CreateApiKeySuccess');
    await handleLeakReports(server.app.deps, 'report', [{ token: leaked.token, type: null, url: 'https://pastebin.example/x', source: null }]);
    const other = success((await gql(server, t, OwnerCreateKey, { input: { name: 'to delete' } })).data?.createApiKey, 'CreateApiKeySuccess');
    success((await gql(server, t, OwnerDeleteKey, { input: { id: other.apiKey.id } })).data?.deleteApiKey, 'DeleteApiKeySuccess');

    const now = new Date();
    await makeKey(server, org, { lastActivityAt: new Date(now.getTime() - 55 * 86_400_000) });
    await makeKey(server, org, { lastActivityAt: new Date(now.getTime() - 70 * 86_400_000) });
    await makeKey(server, org, { lastActivityAt: new Date(now.getTime() - 86_400_000), validUntil: new Date(now.getTime() - 1000) });
    await sweepExpiry({ orm: server.app.orm, invalidate: server.app.deps.invalidate }, { now, organizationId: org.organizationId });
    await gql(server, t, 'mutation($id: ID!) { updateOrganization(input: { id: $id, keyPolicy: { rotationDays: 30 } }) { __typename } }', {
      id: org.organizationId,
    });
    await sweepRotationDue(server.app.orm, new Date(now.getTime() + 31 * 86_400_000));

    const endpoint = success(
      (await gql(server, t, CreateWebhookEndpoint, { input: { url: 'http://127.0.0.1:9/hook', eventTypes: ['api_key.*'] } })).data?.createWebhookEndpoint,
      'CreateWebhookEndpointSuccess',
    );
    success(
      (await gql(server, t, UpdateWebhookEndpoint, { input: { id: endpoint.webhookEndpoint.id, rotateSecret: true } })).data?.updateWebhookEndpoint,
      'UpdateWebhookEndpointSuccess',
    );
    success(
      (await gql(server, t, UpdateWebhookEndpoint, { input: { id: endpoint.webhookEndpoint.id, enabled: false } })).data?.updateWebhookEndpoint,
      'UpdateWebhookEndpointSuccess',
    );
    success(
      (await gql(server, t, DeleteWebhookEndpoint, { input: { id: endpoint.webhookEndpoint.id } })).data?.deleteWebhookEndpoint,
      'DeleteWebhookEndpointSuccess',
    );

    // What the delivery worker signs and sends is toEventJson of the row.
    const rows = await server.app.orm.em.fork().find(EventRecord, { organizationId: org.organizationId }, { orderBy: { seq: 'asc' } });
    const events = rows.map(toEventJson);
    const seen = new Set(events.map((e) => e.type));
    for (const type of EVENT_TYPES) expect(seen.has(type), `a real ${type} event`).toBe(true);
    for (const e of events) expect({ type: e.type, errors: errorsOf(JSON.parse(JSON.stringify(e))) }).toEqual({ type: e.type, errors: [] });
    expect(events.find((e) => e.type === 'api_key.expired' && e.data.reason === 'validity_window')).toBeDefined();
  });
});

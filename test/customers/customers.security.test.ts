import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { userWithKey } from '../fixtures.ts';
import { gql, seedOrg, startTestServer, type TestServer } from '../harness.ts';
import { makeSubAccount } from '../verify/fixtures.ts';

/** Issue 22: customers CRUD, and every way to reach another organisation's customers refused. */
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

const Create = `mutation($input: CreateCustomerInput!) { createCustomer(input: $input) { __typename ... on CreateCustomerSuccess { customer { id externalId name credits } } ... on Error { code message } } }`;
const Update = `mutation($input: UpdateCustomerInput!) { updateCustomer(input: $input) { __typename ... on UpdateCustomerSuccess { customer { id name externalId } } ... on Error { code message } } }`;
const Delete = `mutation($id: ID!) { deleteCustomer(input: { id: $id }) { __typename ... on Error { code } } }`;
const ById = 'query($id: ID) { customer(id: $id) { id name } }';
const ByExternal = 'query($e: String) { customer(externalId: $e) { id name } }';
type Payload = { __typename: string; customer?: { id: string; externalId: string; name: string; credits: number | null }; code?: string; message?: string };

async function create(token: string, input: Record<string, unknown>): Promise<Payload> {
  return ((await gql(server, token, Create, { input })).data as { createCustomer: Payload }).createCustomer;
}

describe('customers', () => {
  it('are created, found by id or externalId, listed with totalCount, updated, deleted, with events and audit', async () => {
    const org = await seedOrg(server);
    const made = await create(org.token, { externalId: 'acct-42', name: 'Globex', credits: 500, metadata: { plan: 'gold' } });
    expect(made).toMatchObject({ __typename: 'CreateCustomerSuccess', customer: { externalId: 'acct-42', name: 'Globex', credits: 500 } });
    const id = made.customer!.id;
    expect((await gql(server, org.token, ById, { id })).data).toEqual({ customer: { id, name: 'Globex' } });
    expect((await gql(server, org.token, ByExternal, { e: 'acct-42' })).data).toEqual({ customer: { id, name: 'Globex' } });
    expect((await create(org.token, { externalId: 'acct-42', name: 'Again' })).__typename).toBe('ConflictError');
    const list = await gql(server, org.token, '{ customers(filter: { search: "glob" }) { totalCount edges { node { id } } } }');
    expect(list.data).toEqual({ customers: { totalCount: 1, edges: [{ node: { id } }] } });
    const updated = ((await gql(server, org.token, Update, { input: { id, name: 'Globex Corp', externalId: 'acct-43' } })).data as { updateCustomer: Payload })
      .updateCustomer;
    expect(updated).toMatchObject({ __typename: 'UpdateCustomerSuccess', customer: { name: 'Globex Corp', externalId: 'acct-43' } });
    // A key of the customer, then the customer goes: the key stays, belonging to no customer.
    const key = await gql(
      server,
      org.token,
      'mutation($c: ID!) { createApiKey(input: { name: "k", customerId: $c }) { ... on CreateApiKeySuccess { apiKey { id customerId } } } }',
      { c: id },
    );
    const keyId = (key.data as { createApiKey: { apiKey: { id: string; customerId: string } } }).createApiKey.apiKey.id;
    expect((key.data as { createApiKey: { apiKey: { customerId: string } } }).createApiKey.apiKey.customerId).toBe(id);
    expect(((await gql(server, org.token, Delete, { id })).data as { deleteCustomer: Payload }).deleteCustomer.__typename).toBe('DeleteCustomerSuccess');
    expect((await gql(server, org.token, ById, { id })).data).toEqual({ customer: null });
    expect((await gql(server, org.token, 'query($id: ID!) { apiKey(id: $id) { customerId status } }', { id: keyId })).data).toEqual({
      apiKey: { customerId: null, status: 'ACTIVE' },
    });
    const events = await server.app.orm.em
      .fork()
      .execute<{ type: string }[]>(`select type from event where organization_id = ? and type like 'customer.%' order by seq`, [org.organizationId]);
    expect(events.map((e) => e.type)).toEqual(['customer.created', 'customer.updated', 'customer.deleted']);
    const audit = await server.app.orm.em.fork().execute(`select 1 from audit_entry where target_id = ? and action like 'customer.%'`, [id]);
    expect(audit).toHaveLength(3);
  });

  it('refuses bad input with typed errors and loses nothing', async () => {
    const org = await seedOrg(server);
    for (const input of [
      { externalId: '', name: 'x' },
      { externalId: 'e'.repeat(201), name: 'x' },
      { externalId: 'ok', name: '' },
      { externalId: 'ok', name: 'x', credits: -1 },
      { externalId: 'ok', name: 'x', rateLimit: { limit: 0, windowSeconds: 60 } },
      { externalId: 'ok', name: 'x', metadata: { big: 'x'.repeat(5000) } },
    ])
      expect((await create(org.token, input)).__typename, JSON.stringify(input).slice(0, 60)).toBe('ValidationError');
    expect((await gql(server, org.token, '{ customers { totalCount } }')).data).toEqual({ customers: { totalCount: 0 } });
    const both = await gql(server, org.token, 'query { customer(id: "cus_x", externalId: "y") { id } }');
    expect(both.errors?.[0]?.extensions?.code).toBe('VALIDATION');
  });

  it('another organisation’s customer is out of reach everywhere, and cannot be given to a key', async () => {
    const a = await seedOrg(server);
    const b = await seedOrg(server);
    const theirs = (await create(b.token, { externalId: 'b-1', name: 'B’s customer', credits: 100 })).customer!.id;
    expect((await gql(server, a.token, ById, { id: theirs })).data).toEqual({ customer: null });
    expect((await gql(server, a.token, ByExternal, { e: 'b-1' })).data).toEqual({ customer: null });
    expect(((await gql(server, a.token, Update, { input: { id: theirs, name: 'mine' } })).data as { updateCustomer: Payload }).updateCustomer.__typename).toBe(
      'NotFoundError',
    );
    expect(((await gql(server, a.token, Delete, { id: theirs })).data as { deleteCustomer: Payload }).deleteCustomer.__typename).toBe('NotFoundError');
    const report = await gql(
      server,
      a.token,
      'query($c: ID!) { creditUsage(filter: { customerId: $c, from: "2026-01-01T00:00:00Z", to: "2026-02-01T00:00:00Z" }) { credits } }',
      {
        c: theirs,
      },
    );
    expect(report.data).toBeNull();
    expect(report.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const key = await gql(
      server,
      a.token,
      'mutation($c: ID!) { createApiKey(input: { name: "k", customerId: $c }) { __typename ... on ValidationError { fields { path message } } } }',
      { c: theirs },
    );
    expect(key.data).toMatchObject({ createApiKey: { __typename: 'ValidationError', fields: [{ path: 'input.customerId' }] } });
    // Not even a sub-account's customer: a key only belongs to a customer of its own organisation.
    const sub = await makeSubAccount(server.app.orm, a.organizationId, 'Sub');
    const subCustomer = (await create(a.token, { organizationId: sub.id, externalId: 's-1', name: 'Sub’s customer' })).customer!.id;
    const mixed = await gql(server, a.token, 'mutation($c: ID!) { createApiKey(input: { name: "k", customerId: $c }) { __typename } }', { c: subCustomer });
    expect(mixed.data).toEqual({ createApiKey: { __typename: 'ValidationError' } });
  });

  it('needs customers:read and customers:write; a sub-account key sees not its agency’s customers', async () => {
    const org = await seedOrg(server);
    const agencys = (await create(org.token, { externalId: 'x-1', name: 'X' })).customer!.id;
    const reader = await userWithKey(server, org.token, org.organizationId, ['keys:read']);
    const denied = await gql(server, reader.token, '{ customers { totalCount } }');
    expect(denied.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const writerless = await userWithKey(server, org.token, org.organizationId, ['customers:read']);
    expect((await create(writerless.token, { externalId: 'x-2', name: 'Y' })).__typename).toBe('ForbiddenError');
    const sub = await makeSubAccount(server.app.orm, org.organizationId, 'Client');
    const subKey = await userWithKey(server, org.token, org.organizationId, ['customers:read', 'customers:write'], { keyOrganizationId: sub.id });
    expect((await gql(server, subKey.token, ByExternal, { e: 'x-1' })).data).toEqual({ customer: null });
    expect((await gql(server, subKey.token, ById, { id: agencys })).data).toEqual({ customer: null });
    const named = await gql(server, subKey.token, 'query($o: ID) { customer(externalId: "x-1", organizationId: $o) { id } }', { o: org.organizationId });
    expect((named.data as { customer?: unknown } | null)?.customer ?? null).toBeNull();
    expect(JSON.stringify(named)).not.toContain(agencys);
  });
});

import {
  buildClientSchema,
  getIntrospectionQuery,
  getNamedType,
  isInterfaceType,
  isNonNullType,
  isObjectType,
  isUnionType,
  type GraphQLNamedType,
  type GraphQLObjectType,
  type GraphQLSchema,
  type IntrospectionQuery,
} from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../src/lib/ids.ts';
import { userWithKey } from '../fixtures.ts';
import { gql, seedOrg, startTestServer, success, type TestServer } from '../harness.ts';
import { CreateRole, DefineResource } from '../ops.ts';

/**
 * No N+1: every list the API offers, with every nested object field (found by introspection, so
 * a field added later is covered), costs the same number of SQL statements for a page of 2 rows
 * as for a page of 8 of the same organisation. A nested field that queries per row fails this.
 */

const DEPTH = 4;
let server: TestServer;
let schema: GraphQLSchema;
let org: { organizationId: string; token: string };
const statements: string[] = [];

async function populate(org: { organizationId: string; token: string }, n: number) {
  const conn = server.app.orm.em.fork().getConnection();
  await gql(server, org.token, DefineResource, { input: { name: 'attendees', publicActions: ['read'], sensitiveFields: ['email'] } });
  for (let i = 0; i < n; i++) {
    success((await gql(server, org.token, CreateRole, { input: { name: `extra ${i}`, permissions: ['keys:read'] } })).data?.createRole, 'CreateRoleSuccess');
    await userWithKey(server, org.token, org.organizationId, ['keys:read', 'users:read']);
    await gql(server, org.token, `mutation { createWebhookEndpoint(input: { url: "http://127.0.0.1:9/h${i}" }) { __typename } }`);
    await gql(server, org.token, `mutation($n: String!) { createOrganization(input: { name: $n }) { __typename } }`, { n: `sub ${i}` });
    await gql(server, org.token, `mutation($n: String!) { createCustomer(input: { externalId: $n, name: $n, credits: 10 }) { __typename } }`, {
      n: `customer ${i}`,
    });
  }
  const [endpoint] = await conn.execute<{ id: string }[]>('select id from webhook_endpoint where organization_id = ? limit 1', [org.organizationId]);
  const events = await conn.execute<{ id: string; type: string }[]>('select id, type from event where organization_id = ? order by seq desc limit ?', [
    org.organizationId,
    n,
  ]);
  for (const event of events)
    await conn.execute(`insert into delivery (id, organization_id, endpoint_id, event_id, event_type, msg_id, status) values (?, ?, ?, ?, ?, ?, 'FAILED')`, [
      newId('delivery'),
      org.organizationId,
      endpoint!.id,
      event.id,
      event.type,
      event.id,
    ]);
  const keys = await conn.execute<{ id: string }[]>('select id from api_key where organization_id = ? limit ?', [org.organizationId, n]);
  for (const key of keys)
    await conn.execute(
      `insert into notification (id, organization_id, type, key_id, title, data) values (?, ?, 'api_key.expiring_soon', ?, 'expiring', '{"daysLeft": 7}')`,
      [newId('notification'), org.organizationId, key.id],
    );
}

beforeAll(async () => {
  server = await startTestServer();
  org = await seedOrg(server);
  await populate(org, 8);
  const introspection = await gql<IntrospectionQuery, Record<string, never>>(server, org.token, getIntrospectionQuery());
  schema = buildClientSchema(introspection.data!);
  server.app.orm.config.set('onQuery', (sql: string) => {
    statements.push(sql);
    return sql;
  });
});
afterAll(() => server.close());

function selection(type: GraphQLNamedType, depth: number, first: number): string {
  if (isUnionType(type) || isInterfaceType(type)) {
    return `__typename ${schema
      .getPossibleTypes(type)
      .map((p) => `... on ${p.name} { ${fieldsOf(p, depth, first)} }`)
      .join(' ')}`;
  }
  return isObjectType(type) ? fieldsOf(type, depth, first) : '';
}

function fieldsOf(type: GraphQLObjectType, depth: number, first: number): string {
  const out = ['__typename'];
  for (const field of Object.values(type.getFields())) {
    if (field.args.some((a) => isNonNullType(a.type) && a.defaultValue === undefined)) continue;
    const named = getNamedType(field.type);
    const args = field.args.some((a) => a.name === 'first') ? `(first: ${first})` : '';
    if (isObjectType(named) || isUnionType(named) || isInterfaceType(named)) {
      if (depth > 0) out.push(`${field.name}${args} { ${selection(named, depth - 1, first)} }`);
    } else out.push(`${field.name}${args}`);
  }
  return out.join(' ');
}

/**
 * Statements one request sends. The server's own background work (the key id filter, usage
 * flushes) may add a statement while a request runs, so the fewest of three runs counts.
 */
async function countStatements(query: string): Promise<{ count: number; rows: number }> {
  let count = Number.POSITIVE_INFINITY;
  let rows = 0;
  for (let i = 0; i < 3; i++) {
    statements.length = 0;
    const res = await gql<Record<string, { edges?: unknown[] } | unknown[]>, Record<string, never>>(server, org.token, query);
    expect(res.errors ?? [], query).toEqual([]);
    count = Math.min(count, statements.length);
    const list = Object.values(res.data!)[0]!;
    rows = Array.isArray(list) ? list.length : (list.edges?.length ?? 0);
  }
  return { count, rows };
}

describe('nested fields are loaded in batches', () => {
  it('every list costs as many statements for 8 rows as for 2', async () => {
    const lists = Object.values(schema.getQueryType()!.getFields()).filter(
      (f) => f.args.some((a) => a.name === 'first') && !f.args.some((a) => isNonNullType(a.type) && a.defaultValue === undefined),
    );
    expect(lists.map((f) => f.name)).toEqual(
      expect.arrayContaining(['apiKeys', 'users', 'roles', 'events', 'auditLog', 'deliveries', 'notifications', 'webhookEndpoints']),
    );
    const growth: Record<string, { two: number; eight: number }> = {};
    for (const field of lists) {
      const type = getNamedType(field.type);
      const page = (first: number) => `{ ${field.name}(first: ${first}) { ${selection(type, DEPTH, 2)} } }`;
      // Nested pages stay small (within the cost limit); only the number of listed rows differs.
      const two = await countStatements(page(2));
      const eight = await countStatements(page(8));
      expect([two.rows, eight.rows], `${field.name}: rows listed`).toEqual([2, 8]);
      growth[field.name] = { two: two.count, eight: eight.count };
    }
    // A per-row query adds at least 6 statements here. A DataLoader batch may split in two when
    // one row resolves a tick earlier than the rest (the caller's own key needs no reach lookup),
    // which adds a statement per nested loader so split (a notification's key has three), not one per row.
    const grows = Object.entries(growth).filter(([, g]) => g.eight - g.two > 4);
    expect(grows, JSON.stringify(growth)).toEqual([]);
  });
});

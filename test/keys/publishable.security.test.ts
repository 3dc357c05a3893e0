import {
  getNamedType,
  isEnumType,
  isInputObjectType,
  isLeafType,
  isListType,
  isNonNullType,
  isScalarType,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLObjectType,
} from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { schema } from '../../src/graphql/schema.ts';
import { newId } from '../../src/lib/ids.ts';
import { BUILT_IN_RESOURCES } from '../../src/lib/permissions.ts';
import { gql, seedOrg, startTestServer, type TestServer } from '../harness.ts';
import { createKey, sql } from './helpers.ts';

/** Fields a publishable key may call: reading who it is. Everything else is management. */
const NOT_MANAGEMENT = new Set(['Query.viewer']);

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

/** A value of the type good enough to pass GraphQL validation (services may still refuse it). */
function sample(type: GraphQLInputType): unknown {
  if (isNonNullType(type)) return sample(type.ofType);
  if (isListType(type)) return [sample(type.ofType)];
  if (isEnumType(type)) return type.getValues()[0]!.value;
  if (isInputObjectType(type))
    return Object.fromEntries(
      Object.values(type.getFields())
        .filter((f) => isNonNullType(f.type))
        .map((f) => [f.name, sample(f.type)]),
    );
  if (isScalarType(type)) {
    switch (type.name) {
      case 'Int':
      case 'Float':
        return 1;
      case 'Boolean':
        return false;
      case 'DateTime':
        return '2030-01-01T00:00:00Z';
      case 'JSON':
        return {};
      default:
        return 'x';
    }
  }
  throw new Error(`no sample for ${String(type)}`);
}

/** One operation calling `field` with sample values for its required arguments. */
function operationFor(kind: 'query' | 'mutation', field: GraphQLField<unknown, unknown>) {
  const required = field.args.filter((a) => isNonNullType(a.type));
  const decl = required.map((a) => `$${a.name}: ${String(a.type)}`).join(', ');
  const args = required.map((a) => `${a.name}: $${a.name}`).join(', ');
  const selection = isLeafType(getNamedType(field.type)) ? '' : ' { __typename }';
  const query = `${kind} Probe${decl ? `(${decl})` : ''} { f: ${field.name}${args ? `(${args})` : ''}${selection} }`;
  return { query, variables: Object.fromEntries(required.map((a) => [a.name, sample(a.type)])) };
}

function allFields() {
  const out: { name: string; kind: 'query' | 'mutation'; field: GraphQLField<unknown, unknown> }[] = [];
  for (const [kind, type] of [
    ['query', schema.getQueryType()],
    ['mutation', schema.getMutationType()],
  ] as ['query' | 'mutation', GraphQLObjectType][]) {
    for (const field of Object.values(type.getFields())) out.push({ name: `${type.name}.${field.name}`, kind, field });
  }
  return out;
}

/** FORBIDDEN as a payload member (mutations) or as the field's error (queries, direct results). */
function refusal(res: { status: number; data: unknown; errors?: { extensions?: Record<string, unknown> }[] }): boolean {
  const f = (res.data as { f?: { __typename?: string } } | null)?.f;
  return f?.__typename === 'ForbiddenError' || (res.errors ?? []).some((e) => e.extensions?.code === 'FORBIDDEN');
}

describe('publishable keys', () => {
  it('are refused every management Query and Mutation field, even holding every permission', async () => {
    const org = await seedOrg(server);
    // Bypass defineResource (which refuses built-in names) to mark every built-in action public:
    // the publishable key then holds keys:write and the rest, so only its kind can refuse it.
    for (const r of BUILT_IN_RESOURCES)
      await sql(server, 'insert into resource_definition (id, organization_id, name, actions, public_actions) values (?, ?, ?, ?, ?)', [
        newId('resource'),
        org.organizationId,
        r.name,
        `{${r.actions.join(',')}}`,
        `{${r.actions.join(',')}}`,
      ]);
    const pk = await createKey(server, org.token, { kind: 'PUBLISHABLE', name: 'site' });
    const viewer = await gql(server, pk.token, '{ viewer { permissions { permission } } }');
    expect(viewer.status).toBe(200);
    const held = (viewer.data as { viewer: { permissions: { permission: string }[] } }).viewer.permissions.map((p) => p.permission);
    expect(held).toEqual(expect.arrayContaining(['keys:write', 'keys:read', 'users:write', 'roles:write', 'organizations:write', 'audit:read', 'events:read']));

    const fields = allFields();
    expect(fields.map((f) => f.name)).toEqual(
      expect.arrayContaining(['Mutation.createApiKey', 'Mutation.rotateApiKey', 'Query.apiKeys', 'Query.auditLog', 'Query.events']),
    );
    const allowed: string[] = [];
    for (const { name, kind, field } of fields) {
      const { query, variables } = operationFor(kind, field);
      const res = await gql(server, pk.token, query, variables);
      if (NOT_MANAGEMENT.has(name)) {
        expect(res.errors, name).toBeUndefined();
        continue;
      }
      if (!refusal(res)) allowed.push(`${name}: ${JSON.stringify(res).slice(0, 200)}`);
    }
    expect(allowed).toEqual([]);
    // It changed nothing: the org still has exactly its two keys.
    expect(await sql(server, 'select id from api_key where organization_id = ?', [org.organizationId])).toHaveLength(2);
  });

  it('the same operations are not refused for the kind when a secret key of the same user calls them', async () => {
    const org = await seedOrg(server);
    const refusedForSecret: string[] = [];
    for (const { name, kind, field } of allFields()) {
      const { query, variables } = operationFor(kind, field);
      const res = await gql(server, org.token, query, variables);
      // The probe itself is valid GraphQL: it reached execution.
      expect(res.errors?.filter((e) => e.extensions?.code === 'GRAPHQL_VALIDATION' || e.extensions?.code === 'BAD_USER_INPUT') ?? [], name).toEqual([]);
      if (refusal(res)) refusedForSecret.push(name);
    }
    expect(refusedForSecret).toEqual([]);
  });
});

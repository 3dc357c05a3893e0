import {
  buildClientSchema,
  getIntrospectionQuery,
  getNamedType,
  isInterfaceType,
  isListType,
  isNonNullType,
  isObjectType,
  isUnionType,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLObjectType,
  type GraphQLSchema,
  type IntrospectionQuery,
} from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../src/lib/ids.ts';
import { userWithKey } from '../fixtures.ts';
import { gql, startTestServer, success, type TestServer } from '../harness.ts';
import { CreateRole, CreateUser, DefineResource } from '../ops.ts';
import { agencyTree, run, type Tree } from './tree.ts';

/**
 * The reach promise, walked over the whole schema: an agency with a granted and an ungranted
 * sub-account and an unrelated organisation, objects of every kind in each, and keys living at
 * each level. Every id-taking root field is asked for every object, every organisation-scoped
 * list for every organisation, each with every nested object field (found by introspection, so a
 * field added later is walked too); every object that comes back must be within the asking
 * key's reach (or be the key itself, its user or its organisation).
 */

/** Object types that live in an organisation, and the prefix of their ids. */
const OWNED: Record<string, string> = {
  Organization: 'org_',
  User: 'usr_',
  ApiKey: 'key_',
  Role: 'rol_',
  WebhookEndpoint: 'whe_',
  Delivery: 'dlv_',
  Event: 'evt_',
  AuditEntry: 'aud_',
  Notification: 'ntf_',
};

const MAX_DEPTH = 3;

let server: TestServer;
let tree: Tree;
let schema: GraphQLSchema;
/** Object id → the organisation it lives in (for a delivery: also its event's). */
const owner = new Map<string, string>();
const eventOrgOfDelivery = new Map<string, string>();

beforeAll(async () => {
  server = await startTestServer();
  tree = await agencyTree(server);
  const { agency, s1, s2, other } = tree;
  const orgs = [agency.organizationId, s1.id, s2.id, other.organizationId];
  const tokenFor = (org: string) => (org === other.organizationId ? other.token : agency.token);

  // Objects of every kind in every organisation.
  for (const org of orgs) {
    const t = tokenFor(org);
    success(
      (
        await gql(server, t, CreateUser, {
          input: { name: `person of ${org}`, email: `p-${org.slice(-6).toLowerCase()}@x.test`, kind: 'HUMAN', organizationId: org },
        })
      ).data?.createUser,
      'CreateUserSuccess',
    );
    success(
      (await gql(server, t, CreateRole, { input: { name: `role of ${org}`, permissions: ['keys:read'], organizationId: org } })).data?.createRole,
      'CreateRoleSuccess',
    );
    await userWithKey(server, t, org, ['keys:read']);
    await gql(server, t, DefineResource, { input: { organizationId: org, name: 'attendees', publicActions: ['read'], sensitiveFields: ['email'] } });
    await run(
      server,
      t,
      `mutation($o: ID) { createWebhookEndpoint(input: { url: "http://127.0.0.1:9/h", organizationId: $o, includeSubAccounts: true }) { __typename } }`,
      { o: org },
    );
  }
  const conn = server.app.orm.em.fork().getConnection();
  // Deliveries of every organisation's events to the agency's endpoint (which includes sub-accounts), and notifications.
  const [agencyEndpoint] = await conn.execute<{ id: string }[]>('select id from webhook_endpoint where organization_id = ? limit 1', [agency.organizationId]);
  for (const org of [agency.organizationId, s1.id, s2.id]) {
    const [event] = await conn.execute<{ id: string; type: string }[]>('select id, type from event where organization_id = ? order by seq desc limit 1', [org]);
    await conn.execute(`insert into delivery (id, organization_id, endpoint_id, event_id, event_type, msg_id, status) values (?, ?, ?, ?, ?, ?, 'FAILED')`, [
      newId('delivery'),
      agency.organizationId,
      agencyEndpoint!.id,
      event!.id,
      event!.type,
      event!.id,
    ]);
  }
  for (const org of orgs) {
    const [key] = await conn.execute<{ id: string }[]>('select id from api_key where organization_id = ? limit 1', [org]);
    await conn.execute(
      `insert into notification (id, organization_id, type, key_id, title, data) values (?, ?, 'api_key.expiring_soon', ?, 'expiring', '{"daysLeft": 7}')`,
      [newId('notification'), org, key!.id],
    );
  }

  for (const table of ['app_user', 'role', 'api_key', 'webhook_endpoint', 'event', 'audit_entry', 'notification'])
    for (const r of await conn.execute<{ id: string; organization_id: string }[]>(
      `select id, organization_id from ${table} where organization_id = any(array[?]::text[])`,
      [orgs],
    ))
      owner.set(r.id, r.organization_id);
  for (const o of orgs) owner.set(o, o);
  for (const r of await conn.execute<{ id: string; organization_id: string; event_org: string }[]>(
    'select d.id, d.organization_id, e.organization_id as event_org from delivery d join event e on e.id = d.event_id where d.organization_id = any(array[?]::text[])',
    [orgs],
  )) {
    owner.set(r.id, r.organization_id);
    eventOrgOfDelivery.set(r.id, r.event_org);
  }

  const introspection = await run(server, agency.token, getIntrospectionQuery());
  schema = buildClientSchema(introspection.data as IntrospectionQuery);
});
afterAll(() => server.close());

/** A selection set of every field of `type` without required arguments, nested `depth` deep. */
function selection(type: GraphQLNamedType, depth: number): string {
  if (isUnionType(type) || isInterfaceType(type)) {
    const possible = schema.getPossibleTypes(type);
    return `__typename ${possible.map((p) => `... on ${p.name} { ${fieldsOf(p, depth)} }`).join(' ')}`;
  }
  if (isObjectType(type)) return fieldsOf(type, depth);
  return '';
}

function fieldsOf(type: GraphQLObjectType, depth: number): string {
  const out = ['__typename'];
  for (const field of Object.values(type.getFields())) {
    if (field.name.startsWith('__')) continue;
    const required = field.args.filter((a) => isNonNullType(a.type) && a.defaultValue === undefined);
    if (required.length) continue;
    const named = getNamedType(field.type);
    const args = field.args.some((a) => a.name === 'first') ? '(first: 3)' : '';
    if (isObjectType(named) || isUnionType(named) || isInterfaceType(named)) {
      if (depth <= 0) continue;
      out.push(`${field.name}${args} { ${selection(named, depth - 1)} }`);
    } else out.push(`${field.name}${args}`);
  }
  return out.join(' ');
}

/** Every object in a response that is organisation-owned. */
function ownedObjects(value: unknown, found: { type: string; id: string }[] = []): { type: string; id: string }[] {
  if (Array.isArray(value)) value.forEach((v) => ownedObjects(v, found));
  else if (value && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    if (typeof o.__typename === 'string' && o.__typename in OWNED && typeof o.id === 'string') found.push({ type: o.__typename, id: o.id });
    Object.values(o).forEach((v) => ownedObjects(v, found));
  }
  return found;
}

type Caller = { name: string; token: string; reach: string[]; self: string[] };

function callers(): Caller[] {
  const { agency, s1, other, granted, ungranted, s1Reader, adminKeyInS1, admin } = tree;
  return [
    { name: 'agency key granted s1', token: granted.token, reach: [agency.organizationId, s1.id], self: [granted.apiKeyId, granted.user.id] },
    { name: 'agency key with no sub-account grant', token: ungranted.token, reach: [agency.organizationId], self: [ungranted.apiKeyId, ungranted.user.id] },
    { name: 'sub-account s1 key', token: s1Reader.token, reach: [s1.id], self: [s1Reader.apiKeyId, s1Reader.user.id] },
    { name: 'key in s1 acting as the agency admin', token: adminKeyInS1.token, reach: [s1.id], self: [adminKeyInS1.apiKeyId, admin.id] },
    { name: 'unrelated organisation', token: other.token, reach: [other.organizationId], self: [other.userId] },
  ];
}

function assertWithinReach(caller: Caller, data: unknown, what: string, seen: Set<string>): void {
  for (const { type, id } of ownedObjects(data)) {
    seen.add(type);
    if (caller.self.includes(id)) continue;
    const org = owner.get(id);
    expect(org, `${what}: ${type} ${id} is a seeded object`).toBeDefined();
    expect(caller.reach, `${caller.name} got ${type} ${id} of ${org} through ${what}`).toContain(org);
    const eventOrg = eventOrgOfDelivery.get(id);
    if (type === 'Delivery') expect(caller.reach, `${caller.name} got the delivery of an event of ${eventOrg} through ${what}`).toContain(eventOrg);
  }
}

const rootFields = (): GraphQLField<unknown, unknown>[] => Object.values(schema.getQueryType()!.getFields());

describe('reach over the whole schema', () => {
  it('finds every id-taking root field and every organisation-scoped list', () => {
    const byId = rootFields().filter((f) => f.args.some((a) => a.name === 'id' && isNonNullType(a.type)));
    expect(byId.map((f) => f.name).sort()).toEqual(['apiKey', 'organization', 'role', 'user', 'webhookEndpoint']);
    for (const f of byId) expect(Object.keys(OWNED), `${f.name} returns an owned type the walk knows`).toContain(getNamedType(f.type).name);
  });

  it('id-taking root fields return nothing beyond the caller’s reach, nested fields included', async () => {
    const seen = new Set<string>();
    const byId = rootFields().filter((f) => f.args.some((a) => a.name === 'id' && isNonNullType(a.type)));
    for (const caller of callers()) {
      for (const field of byId) {
        const type = getNamedType(field.type);
        const ids = [...owner.keys()].filter((id) => id.startsWith(OWNED[type.name]!));
        const query = `query($id: ID!) { ${field.name}(id: $id) { ${selection(type, MAX_DEPTH)} } }`;
        for (const id of ids) {
          const res = await run(server, caller.token, query, { id });
          expect(res.status, `${field.name}(${id}) as ${caller.name}`).toBe(200);
          expect(res.errors?.filter((e) => e.extensions?.code !== 'FORBIDDEN') ?? [], `${field.name}(${id}) as ${caller.name}`).toEqual([]);
          assertWithinReach(caller, res.data, `${field.name}(id: ${id})`, seen);
          const visible = (res.data as Record<string, unknown> | null)?.[field.name];
          const expected =
            caller.self.includes(id) ||
            (caller.reach.includes(owner.get(id)!) && (type.name !== 'Delivery' || caller.reach.includes(eventOrgOfDelivery.get(id)!)));
          if (!expected) expect(visible, `${caller.name} must not get ${field.name}(${id})`).toBeNull();
        }
      }
    }
    // The walk reached every kind of object through some nested field.
    expect([...seen].sort()).toEqual(expect.arrayContaining(['ApiKey', 'Organization', 'Role', 'User', 'WebhookEndpoint']));
  });

  it('organisation-scoped lists and the viewer return nothing beyond the caller’s reach, nested fields included', async () => {
    const seen = new Set<string>();
    // Fields that need an argument this walk cannot make up (an id, a report's filter) are walked elsewhere.
    const lists = rootFields().filter((f) => !f.args.some((a) => isNonNullType(a.type) && a.defaultValue === undefined));
    const orgs = [tree.agency.organizationId, tree.s1.id, tree.s2.id, tree.other.organizationId];
    for (const caller of callers()) {
      for (const field of lists) {
        const type = getNamedType(field.type);
        const filterArg = field.args.find((a) => a.name === 'filter');
        const filterType = filterArg ? getNamedType(filterArg.type) : null;
        const filterTakesOrg =
          filterType && 'getFields' in filterType && 'organizationId' in (filterType as { getFields(): Record<string, unknown> }).getFields();
        const takesOrg = field.args.some((a) => a.name === 'organizationId');
        const pages = field.args.some((a) => a.name === 'first') ? 'first: 10' : '';
        const inner = isObjectType(type) || isUnionType(type) || isInterfaceType(type) ? `{ ${selection(type, MAX_DEPTH)} }` : '';
        const variants = takesOrg || filterTakesOrg ? orgs : [null];
        for (const org of variants) {
          const args = [pages, org && takesOrg ? `organizationId: "${org}"` : '', org && filterTakesOrg ? `filter: { organizationId: "${org}" }` : '']
            .filter(Boolean)
            .join(', ');
          const res = await run(server, caller.token, `{ ${field.name}${args ? `(${args})` : ''} ${inner} }`);
          expect(res.status).toBe(200);
          // Out of reach answers NOT_FOUND (or FORBIDDEN for what the key may not do): never data.
          for (const e of res.errors ?? [])
            expect(['NOT_FOUND', 'FORBIDDEN', 'VALIDATION'], `${field.name}(${org}) as ${caller.name}: ${e.message}`).toContain(e.extensions?.code);
          assertWithinReach(caller, res.data, `${field.name}(${org ?? ''})`, seen);
          // A single object out of reach: no data at all (a non-null field), or the field null.
          if (org && !caller.reach.includes(org) && !isListType(field.type))
            expect((res.data as Record<string, unknown> | null)?.[field.name] ?? null, `${caller.name} listing ${field.name} of ${org}`).toBeNull();
        }
      }
    }
    expect([...seen].sort()).toEqual(Object.keys(OWNED).sort());
  });
});

import { createServer } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/infra/logger.ts';
import { newId } from '../../src/lib/ids.ts';
import { userWithKey } from '../fixtures.ts';
import { gql, seedOrg, startTestServer, success, type TestServer } from '../harness.ts';
import { DefineResource, UpdateUser } from '../ops.ts';
import { sseSubscribe, wsSubscribe, type Sub } from '../events/helpers.ts';
import { waitFor } from '../webhooks/helpers.ts';
import { agencyTree, keyFor, run, type Tree } from './tree.ts';

/**
 * One test per finding of the trust review (issue 15), named after it. Each reproduces the attack
 * that worked before reach was decided in one place (src/modules/auth/reach.ts, policy.ts).
 */

let server: TestServer;
let tree: Tree;
const subs: Sub[] = [];

beforeAll(async () => {
  server = await startTestServer();
  tree = await agencyTree(server);
});
afterAll(async () => {
  subs.forEach((s) => s.stop());
  await server.close();
});

const UPDATE_ENDPOINT = `mutation($input: UpdateWebhookEndpointInput!) { updateWebhookEndpoint(input: $input) { __typename ... on Error { code message } ... on UpdateWebhookEndpointSuccess { secret webhookEndpoint { url } } } }`;
const DELETE_ENDPOINT = `mutation($input: DeleteWebhookEndpointInput!) { deleteWebhookEndpoint(input: $input) { __typename ... on Error { code } } }`;
const CREATE_ENDPOINT = `mutation($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) { __typename ... on Error { code message } ... on CreateWebhookEndpointSuccess { webhookEndpoint { id } } } }`;
const REPLAY = `mutation($input: ReplayDeliveryInput!) { replayDelivery(input: $input) { __typename ... on Error { code } } }`;
const DELIVERIES = `query($filter: DeliveryFilter) { deliveries(filter: $filter, first: 100) { edges { node { id eventId event { id data } } } } }`;
const VERIFY = `mutation($input: VerifyKeyInput!) { verifyKey(input: $input) { valid code withheldFields apiKey { id name user { id name email } organization { id } } } }`;

async function lastEventOf(organizationId: string): Promise<{ id: string; type: string }> {
  const [row] = await server.app.orm.em
    .fork()
    .getConnection()
    .execute<{ id: string; type: string }[]>('select id, type from event where organization_id = ? order by seq desc limit 1', [organizationId]);
  return row!;
}

describe('trust review findings', () => {
  it('finding 2: webhooks get past a sub-account grant (update, rotate, delete, replay, deliveries, eventId filter)', async () => {
    const endpoint = success(
      (await run(server, tree.agency.token, CREATE_ENDPOINT, { input: { url: 'http://127.0.0.1:9/all-locations', includeSubAccounts: true } })).data
        ?.createWebhookEndpoint,
      'CreateWebhookEndpointSuccess',
    ).webhookEndpoint;
    const hooks = await userWithKey(server, tree.agency.token, tree.agency.organizationId, ['webhooks:write', 'events:read'], {
      subAccounts: { mode: 'NONE' },
    });
    const selected = await userWithKey(server, tree.agency.token, tree.agency.organizationId, ['webhooks:write', 'events:read'], {
      subAccounts: { mode: 'SELECTED', ids: [tree.s1.id] },
    });

    // An event of the ungranted sub-account, delivered to the agency endpoint (and failed, so it can be replayed).
    await gql(
      server,
      tree.agency.token,
      `mutation { createUser(input: { name: "Secret hire", kind: HUMAN, organizationId: "${tree.s2.id}" }) { __typename } }`,
    );
    const event = await lastEventOf(tree.s2.id);
    const deliveryId = newId('delivery');
    await server.app.orm.em
      .fork()
      .getConnection()
      .execute(`insert into delivery (id, organization_id, endpoint_id, event_id, event_type, msg_id, status) values (?, ?, ?, ?, ?, ?, 'FAILED')`, [
        deliveryId,
        tree.agency.organizationId,
        endpoint.id,
        event.id,
        event.type,
        event.id,
      ]);

    for (const weak of [hooks, selected]) {
      expect(
        (await run(server, weak.token, UPDATE_ENDPOINT, { input: { id: endpoint.id, url: 'http://127.0.0.1:9/attacker' } })).data?.updateWebhookEndpoint
          .__typename,
      ).toBe('ForbiddenError');
      expect((await run(server, weak.token, UPDATE_ENDPOINT, { input: { id: endpoint.id, rotateSecret: true } })).data?.updateWebhookEndpoint.__typename).toBe(
        'ForbiddenError',
      );
      expect((await run(server, weak.token, DELETE_ENDPOINT, { input: { id: endpoint.id } })).data?.deleteWebhookEndpoint.__typename).toBe('ForbiddenError');
      expect((await run(server, weak.token, REPLAY, { input: { id: deliveryId } })).data?.replayDelivery.__typename).toBe('NotFoundError');
      const listed = await run(server, weak.token, DELIVERIES, { filter: { endpointId: endpoint.id } });
      expect(listed.errors).toBeUndefined();
      expect(listed.data.deliveries.edges.map((e: any) => e.node.id)).not.toContain(deliveryId);
      const byEvent = await run(server, weak.token, DELIVERIES, { filter: { eventId: event.id } });
      expect(byEvent.data.deliveries.edges).toEqual([]);
    }
    // The agency owner reaches every sub-account: it sees and may replay the delivery.
    const owner = await run(server, tree.agency.token, DELIVERIES, { filter: { eventId: event.id } });
    expect(owner.data.deliveries.edges.map((e: any) => e.node.id)).toEqual([deliveryId]);
    expect(owner.data.deliveries.edges[0].node.event.id).toBe(event.id);
    const after = await run(server, tree.agency.token, `query($id: ID!) { webhookEndpoint(id: $id) { url } }`, { id: endpoint.id });
    expect(after.data.webhookEndpoint.url).toBe('http://127.0.0.1:9/all-locations');
  });

  it('finding 3: nested fields leak the agency to sub-account keys (ApiKey.user, ApiKey.organization, User.organization, User.roles, verifyKey.apiKey.user)', async () => {
    const listed = await run(
      server,
      tree.s1Reader.token,
      `query($org: ID) { apiKeys(filter: { organizationId: $org }, first: 20) { edges { node { id userId user { id name email organization { id name } roles { roleId role { id name } } } organization { id name } } } } }`,
      { org: tree.s1.id },
    );
    expect(listed.errors).toBeUndefined();
    const nodes = listed.data.apiKeys.edges.map((e: any) => e.node);
    const adminKey = nodes.find((n: any) => n.id === tree.adminKeyInS1.apiKeyId);
    expect(adminKey.userId).toBe(tree.admin.id);
    expect(adminKey.user).toBeNull();
    expect(adminKey.organization).toEqual({ id: tree.s1.id, name: 'Location one' });
    const own = nodes.find((n: any) => n.id === tree.s1Reader.apiKeyId);
    expect(own.user.organization.id).toBe(tree.s1.id);
    expect(JSON.stringify(listed.data)).not.toMatch(/admin@agency\.test|Agency Admin|"owner"/);

    const direct = await run(
      server,
      tree.s1Reader.token,
      `query($id: ID!) { user(id: $id) { id } role(id: $r) { id } }`.replace('$id: ID!', '$id: ID!, $r: ID!'),
      {
        id: tree.admin.id,
        r: tree.ownerRoleId,
      },
    );
    expect(direct.data).toEqual({ user: null, role: null });

    const verified = await run(server, tree.s1Reader.token, VERIFY, { input: { token: tree.adminKeyInS1.token } });
    expect(verified.errors).toBeUndefined();
    expect(verified.data.verifyKey.valid).toBe(true);
    expect(verified.data.verifyKey.apiKey.id).toBe(tree.adminKeyInS1.apiKeyId);
    expect(verified.data.verifyKey.apiKey.user).toBeNull();

    // A user of the sub-account holding an agency role: the assignment shows, the agency's role does not.
    const s1User = await userWithKey(server, tree.agency.token, tree.s1.id, []);
    await gql(server, tree.agency.token, `mutation($u: ID!, $r: ID!) { assignRoles(input: { userId: $u, roles: [{ roleId: $r }] }) { __typename } }`, {
      u: s1User.user.id,
      r: tree.ownerRoleId,
    });
    const roles = await run(server, tree.s1Reader.token, `query($id: ID!) { user(id: $id) { roles { roleId role { name } } } }`, { id: s1User.user.id });
    expect(roles.data.user.roles).toEqual([{ roleId: tree.ownerRoleId, role: null }]);
  });

  it('finding 4: users:write acts on stronger users (re-enable, disable, change email)', async () => {
    const weak = await userWithKey(server, tree.agency.token, tree.agency.organizationId, ['users:write']);
    const strong = await userWithKey(server, tree.agency.token, tree.agency.organizationId, ['keys:read', 'users:read', 'audit:read']);
    const plain = await userWithKey(server, tree.agency.token, tree.agency.organizationId, ['users:read']);
    const update = async (token: string, input: Record<string, unknown>) => (await gql(server, token, UpdateUser, { input: input as never })).data?.updateUser;

    success(await update(tree.agency.token, { id: strong.user.id, status: 'DISABLED' }), 'UpdateUserSuccess');
    expect(await update(weak.token, { id: strong.user.id, status: 'ACTIVE' })).toMatchObject({ __typename: 'ForbiddenError' });
    expect((await gql(server, strong.token, '{ viewer { user { id } } }')).status).toBe(401);
    success(await update(tree.agency.token, { id: strong.user.id, status: 'ACTIVE' }), 'UpdateUserSuccess');
    expect(await update(weak.token, { id: strong.user.id, status: 'DISABLED' })).toMatchObject({ __typename: 'ForbiddenError' });
    expect(await update(weak.token, { id: strong.user.id, email: 'attacker@evil.test' })).toMatchObject({ __typename: 'ForbiddenError' });
    expect(await update(weak.token, { id: tree.admin.id, status: 'DISABLED' })).toMatchObject({ __typename: 'ForbiddenError' });
    // A user the caller out-holds can be changed.
    success(await update(weak.token, { id: plain.user.id, email: 'plain@agency.test' }), 'UpdateUserSuccess');
  });

  it('finding 5: client-chosen operation names are unbounded metric labels', async () => {
    const names = Array.from({ length: 150 }, (_, i) => `Attack${i}${Math.random().toString(36).slice(2, 6)}`);
    for (const name of names) await gql(server, tree.agency.token, `query ${name} { viewer { user { id } } }`);
    const text = await (await fetch(`${server.url}/metrics`)).text();
    const labels = new Set([...text.matchAll(/keyplane_graphql_operations_total\{[^}]*operation="([^"]*)"/g)].map((m) => m[1]));
    expect(names.some((n) => labels.has(n))).toBe(false);
    expect(labels.size).toBeLessThan(80);

    const guarded = await startTestServer({ config: { KEYPLANE_METRICS_TOKEN: 'metrics-token-for-tests-0123456789' } });
    try {
      expect((await fetch(`${guarded.url}/metrics`)).status).toBe(401);
      expect((await fetch(`${guarded.url}/metrics`, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
      const ok = await fetch(`${guarded.url}/metrics`, { headers: { authorization: 'Bearer metrics-token-for-tests-0123456789' } });
      expect(ok.status).toBe(200);
      expect(await ok.text()).toContain('keyplane_http_requests_total');
    } finally {
      await guarded.close();
    }
    // Or on a listener of its own, and then not on the API's port at all.
    const free = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as AddressInfo;
        probe.close(() => resolve(port));
      });
    });
    const apart = await startTestServer({ config: { KEYPLANE_METRICS_PORT: String(free), HOST: '127.0.0.1' } });
    try {
      expect((await fetch(`${apart.url}/metrics`)).status).toBe(404);
      await waitFor(async () => (await fetch(`http://127.0.0.1:${free}/metrics`).catch(() => null))?.status === 200, 'the metrics listener');
      expect(await (await fetch(`http://127.0.0.1:${free}/metrics`)).text()).toContain('keyplane_graphql_operations_total');
    } finally {
      await apart.close();
    }
  });

  it('finding 6: revoke and delete are not limited by the caller’s power', async () => {
    const keysWriter = await userWithKey(server, tree.agency.token, tree.agency.organizationId, ['keys:write']);
    const strongKey = await keyFor(server, { organizationId: tree.agency.organizationId, userId: tree.admin.id });
    const revoke = await run(server, keysWriter.token, `mutation($id: ID!) { revokeApiKey(input: { id: $id }) { __typename ... on Error { code } } }`, {
      id: strongKey.apiKeyId,
    });
    expect(revoke.data.revokeApiKey.__typename).toBe('ForbiddenError');
    const del = await run(server, keysWriter.token, `mutation($id: ID!) { deleteApiKey(input: { id: $id }) { __typename ... on Error { code } } }`, {
      id: strongKey.apiKeyId,
    });
    expect(del.data.deleteApiKey.__typename).toBe('ForbiddenError');
    expect((await gql(server, strongKey.token, '{ viewer { user { id } } }')).status).toBe(200);
    // Its own weaker keys it may still revoke.
    const weakKey = await keyFor(server, { organizationId: tree.agency.organizationId, userId: keysWriter.user.id });
    const ok = await run(server, keysWriter.token, `mutation($id: ID!) { revokeApiKey(input: { id: $id }) { __typename } }`, { id: weakKey.apiKeyId });
    expect(ok.data.revokeApiKey.__typename).toBe('RevokeApiKeySuccess');
  });

  it('finding 7: a sub-account’s redefinition of a resource wins in verification', async () => {
    const org = await seedOrg(server);
    const sub = (
      await run(server, org.token, `mutation { createOrganization(input: { name: "Venue" }) { ... on CreateOrganizationSuccess { organization { id } } } }`)
    ).data.createOrganization.organization;
    const define = async (organizationId: string, publicActions: string[], sensitiveFields: string[]) =>
      success(
        (
          await gql(server, org.token, DefineResource, {
            input: { organizationId, name: 'attendees', actions: ['read', 'write'], publicActions, sensitiveFields },
          })
        ).data?.defineResource,
        'DefineResourceSuccess',
      );
    // The sub-account's definition first, the agency's after it: the nearer one must still decide.
    await define(sub.id, ['read'], ['email', 'phone']);
    await define(org.organizationId, ['read', 'write'], ['email']);
    const host = await userWithKey(server, org.token, sub.id, ['keys:verify']);
    const pk = await userWithKey(server, org.token, sub.id, ['attendees:write'], { kind: 'PUBLISHABLE' });
    const asked = async (permission: string) => (await run(server, host.token, VERIFY, { input: { token: pk.token, permission } })).data.verifyKey;
    expect(await asked('attendees:read')).toMatchObject({ valid: true, withheldFields: ['email', 'phone'] });
    // write is public only at the agency: the sub-account's definition says it is not.
    expect(await asked('attendees:write')).toMatchObject({ valid: false, code: 'INSUFFICIENT_PERMISSIONS' });
    const catalog = await run(server, org.token, `query($o: ID) { permissionCatalog(organizationId: $o) { name publicActions sensitiveFields } }`, {
      o: sub.id,
    });
    expect(catalog.data.permissionCatalog.find((r: any) => r.name === 'attendees')).toEqual({
      name: 'attendees',
      publicActions: ['read'],
      sensitiveFields: ['email', 'phone'],
    });
  });

  it('finding 8: keys:verify limited to resource instances still verifies every key', async () => {
    const a = await userWithKey(server, tree.agency.token, tree.agency.organizationId, ['keys:read']);
    const b = await userWithKey(server, tree.agency.token, tree.agency.organizationId, ['keys:read']);
    const host = await userWithKey(server, tree.agency.token, tree.agency.organizationId, ['keys:verify'], {
      resourceLimits: [{ resource: 'keys', ids: [a.apiKeyId] }],
    });
    expect((await run(server, host.token, VERIFY, { input: { token: a.token } })).data.verifyKey).toMatchObject({ valid: true, code: 'VALID' });
    expect((await run(server, host.token, VERIFY, { input: { token: b.token } })).data.verifyKey).toMatchObject({
      valid: false,
      code: 'NOT_FOUND',
      apiKey: null,
    });
    const rest = await fetch(`${server.url}/v1/keys/verify`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${host.token}` },
      body: JSON.stringify({ token: b.token }),
    });
    expect(await rest.json()).toMatchObject({ valid: false, code: 'NOT_FOUND' });
  });

  it('finding 9: keyEvents is accepted without events:read (refused at subscribe time)', async () => {
    const org = await seedOrg(server);
    const weak = await userWithKey(server, org.token, org.organizationId, ['users:read']);
    // Nothing happens in this organisation afterwards: the refusal must come from subscribing alone.
    for (const s of [wsSubscribe(server, weak.token), sseSubscribe(server, weak.token)]) {
      subs.push(s);
      await waitFor(() => s.received.length > 0, 'the refusal at subscribe time', 3000);
      expect(s.received[0]!.errors?.[0]?.extensions?.code ?? s.received[0]!.errors?.[0]?.message).toMatch(/FORBIDDEN/);
      expect(s.received.some((r) => r.data?.keyEvents)).toBe(false);
    }
  });

  it('finding 10: the audit log’s append-only triggers cannot be disabled by the role the service runs as', async () => {
    const conn = server.app.orm.em.fork().getConnection();
    const [who] = await conn.execute<{ me: string; owner: string; superuser: boolean }[]>(
      "select current_user as me, (select tableowner from pg_tables where tablename = 'audit_entry') as owner, (select rolsuper from pg_roles where rolname = current_user) as superuser",
    );
    expect(who!.me).not.toBe(who!.owner);
    expect(who!.superuser).toBe(false);
    await expect(conn.execute('alter table audit_entry disable trigger all')).rejects.toThrow(/must be owner|permission denied/);
    await expect(conn.execute('truncate audit_entry')).rejects.toThrow(/permission denied/);
    await expect(conn.execute("update audit_entry set action = 'forged' where false")).rejects.toThrow(/permission denied|append-only/);
    await expect(conn.execute('delete from audit_entry where false')).rejects.toThrow(/permission denied|append-only/);
  });

  it('finding 11: header and body timeouts fire as configured, connections are capped, a token in the URL path is not logged', async () => {
    const lines: string[] = [];
    const sink = new PassThrough();
    sink.on('data', (chunk: Buffer) => lines.push(...chunk.toString().split('\n').filter(Boolean)));
    const s = await startTestServer({
      config: { KEYPLANE_HTTP_HEADERS_TIMEOUT_MS: '1000', KEYPLANE_HTTP_REQUEST_TIMEOUT_MS: '2000', KEYPLANE_MAX_CONNECTIONS: '6', KEYPLANE_LOG_LEVEL: 'info' },
      app: { log: createLogger('info', sink) },
    });
    const closedWithin = (socket: Socket): Promise<number> => {
      const started = performance.now();
      return new Promise((resolve) => socket.on('close', () => resolve(performance.now() - started)));
    };
    const open = (): Promise<Socket> =>
      new Promise((resolve, reject) => {
        const c = connect(s.port, '127.0.0.1', () => resolve(c));
        c.on('error', reject);
        // Flowing, so the server's end of the connection is seen.
        c.resume();
      });
    try {
      const slowHeaders = await open();
      slowHeaders.write('POST /graphql HTTP/1.1\r\nHost: x\r\n');
      const slowBody = await open();
      slowBody.write('POST /graphql HTTP/1.1\r\nHost: x\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{"query":');
      const [headersMs, bodyMs] = await Promise.all([closedWithin(slowHeaders), closedWithin(slowBody)]);
      expect(headersMs).toBeLessThan(2500);
      expect(bodyMs).toBeLessThan(3500);

      const held = await Promise.all(Array.from({ length: 6 }, open));
      const extra = await open();
      const extraClosed = await Promise.race([closedWithin(extra).then(() => true), new Promise((r) => setTimeout(() => r(false), 1500))]);
      expect(extraClosed).toBe(true);
      held.forEach((c) => c.destroy());

      const token = `kp_sk_${'A'.repeat(16)}_${'b'.repeat(50)}`;
      // Once the server has seen the held connections go, requests are served again.
      await waitFor(async () => (await fetch(`${s.url}/${token}`).catch(() => null))?.status === 404, 'a connection slot');
      await fetch(`${s.url}/v1/keys/${token}?token=${token}`);
      await new Promise((r) => setTimeout(r, 100));
      expect(lines.some((l) => l.includes('"request"'))).toBe(true);
      expect(lines.join('\n')).not.toContain('b'.repeat(50));
    } finally {
      await s.close();
    }
  });
});

describe('the agency administrator as a baseline', () => {
  it('the agency owner still reaches everything finding 3 hides from the sub-account', async () => {
    const res = await run(server, tree.agency.token, `query($id: ID!) { user(id: $id) { email organization { id } roles { role { name } } } }`, {
      id: tree.admin.id,
    });
    expect(res.data.user).toEqual({ email: 'admin@agency.test', organization: { id: tree.agency.organizationId }, roles: [{ role: { name: 'owner' } }] });
  });
});

import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { gql, success } from '../harness.ts';
import { UpdateRole, UpdateUser } from '../ops.ts';
import {
  call,
  expectRefused,
  hostScenario,
  live,
  startCountedServer,
  startHost,
  within,
  type Counted,
  type Framework,
  type Host,
  type HostScenario,
} from './helpers.ts';

let server: Counted;
beforeAll(async () => {
  server = await startCountedServer();
});
afterAll(() => server.close());

/**
 * A host answers from its cache (no call to Keyplane per request), and a change made through
 * Keyplane's API reaches it by the subscription: the cached entry is gone within 1 s, and the next
 * request is refused.
 */
describe.each(['express', 'fastify', 'hono'] as Framework[])('%s host with requireKey against a real Keyplane', (framework) => {
  let s: HostScenario;
  let host: Host;

  const warm = async () => {
    await live(s.kp);
    expect((await call(host, s.token)).status).toBe(200); // first request: one snapshot call
    const before = server.verifyCalls();
    for (let i = 0; i < 20; i++) {
      const r = await call(host, s.token, `/invoices/inv_${i}`);
      expect(r.status).toBe(200);
      expect(r.body.verification).toBe('VALID');
    }
    expect((await call(host, s.token, '/invoices', 'POST')).status).toBe(201);
    // Twenty-one requests, other permissions and resources too: not one call to Keyplane.
    expect(server.verifyCalls()).toBe(before);
    expect(s.kp.stats.cached).toBe(1);
  };

  /** After a change through the API: the entry is dropped within 1 s with no verify call meanwhile. */
  const dropped = async () => {
    const calls = server.verifyCalls();
    const ms = await within(5000, () => s.kp.stats.cached === 0, 'the host drops the key');
    expect(ms).toBeLessThan(1000);
    expect(server.verifyCalls()).toBe(calls);
  };

  // Each test its own organisation, user, role, key, SDK client and host.
  beforeEach(async () => {
    s = await hostScenario(server);
    host = await startHost(framework, s.kp);
  });
  afterEach(async () => {
    await host.close();
    await s.kp.close();
  });

  it('a key revoked through the API is refused by the host', async () => {
    await warm();
    await s.kp.revokeKey({ id: s.apiKeyId, reason: 'leaked' });
    await dropped();
    expectRefused(await call(host, s.token), 401, 'REVOKED');
    // Refused on every route, for every permission.
    expectRefused(await call(host, s.token, '/invoices', 'POST'), 401, 'REVOKED');
  });

  it('a key whose user is disabled through the API is refused by the host', async () => {
    await warm();
    success((await gql(server, s.org.token, UpdateUser, { input: { id: s.userId, status: 'DISABLED' } })).data!.updateUser, 'UpdateUserSuccess');
    await dropped();
    expectRefused(await call(host, s.token), 403, 'USER_DISABLED');
  });

  it('a key whose role is narrowed through the API is refused what the role no longer grants', async () => {
    await warm();
    success((await gql(server, s.org.token, UpdateRole, { input: { id: s.roleId, permissions: ['invoices:read'] } })).data!.updateRole, 'UpdateRoleSuccess');
    await dropped();
    const refused = await call(host, s.token, '/invoices', 'POST');
    expectRefused(refused, 403, 'INSUFFICIENT_PERMISSIONS');
    expect(refused.body.errors![0]!.extensions).toMatchObject({ permission: 'invoices:write' });
    expect((await call(host, s.token)).status).toBe(200);
  });

  it('answers 401 without a key or with a malformed one, with the one error body', async () => {
    const none = await fetch(`${host.url}/invoices/x`);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toContain('Bearer');
    expect(await none.json()).toEqual({ errors: [{ message: expect.stringContaining('Send an API key'), extensions: { code: 'UNAUTHENTICATED' } }] });
    const both = await fetch(`${host.url}/invoices/x`, { headers: { authorization: `Bearer ${s.token}`, 'x-api-key': s.token } });
    expect(both.status).toBe(401);
    expect(((await both.json()) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code).toBe('MALFORMED');
    const unknown = await call(host, 'kp_sk_nothere_abc');
    expect(unknown.status).toBe(401);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gql, seedOrg, startTestServer, success, type TestServer } from '../harness.ts';
import { createKey, whoAmI } from '../keys/helpers.ts';
import { AuditLog, CreateApiKey, RotateApiKey, UpdateApiKey } from '../keys/ops.ts';
import { CreateUser } from '../ops.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

describe('auditLog', () => {
  it('records every mutation with actor user, key id and name, target, changes, ip, user agent and request id, in order', async () => {
    const org = await seedOrg(server);
    const me = await whoAmI(server, org.token);
    const headers = { 'x-request-id': 'req-audit-1', 'user-agent': 'audit-test/1.0' };
    const created = await gql(server, org.token, CreateApiKey, { input: { name: 'audited' } }, headers);
    const key = success(created.data?.createApiKey, 'CreateApiKeySuccess');
    success((await gql(server, org.token, UpdateApiKey, { input: { id: key.apiKey.id, name: 'audited 2' } })).data?.updateApiKey, 'UpdateApiKeySuccess');
    success((await gql(server, org.token, CreateUser, { input: { name: 'Ann' } })).data?.createUser, 'CreateUserSuccess');

    const res = await gql(server, org.token, AuditLog, {});
    const nodes = res.data!.auditLog.edges.map((e) => e.node);
    expect(nodes.map((n) => n.action)).toEqual(['organization.bootstrap', 'api_key.create', 'api_key.update', 'user.create']);
    expect(nodes[1]).toMatchObject({
      organizationId: org.organizationId,
      actorUserId: org.userId,
      actorKeyId: me.apiKeyId,
      actorKeyName: 'bootstrap',
      targetType: 'ApiKey',
      targetId: key.apiKey.id,
      requestId: 'req-audit-1',
      userAgent: 'audit-test/1.0',
    });
    expect(nodes[1]!.ip).toMatch(/127\.0\.0\.1/);
    expect(nodes[2]!.changes).toEqual({ name: { old: 'audited', new: 'audited 2' } });
  });

  it('filters by action, target, acting key and time, and pages by cursor', async () => {
    const org = await seedOrg(server);
    const k1 = await createKey(server, org.token, { name: 'first' });
    const k2 = await createKey(server, k1.token, { name: 'second' });
    success((await gql(server, k1.token, RotateApiKey, { input: { id: k2.apiKey.id } })).data?.rotateApiKey, 'RotateApiKeySuccess');

    const q = async (filter: Record<string, unknown>) => (await gql(server, org.token, AuditLog, { filter })).data!.auditLog.edges.map((e) => e.node);
    expect((await q({ action: 'api_key.rotate' })).map((n) => n.targetId)).toEqual([k2.apiKey.id]);
    expect((await q({ targetId: k2.apiKey.id })).map((n) => n.action)).toEqual(['api_key.create', 'api_key.rotate']);
    expect((await q({ targetType: 'Organization' })).map((n) => n.action)).toEqual(['organization.bootstrap']);
    // Everything k1 did carries k1's id and name: the source.
    const byK1 = await q({ actorKeyId: k1.apiKey.id });
    expect(byK1.map((n) => [n.action, n.actorKeyName])).toEqual([
      ['api_key.create', 'first'],
      ['api_key.rotate', 'first'],
    ]);
    expect(await q({ since: new Date(Date.now() + 60_000).toISOString() })).toEqual([]);
    expect(await q({ until: '2000-01-01T00:00:00Z' })).toEqual([]);
    expect((await q({ since: '2000-01-01T00:00:00Z', until: new Date(Date.now() + 60_000).toISOString() })).length).toBe(4);

    const page1 = (await gql(server, org.token, AuditLog, { first: 3 })).data!.auditLog;
    expect(page1.pageInfo.hasNextPage).toBe(true);
    const page2 = (await gql(server, org.token, AuditLog, { first: 3, after: page1.pageInfo.endCursor })).data!.auditLog;
    expect(page2.edges.map((e) => e.node.action)).toEqual(['api_key.rotate']);
    expect(page2.pageInfo.hasNextPage).toBe(false);
  });
});

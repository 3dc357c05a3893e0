import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gql, seedOrg, startTestServer, success, type TestServer } from '../harness.ts';
import { createKey, sql, statusOf } from './helpers.ts';
import { ApiKeyQ, ApiKeys, DeleteApiKey, RevokeApiKey, RotateApiKey } from './ops.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

describe('revokeApiKey', () => {
  it('stops the key on its very next request, with a reason on record', async () => {
    const org = await seedOrg(server);
    const key = await createKey(server, org.token);
    expect(await statusOf(server, key.token)).toBe(200); // cached now
    const revoked = success(
      (await gql(server, org.token, RevokeApiKey, { input: { id: key.apiKey.id, reason: 'leaked in a repo' } })).data?.revokeApiKey,
      'RevokeApiKeySuccess',
    ).apiKey;
    expect(revoked).toMatchObject({ status: 'REVOKED', revokedReason: 'leaked in a repo', expiresAt: null });
    expect(revoked.revokedAt).not.toBeNull();
    expect(await statusOf(server, key.token)).toBe(401);
    expect(await statusOf(server, { keyId: key.apiKey.keyId, secret: key.secret })).toBe(401);
    const listed = await gql(server, org.token, ApiKeys, { filter: { status: 'REVOKED' } });
    expect(listed.data!.apiKeys.edges.map((e) => e.node.id)).toEqual([key.apiKey.id]);
    const [audit] = await sql<{ changes: unknown }>(server, `select changes from audit_entry where target_id = ? and action = 'api_key.revoke'`, [
      key.apiKey.id,
    ]);
    expect(audit!.changes).toEqual({ status: { old: 'ACTIVE', new: 'REVOKED' }, revokedReason: { new: 'leaked in a repo' } });
  });

  it('also ends a rotation grace period at once', async () => {
    const org = await seedOrg(server);
    const key = await createKey(server, org.token);
    success((await gql(server, org.token, RotateApiKey, { input: { id: key.apiKey.id, gracePeriodSeconds: 3600 } })).data?.rotateApiKey, 'RotateApiKeySuccess');
    expect(await statusOf(server, key.token)).toBe(200);
    success((await gql(server, org.token, RevokeApiKey, { input: { id: key.apiKey.id } })).data?.revokeApiKey, 'RevokeApiKeySuccess');
    expect(await statusOf(server, key.token)).toBe(401);
  });

  it('a key can revoke itself; its request after that is refused', async () => {
    const org = await seedOrg(server);
    const key = await createKey(server, org.token);
    expect((await gql(server, key.token, RevokeApiKey, { input: { id: key.apiKey.id } })).data?.revokeApiKey.__typename).toBe('RevokeApiKeySuccess');
    expect(await statusOf(server, key.token)).toBe(401);
  });
});

describe('deleteApiKey', () => {
  it('removes the key for clients (401, absent from lists and lookups) and keeps its history', async () => {
    const org = await seedOrg(server);
    const key = await createKey(server, org.token, { name: 'to delete' });
    expect(await statusOf(server, key.token)).toBe(200);
    const deleted = success((await gql(server, org.token, DeleteApiKey, { input: { id: key.apiKey.id } })).data?.deleteApiKey, 'DeleteApiKeySuccess');
    expect(deleted.apiKey.id).toBe(key.apiKey.id);
    expect(await statusOf(server, key.token)).toBe(401);
    expect((await gql(server, org.token, ApiKeyQ, { id: key.apiKey.id })).data).toEqual({ apiKey: null });
    for (const status of [null, 'ACTIVE', 'REVOKED'] as const) {
      const listed = await gql(server, org.token, ApiKeys, { filter: status ? { status } : {} });
      expect(listed.data!.apiKeys.edges.map((e) => e.node.id)).not.toContain(key.apiKey.id);
    }
    const [row] = await sql<{ name: string; deleted_at: Date | null }>(server, 'select name, deleted_at from api_key where id = ?', [key.apiKey.id]);
    expect(row!.name).toBe('to delete');
    expect(row!.deleted_at).not.toBeNull();
    const audit = await sql<{ action: string }>(server, 'select action from audit_entry where target_id = ? order by seq', [key.apiKey.id]);
    expect(audit.map((a) => a.action)).toEqual(['api_key.create', 'api_key.delete']);
  });

  it('deletes a revoked key too', async () => {
    const org = await seedOrg(server);
    const key = await createKey(server, org.token);
    success((await gql(server, org.token, RevokeApiKey, { input: { id: key.apiKey.id } })).data?.revokeApiKey, 'RevokeApiKeySuccess');
    success((await gql(server, org.token, DeleteApiKey, { input: { id: key.apiKey.id } })).data?.deleteApiKey, 'DeleteApiKeySuccess');
    const events = await sql<{ type: string }>(server, 'select type from event where key_id = ? order by seq', [key.apiKey.id]);
    expect(events.map((e) => e.type)).toEqual(['api_key.created', 'api_key.revoked', 'api_key.deleted']);
  });
});

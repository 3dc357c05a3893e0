import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { userWithKey } from '../fixtures.ts';
import { gql, seedOrg, startTestServer, success, type TestServer } from '../harness.ts';
import { CreateOrganization } from '../ops.ts';
import { createKey, sql, statusOf, whoAmI } from './helpers.ts';
import { UpdateApiKey } from './ops.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

async function update(token: string, input: Record<string, unknown>) {
  return success((await gql(server, token, UpdateApiKey, { input: input as never })).data?.updateApiKey, 'UpdateApiKeySuccess').apiKey;
}

describe('updateApiKey', () => {
  it('changes settings; omitted fields are kept and null clears', async () => {
    const org = await seedOrg(server);
    const key = await createKey(server, org.token, {
      name: 'before',
      description: 'd',
      allowedIps: ['10.0.0.0/8'],
      rateLimit: { limit: 5, windowSeconds: 1 },
      metadata: { a: 1 },
      validUntil: new Date(Date.now() + 86_400_000).toISOString(),
    });
    const renamed = await update(org.token, { id: key.apiKey.id, name: 'after' });
    expect(renamed).toMatchObject({
      name: 'after',
      description: 'd',
      allowedIps: ['10.0.0.0/8'],
      rateLimit: { limit: 5, windowSeconds: 1 },
      metadata: { a: 1 },
    });
    const cleared = await update(org.token, {
      id: key.apiKey.id,
      description: null,
      rateLimit: null,
      validUntil: null,
      allowedIps: [],
      metadata: null,
      credits: 7,
    });
    expect(cleared).toMatchObject({ name: 'after', description: null, rateLimit: null, validUntil: null, allowedIps: [], metadata: {}, credits: 7 });
    const restricted = await update(org.token, { id: key.apiKey.id, permissions: [{ permission: 'keys:read' }] });
    expect(restricted.permissions).toEqual([{ permission: 'keys:read', resourceIds: null }]);
    const unrestricted = await update(org.token, { id: key.apiKey.id, permissions: null });
    expect(unrestricted.permissions).toBeNull();
  });

  it('takes effect on the key’s next request (cache invalidated)', async () => {
    const org = await seedOrg(server);
    const key = await createKey(server, org.token);
    expect(await statusOf(server, key.token)).toBe(200);
    await update(org.token, { id: key.apiKey.id, allowedIps: ['203.0.113.9'] });
    expect(await statusOf(server, key.token)).toBe(401);
    await update(org.token, { id: key.apiKey.id, allowedIps: ['127.0.0.0/8', '::1'] });
    expect(await statusOf(server, key.token)).toBe(200);
    const p = await gql(server, key.token, '{ viewer { permissions { permission } } }');
    expect((p.data as { viewer: { permissions: unknown[] } }).viewer.permissions.length).toBeGreaterThan(3);
    await update(org.token, { id: key.apiKey.id, permissions: [{ permission: 'audit:read' }] });
    const narrowed = await gql(server, key.token, '{ viewer { permissions { permission } } }');
    expect(narrowed.data).toEqual({ viewer: { permissions: [{ permission: 'audit:read' }] } });
  });

  it('moves a key to act as another user (the user left), re-checking the restriction', async () => {
    const org = await seedOrg(server);
    const leaver = await userWithKey(server, org.token, org.organizationId, ['keys:read', 'users:read']);
    const successor = await userWithKey(server, org.token, org.organizationId, ['keys:read']);
    const key = await createKey(server, org.token, { userId: leaver.user.id, permissions: [{ permission: 'keys:read' }] });
    const moved = await update(org.token, { id: key.apiKey.id, userId: successor.user.id });
    expect(moved.userId).toBe(successor.user.id);
    expect((await whoAmI(server, key.token)).userId).toBe(successor.user.id);
    const [event] = await sql<{ data: { changes: Record<string, unknown> } }>(server, `select data from event where key_id = ? and type = 'api_key.updated'`, [
      key.apiKey.id,
    ]);
    expect(event!.data.changes).toEqual({ userId: { old: leaver.user.id, new: successor.user.id } });
  });

  it('sets and clears a sub-account grant, and writes nothing when nothing changes', async () => {
    const org = await seedOrg(server);
    const sub = success(
      (await gql(server, org.token, CreateOrganization, { input: { name: 'S' } })).data?.createOrganization,
      'CreateOrganizationSuccess',
    ).organization;
    const key = await createKey(server, org.token);
    expect((await update(org.token, { id: key.apiKey.id, subAccounts: { mode: 'SELECTED', organizationIds: [sub.id] } })).subAccounts).toEqual({
      mode: 'SELECTED',
      organizationIds: [sub.id],
    });
    expect((await update(org.token, { id: key.apiKey.id, subAccounts: { mode: 'ALL' } })).subAccounts.mode).toBe('ALL');
    expect((await update(org.token, { id: key.apiKey.id, subAccounts: null })).subAccounts.mode).toBe('NONE');
    const count = async () => (await sql<{ n: number }>(server, `select count(*)::int as n from audit_entry where target_id = ?`, [key.apiKey.id]))[0]!.n;
    const n = await count();
    await update(org.token, { id: key.apiKey.id, name: key.apiKey.name });
    expect(await count()).toBe(n);
  });

  it('records the change with old and new values in the audit log, naming the acting key', async () => {
    const org = await seedOrg(server);
    const me = await whoAmI(server, org.token);
    const key = await createKey(server, org.token, { name: 'one' });
    await update(org.token, { id: key.apiKey.id, name: 'two', allowedIps: ['192.0.2.1'] });
    const [row] = await sql<{ action: string; changes: unknown; actor_key_name: string; actor_key_id: string }>(
      server,
      `select * from audit_entry where target_id = ? and action = 'api_key.update'`,
      [key.apiKey.id],
    );
    expect(row).toMatchObject({ actor_key_id: me.apiKeyId, actor_key_name: me.name });
    expect(row!.changes).toEqual({ name: { old: 'one', new: 'two' }, allowedIps: { old: [], new: ['192.0.2.1'] } });
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gql, seedOrg, startTestServer, success, type TestServer } from '../harness.ts';
import { CreateOrganization, DefineResource } from '../ops.ts';
import { userWithKey } from '../fixtures.ts';
import { createKey, sql, statusOf, whoAmI } from './helpers.ts';
import { ApiKeyQ, CreateApiKey } from './ops.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

describe('createApiKey', () => {
  it('creates a secret key for the caller’s user that authenticates, and shows its secret only once', async () => {
    const org = await seedOrg(server);
    const me = await whoAmI(server, org.token);
    const created = await createKey(server, org.token, { name: 'CRM sync', description: 'nightly export' });
    expect(created.apiKey).toMatchObject({
      name: 'CRM sync',
      description: 'nightly export',
      kind: 'SECRET',
      status: 'ACTIVE',
      userId: org.userId,
      organizationId: org.organizationId,
      permissions: null,
      allowedIps: [],
      subAccounts: { mode: 'NONE', organizationIds: [] },
      source: me.name,
    });
    expect(created.token).toMatch(new RegExp(`^kp_sk_${created.apiKey.keyId}_[0-9A-Za-z]{50}$`));
    expect(created.token.endsWith(created.secret)).toBe(true);
    expect(created.token.startsWith(created.apiKey.start)).toBe(true);

    const viewer = await whoAmI(server, created.token);
    expect(viewer).toMatchObject({ apiKeyId: created.apiKey.id, userId: org.userId, name: 'CRM sync' });
    expect(await statusOf(server, { keyId: created.apiKey.keyId, secret: created.secret })).toBe(200);

    const again = await gql(server, org.token, ApiKeyQ, { id: created.apiKey.id });
    expect(again.data?.apiKey?.name).toBe('CRM sync');
    expect(JSON.stringify(again)).not.toContain(created.secret);
    const [row] = await sql<{ created_by_key_id: string; created_by_user_id: string; secret_hash: Buffer }>(server, 'select * from api_key where id = ?', [
      created.apiKey.id,
    ]);
    expect(row).toMatchObject({ created_by_key_id: me.apiKeyId, created_by_user_id: org.userId });
    expect(row!.secret_hash.toString('utf8')).not.toContain(created.secret);
  });

  it('stores every setting, normalised', async () => {
    const org = await seedOrg(server);
    const sub = success(
      (await gql(server, org.token, CreateOrganization, { input: { name: 'Location 1' } })).data?.createOrganization,
      'CreateOrganizationSuccess',
    ).organization;
    const from = new Date(Date.now() - 60_000).toISOString();
    const until = new Date(Date.now() + 86_400_000).toISOString();
    const created = await createKey(server, org.token, {
      name: 'agency',
      permissions: [{ permission: 'users:write' }, { permission: 'roles:read', resourceIds: ['rol_1', 'rol_1', 'rol_2'] }],
      validFrom: from,
      validUntil: until,
      allowedIps: [' 10.1.2.3/8 ', '127.0.0.1', '2001:DB8:0:0::1', '::ffff:192.0.2.7', '2001:db8::/32', '127.0.0.1'],
      subAccounts: { mode: 'SELECTED', organizationIds: [sub.id] },
      rateLimit: { limit: 100, windowSeconds: 60 },
      credits: 1000,
      metadata: { team: 'ops', tags: ['a', 'b'] },
    });
    const k = created.apiKey;
    expect(k.permissions).toEqual([
      { permission: 'roles:read', resourceIds: ['rol_1', 'rol_2'] },
      { permission: 'users:read', resourceIds: null },
      { permission: 'users:write', resourceIds: null },
    ]);
    expect(k.allowedIps).toEqual(['10.0.0.0/8', '127.0.0.1', '2001:db8::1', '192.0.2.7', '2001:db8::/32']);
    expect(k.subAccounts).toEqual({ mode: 'SELECTED', organizationIds: [sub.id] });
    expect(k.rateLimit).toEqual({ limit: 100, windowSeconds: 60 });
    expect(k.credits).toBe(1000);
    expect(k.metadata).toEqual({ team: 'ops', tags: ['a', 'b'] });
    expect(new Date(k.validFrom!).toISOString()).toBe(from);
    expect(new Date(k.validUntil!).toISOString()).toBe(until);
    // validUntil (1 day) comes before 90 days of inactivity.
    expect(k.expiresAt).toBe(k.validUntil);
    // The key acts only with what it was given, from an allowed address.
    const viewer = await gql(server, created.token, '{ viewer { permissions { permission } } }');
    expect((viewer.data as { viewer: { permissions: { permission: string }[] } }).viewer.permissions.map((p) => p.permission).sort()).toEqual([
      'roles:read',
      'users:read',
      'users:write',
    ]);
  });

  it('computes expiresAt from inactivity when there is no validity window', async () => {
    const org = await seedOrg(server);
    const k = (await createKey(server, org.token)).apiKey;
    expect(new Date(k.expiresAt!).getTime() - new Date(k.lastActivityAt).getTime()).toBe(90 * 86_400_000);
  });

  it('creates a key for a service user of the organisation, and in a sub-account', async () => {
    const org = await seedOrg(server);
    const svc = await userWithKey(server, org.token, org.organizationId, ['users:read']);
    const sub = success(
      (await gql(server, org.token, CreateOrganization, { input: { name: 'Location' } })).data?.createOrganization,
      'CreateOrganizationSuccess',
    ).organization;
    const created = await createKey(server, org.token, { userId: svc.user.id, organizationId: sub.id, name: 'location key' });
    expect(created.apiKey).toMatchObject({ userId: svc.user.id, organizationId: sub.id });
    const viewer = await whoAmI(server, created.token);
    expect(viewer).toMatchObject({ userId: svc.user.id, organizationId: sub.id });
  });

  it('creates publishable keys holding only public actions, and integration keys', async () => {
    const org = await seedOrg(server);
    success(
      (
        await gql(server, org.token, DefineResource, {
          input: { name: 'attendees', actions: ['read', 'write'], publicActions: ['read'], sensitiveFields: ['email'] },
        })
      ).data?.defineResource,
      'DefineResourceSuccess',
    );
    const pk = await createKey(server, org.token, { kind: 'PUBLISHABLE', name: 'website' });
    expect(pk.token).toMatch(/^kp_pk_/);
    const viewer = await gql(server, pk.token, '{ viewer { permissions { permission } } }');
    expect(viewer.data).toEqual({ viewer: { permissions: [{ permission: 'attendees:read' }] } });
    const restricted = await createKey(server, org.token, { kind: 'PUBLISHABLE', permissions: [{ permission: 'attendees:read' }] });
    expect(restricted.apiKey.permissions).toEqual([{ permission: 'attendees:read', resourceIds: null }]);
    const ik = await createKey(server, org.token, {
      kind: 'INTEGRATION',
      name: 'zapier',
      permissions: [{ permission: 'events:read' }, { permission: 'webhooks:write' }],
    });
    expect(ik.token).toMatch(/^kp_ik_/);
    expect(ik.apiKey.kind).toBe('INTEGRATION');
  });

  it('writes an api_key.created event and an audit entry carrying the creating key’s name, in the same transaction', async () => {
    const org = await seedOrg(server);
    const me = await whoAmI(server, org.token);
    const created = await createKey(server, org.token, { name: 'evented', metadata: { a: 1 } });
    const events = await sql<{ type: string; key_id: string; data: { apiKey: Record<string, unknown> } }>(
      server,
      'select * from event where key_id = ? order by seq',
      [created.apiKey.id],
    );
    expect(events.map((e) => e.type)).toEqual(['api_key.created']);
    expect(events[0]!.data.apiKey).toMatchObject({
      id: created.apiKey.id,
      name: 'evented',
      kind: 'SECRET',
      userId: org.userId,
      source: me.name,
      metadata: { a: 1 },
    });
    expect(Object.keys(events[0]!.data.apiKey)).not.toContain('secretHash');
    const audit = await sql<{ action: string; actor_key_id: string; actor_key_name: string; changes: Record<string, { new: unknown }>; xmin: string }>(
      server,
      'select *, xmin::text as xmin from audit_entry where target_id = ?',
      [created.apiKey.id],
    );
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ action: 'api_key.create', actor_key_id: me.apiKeyId, actor_key_name: me.name });
    expect(audit[0]!.changes.name).toEqual({ new: 'evented' });
    const [keyRow] = await sql<{ xmin: string }>(server, 'select xmin::text as xmin from api_key where id = ?', [created.apiKey.id]);
    const [eventRow] = await sql<{ xmin: string }>(server, 'select xmin::text as xmin from event where key_id = ?', [created.apiKey.id]);
    expect(new Set([keyRow!.xmin, eventRow!.xmin, audit[0]!.xmin]).size).toBe(1);
  });

  it('names the created record’s source after the creating key, through a chain of keys', async () => {
    const org = await seedOrg(server);
    const first = await createKey(server, org.token, { name: 'provisioner' });
    const second = await createKey(server, first.token, { name: 'child' });
    expect(second.apiKey.source).toBe('provisioner');
    const res = await gql(server, org.token, CreateApiKey, { input: { name: 'x', description: null, permissions: null } });
    expect(res.data?.createApiKey.__typename).toBe('CreateApiKeySuccess');
  });
});

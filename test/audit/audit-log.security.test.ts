import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { userWithKey } from '../fixtures.ts';
import { gql, seedOrg, startTestServer, success, type TestServer } from '../harness.ts';
import { createKey, sql } from '../keys/helpers.ts';
import { AuditLog } from '../keys/ops.ts';
import { CreateOrganization } from '../ops.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

describe('auditLog: append-only and scoped', () => {
  it('the database rejects updates, deletes and truncation of audit entries', async () => {
    const org = await seedOrg(server);
    await createKey(server, org.token);
    const before = await sql(server, 'select * from audit_entry where organization_id = ? order by seq', [org.organizationId]);
    expect(before.length).toBe(2);
    await expect(sql(server, `update audit_entry set action = 'forged' where organization_id = ?`, [org.organizationId])).rejects.toThrow(
      /append-only|permission denied/,
    );
    await expect(sql(server, `delete from audit_entry where organization_id = ?`, [org.organizationId])).rejects.toThrow(/append-only|permission denied/);
    await expect(sql(server, `truncate audit_entry`)).rejects.toThrow(/append-only|permission denied/);
    expect(await sql(server, 'select * from audit_entry where organization_id = ? order by seq', [org.organizationId])).toEqual(before);
  });

  it('a key of A cannot read B’s audit log; audit:read is required; sub-accounts only when granted', async () => {
    const a = await seedOrg(server);
    const b = await seedOrg(server);
    const res = await gql(server, a.token, AuditLog, { filter: { organizationId: b.organizationId } });
    expect(res.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect(res.data).toBeNull();
    // Filters name B's objects but the log is A's: nothing of B comes back.
    const bKey = await createKey(server, b.token);
    expect((await gql(server, a.token, AuditLog, { filter: { targetId: bKey.apiKey.id } })).data!.auditLog.edges).toEqual([]);

    const noAudit = await userWithKey(server, a.token, a.organizationId, ['keys:read']);
    expect((await gql(server, noAudit.token, AuditLog, {})).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');

    const sub = success(
      (await gql(server, a.token, CreateOrganization, { input: { name: 'S' } })).data?.createOrganization,
      'CreateOrganizationSuccess',
    ).organization;
    const auditor = await userWithKey(server, a.token, a.organizationId, ['audit:read']);
    expect((await gql(server, auditor.token, AuditLog, { filter: { organizationId: sub.id } })).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const subAuditor = await userWithKey(server, a.token, a.organizationId, ['audit:read'], { subAccounts: { mode: 'ALL' } });
    const subLog = await gql(server, subAuditor.token, AuditLog, { filter: { organizationId: sub.id } });
    expect(subLog.errors).toBeUndefined();
  });
});

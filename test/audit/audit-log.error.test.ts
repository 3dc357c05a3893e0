import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gql, seedOrg, startTestServer, type TestServer } from '../harness.ts';
import { AuditLog } from '../keys/ops.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

describe('auditLog errors', () => {
  it('refuses bad cursors, page sizes and oversized filters, naming them', async () => {
    const org = await seedOrg(server);
    const cursorOf = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    for (const [vars, path] of [
      [{ after: 'garbage' }, 'after'],
      [{ after: cursorOf(['1; drop table audit_entry']) }, 'after'],
      [{ after: cursorOf(['2026-01-01T00:00:00Z', 'aud_x']) }, 'after'],
      [{ first: 1000 }, 'first'],
      [{ filter: { action: 'a'.repeat(101) } }, 'filter.action'],
      [{ filter: { targetId: 't'.repeat(129) } }, 'filter.targetId'],
    ] as const) {
      const res = await gql(server, org.token, AuditLog, vars as never);
      expect(res.errors?.[0]?.extensions?.code, JSON.stringify(vars)).toBe('VALIDATION');
      expect(res.errors?.[0]?.message).toContain(path);
    }
  });

  it('NotFound for an unknown organisation', async () => {
    const org = await seedOrg(server);
    const res = await gql(server, org.token, AuditLog, { filter: { organizationId: 'org_unknown0000000000000' } });
    expect(res.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ownerSql, seedOrg, startTestServer, type TestServer } from '../harness.ts';

/**
 * The runtime role reaches partitioned tables through their parents only: it cannot drop or
 * empty a partition, rewrite the retention policy, or make the maintenance function drop audit
 * entries younger than the audit log's 30-day floor; the audit log stays append-only.
 */
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
});

const app = (sql: string, params: unknown[] = []) => server.app.orm.em.fork().getConnection().execute(sql, params);
const month = (d: Date) => d.toISOString().slice(0, 7).replace('-', '');

describe('partitions and the runtime role', () => {
  it('cannot drop, truncate or write to a partition directly, nor change the retention policy', async () => {
    const part = `usage_bucket_p${month(new Date())}`;
    await expect(app(`drop table ${part}`)).rejects.toThrow(/must be owner|permission denied/);
    await expect(app(`truncate ${part}`)).rejects.toThrow(/permission denied/);
    await expect(app(`select * from ${part}`)).rejects.toThrow(/permission denied/);
    await expect(app(`delete from audit_entry_p${month(new Date())}`)).rejects.toThrow(/permission denied/);
    await expect(app(`update partition_policy set min_keep_days = 1`)).rejects.toThrow(/permission denied/);
    await expect(app(`alter table usage_bucket detach partition ${part}`)).rejects.toThrow(/must be owner|permission denied/);
    // Through the parent, as the service reads and writes.
    await expect(app('select count(*) from usage_bucket')).resolves.toBeDefined();
  });

  it('the maintenance function keeps the audit log’s floor whatever it is asked, and refuses unknown tables', async () => {
    // An audit partition for a month that ended less than 30 days ago is never dropped, even when asked for 1 day.
    const recent = new Date(Date.now() - 20 * 86_400_000);
    await app('select keyplane_maintain_partitions(?, null, ?)', ['audit_entry', recent]);
    await app('select keyplane_maintain_partitions(?, ?)', ['audit_entry', 1]);
    const names = (
      await ownerSql<{ name: string }>(
        `select c.relname as name from pg_inherits i join pg_class c on c.oid = i.inhrelid join pg_class p on p.oid = i.inhparent where p.relname = 'audit_entry'`,
      )
    ).map((r) => r.name);
    expect(names).toContain(`audit_entry_p${month(recent)}`);
    await expect(app('select keyplane_maintain_partitions(?, ?)', ['api_key', 1])).rejects.toThrow(/no partition policy for api_key/);
    await expect(app('select keyplane_maintain_partitions(?, ?)', ['organization; drop table api_key', 1])).rejects.toThrow(/no partition policy/);
  });

  it('the audit log stays append-only after partitioning', async () => {
    await seedOrg(server); // writes audit entries
    expect((await ownerSql<{ n: string }>('select count(*) as n from audit_entry'))[0]!.n).not.toBe('0');
    await expect(app(`delete from audit_entry where seq < 0`)).rejects.toThrow(/permission denied|append-only/);
    await expect(ownerSql(`delete from audit_entry where seq = (select min(seq) from audit_entry)`)).rejects.toThrow(/append-only/);
    await expect(ownerSql(`update audit_entry set action = 'x' where seq = (select min(seq) from audit_entry)`)).rejects.toThrow(/append-only/);
  });
});

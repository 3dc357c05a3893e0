import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { maintainPartitions, PARTITIONED_TABLES } from '../../src/modules/retention/partitions.ts';
import { ownerSql, seedOrg, startTestServer, type TestServer } from '../harness.ts';
import { makeKey, makeUser } from '../verify/fixtures.ts';

/**
 * Issue 23, item 2: verifications, usage and credit buckets and the audit log are partitioned by
 * time; partitions are made ahead of time, retention drops whole partitions, and queries on a
 * key or an organisation over a period touch only the partitions of that period.
 */
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ config: { KEYPLANE_USAGE_RETENTION_DAYS: '60', KEYPLANE_AUDIT_RETENTION_DAYS: '400' } });
});
afterAll(async () => {
  await server.close();
});

const app = <T>(sql: string, params: unknown[] = []) => server.app.orm.em.fork().getConnection().execute<T[]>(sql, params);

async function partitionsOf(table: string): Promise<string[]> {
  const rows = await ownerSql<{ name: string }>(
    `select c.relname as name from pg_inherits i join pg_class c on c.oid = i.inhrelid join pg_class p on p.oid = i.inhparent
      where p.relname = $1 order by 1`,
    [table],
  );
  return rows.map((r) => r.name);
}

const day = (d: Date) => d.toISOString().slice(0, 10).replace(/-/g, '');
const month = (d: Date) => d.toISOString().slice(0, 7).replace('-', '');

describe('time-partitioned tables', () => {
  it('are partitioned by range, with partitions ready ahead (7 days, 3 months) and a default partition', async () => {
    const rows = await ownerSql<{ name: string; strategy: string }>(
      `select c.relname as name, p.partstrat as strategy from pg_partitioned_table p join pg_class c on c.oid = p.partrelid`,
    );
    expect(new Set(rows.map((r) => r.name))).toEqual(new Set(PARTITIONED_TABLES));
    expect(rows.every((r) => r.strategy === 'r')).toBe(true);
    await maintainPartitions(server.app.orm, server.config);
    const now = new Date();
    const inAWeek = new Date(Date.now() + 7 * 86_400_000);
    const verification = await partitionsOf('key_verification');
    for (const d of [now, inAWeek]) expect(verification).toContain(`key_verification_p${day(d)}`);
    expect(verification).toContain('key_verification_default');
    const inThreeMonths = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 3, 1));
    for (const t of ['usage_bucket', 'credit_usage', 'audit_entry']) {
      const names = await partitionsOf(t);
      for (const d of [now, inThreeMonths]) expect(names).toContain(`${t}_p${month(d)}`);
    }
    // A second pass in a row creates nothing.
    expect((await maintainPartitions(server.app.orm, server.config)).every((p) => p.created === 0)).toBe(true);
  });

  it('drops whole partitions past each table’s retention and keeps the rest, rows and all', async () => {
    const org = await seedOrg(server);
    const { userId } = await makeUser(server.app.orm, org.organizationId, ['keys:read']);
    const key = await makeKey(server.app.orm, server.config.pepper, { organizationId: org.organizationId, userId });
    const ago = (days: number) => new Date(Date.now() - days * 86_400_000);
    // Usage 90 and 20 days ago (retention 60), a verification 40 days ago (retention 30).
    for (const [table, at] of [
      ['usage_bucket', ago(90)],
      ['usage_bucket', ago(20)],
      ['key_verification', ago(40)],
    ] as const)
      await app('select keyplane_maintain_partitions(?, null, ?)', [table, at]);
    const minute = (d: Date) => new Date(Math.floor(d.getTime() / 60_000) * 60_000);
    await app(`insert into usage_bucket (api_key_id, organization_id, minute, code, count) values (?, ?, ?, 'VALID', 7), (?, ?, ?, 'VALID', 3)`, [
      key.id,
      org.organizationId,
      minute(ago(90)),
      key.id,
      org.organizationId,
      minute(ago(20)),
    ]);
    await app(`insert into key_verification (api_key_id, organization_id, at, code) values (?, ?, ?, 'VALID')`, [key.id, org.organizationId, ago(40)]);
    const oldMonth = `usage_bucket_p${month(ago(90))}`;
    expect(await partitionsOf('usage_bucket')).toContain(oldMonth);

    const passes = await maintainPartitions(server.app.orm, server.config);
    expect(passes.find((p) => p.table === 'usage_bucket')!.dropped).toBeGreaterThanOrEqual(1);
    expect(await partitionsOf('usage_bucket')).not.toContain(oldMonth);
    expect(await partitionsOf('key_verification')).not.toContain(`key_verification_p${day(ago(40))}`);
    const left = await app<{ n: string }>(`select coalesce(sum(count), 0)::text as n from usage_bucket where api_key_id = ?`, [key.id]);
    expect(left[0]!.n).toBe('3');
    expect(await app(`select 1 from key_verification where api_key_id = ?`, [key.id])).toHaveLength(0);
  });

  it('a key’s usage over a day reads one partition, and an audit page of one month one partition', async () => {
    const plan = async (sql: string, params: unknown[]) => JSON.stringify(await ownerSql(`explain (format json) ${sql}`, params));
    const usage = await plan(`select sum(count) from usage_bucket where api_key_id = $1 and minute >= $2 and minute < $3`, [
      'key_x',
      new Date(Date.now() - 86_400_000),
      new Date(),
    ]);
    const touched = (text: string, table: string) => new Set(text.match(new RegExp(`${table}_(p\\d+|default)`, 'g')));
    // Planning-time pruning with literal bounds: at most the month(s) the day spans.
    expect(touched(usage, 'usage_bucket').size).toBeLessThanOrEqual(2);
    const now = new Date();
    const first = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
    const audit = await plan(`select * from audit_entry where organization_id = $1 and occurred_at >= $2 and occurred_at < $3 order by seq limit 50`, [
      'org_x',
      first,
      new Date(first.getTime() + 10 * 86_400_000),
    ]);
    expect([...touched(audit, 'audit_entry')]).toEqual([`audit_entry_p${month(now)}`]);
  });
});

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
  server = await startTestServer({
    config: { KEYPLANE_USAGE_RETENTION_DAYS: '60', KEYPLANE_AUDIT_RETENTION_DAYS: '400', KEYPLANE_EVENT_RETENTION_DAYS: '60' },
  });
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

  it('drops a month of events together with its deliveries and their attempts', async () => {
    const org = await seedOrg(server);
    const endpoint = `whe_${Math.random().toString(36).slice(2, 12).padEnd(20, '0')}`;
    await ownerSql(
      `insert into webhook_endpoint (id, organization_id, kind, url, description, event_types, include_sub_accounts, enabled, secret_sealed)
       values ($1, $2, 'WEBHOOK', 'https://example.com/in', 'old', '{}', false, true, 'x')`,
      [endpoint, org.organizationId],
    );
    const ago = (days: number) => new Date(Date.now() - days * 86_400_000);
    const rows: Record<string, Date> = {};
    for (const [label, at] of [
      ['old', ago(100)],
      ['new', ago(1)],
    ] as const) {
      for (const t of ['event', 'delivery', 'delivery_attempt']) await app('select keyplane_maintain_partitions(?, null, ?)', [t, at]);
      const id = `evt_${label}${Math.random().toString(36).slice(2, 10)}`.padEnd(24, '0');
      await app(`insert into event (id, type, organization_id, occurred_at, data, relayed_at) values (?, 'user.created', ?, ?, '{}', now())`, [
        id,
        org.organizationId,
        at,
      ]);
      const dlv = `dlv_${id.slice(4)}`;
      await app(
        `insert into delivery (id, organization_id, endpoint_id, event_id, event_type, msg_id, status, event_occurred_at) values (?, ?, ?, ?, 'user.created', ?, 'SUCCEEDED', ?)`,
        [dlv, org.organizationId, endpoint, id, id, at],
      );
      await app(
        `insert into delivery_attempt (delivery_id, attempt, round, attempted_at, duration_ms, success, event_occurred_at) values (?, 1, 0, now(), 3, true, ?)`,
        [dlv, at],
      );
      rows[label] = at;
    }
    const passes = await maintainPartitions(server.app.orm, server.config);
    for (const t of ['event', 'delivery', 'delivery_attempt']) {
      expect(passes.find((p) => p.table === t)!.dropped, t).toBeGreaterThanOrEqual(1);
      expect(await partitionsOf(t)).not.toContain(`${t}_p${month(rows.old!)}`);
    }
    const left = await app<{ n: number }>(
      `select (select count(*) from event where organization_id = ?)::int + (select count(*) from delivery where endpoint_id = ?)::int
              + (select count(*) from delivery_attempt a join delivery d on d.id = a.delivery_id where d.endpoint_id = ?)::int as n`,
      [org.organizationId, endpoint, endpoint],
    );
    // What is left: the organisation's own bootstrap events, and the recent event with its delivery and attempt.
    const recent = await app<{ n: number }>(`select count(*)::int as n from event where organization_id = ? and occurred_at > now() - interval '2 days'`, [
      org.organizationId,
    ]);
    expect(left[0]!.n).toBe(recent[0]!.n + 2);
    expect(await app(`select 1 from event where organization_id = ? and occurred_at < now() - interval '60 days'`, [org.organizationId])).toHaveLength(0);
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

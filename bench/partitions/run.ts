/**
 * Benchmark: retention by dropping a month partition against deleting the same month's rows.
 *
 *   npm run bench:partitions                       # 3,000,000 usage rows a month, replaces its section of bench/RESULTS.md
 *   npm run bench:partitions -- --rows 200000 --no-record
 *
 * A dedicated database (`keyplane_bench_partitions`, dropped and recreated; override with
 * BENCH_DATABASE_URL), migrated as the service does. Two old months of usage buckets (the same
 * number of rows each, 10,000 keys, generated in SQL), both past a 400-day retention. Baseline, in
 * the same run: `delete from usage_bucket` of one month (what retention cost before partitioning).
 * Then the real upkeep (`keyplane_maintain_partitions`, as the runtime role calls it) drops the
 * other month whole. A key's usage report over a day is timed before and after, to show the
 * remaining data reads the same.
 */
import { execSync } from 'node:child_process';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { recordSection } from '../results.ts';
import pg from 'pg';
import { grantRuntimeRole, initORM } from '../../src/infra/orm.ts';

const { values } = parseArgs({ options: { rows: { type: 'string', default: '3000000' }, 'no-record': { type: 'boolean' } } });
const ROWS = Number(values.rows);
const KEYS = 10_000;
const url = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/keyplane_bench_partitions';
const dbName = new URL(url).pathname.slice(1);
const log = (...a: unknown[]) => console.log(new Date().toISOString().slice(11, 19), ...a);

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t = performance.now();
  const r = await fn();
  return [r, performance.now() - t];
}

async function main() {
  const admin = new pg.Client({ connectionString: url.replace(/\/[^/]*$/, '/postgres') });
  await admin.connect();
  await admin.query(`drop database if exists "${dbName}" with (force)`);
  await admin.end();
  const orm = await initORM(url); // creates the database and applies every migration
  await grantRuntimeRole(orm, 'keyplane_app', null); // as the service does after migrating
  await orm.close(true);

  const db = new pg.Client({ connectionString: url });
  await db.connect();
  const now = new Date();
  const monthStart = (back: number) => new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - back, 1));
  // Both wholly past a 400-day retention (13 months and a bit): 17 and 16 months back.
  const deleted = monthStart(17); // baseline: DELETE
  const dropped = monthStart(16); // partition DROP
  await db.query(`insert into organization (id, name, path, depth) values ('org_bench0000000000000', 'Bench', 'org_bench0000000000000', 0)`);
  await db.query(`insert into app_user (id, organization_id, name, kind) values ('usr_bench0000000000000', 'org_bench0000000000000', 'Owner', 'SERVICE')`);
  await db.query(
    `insert into api_key (id, key_id, organization_id, user_id, kind, name, start, secret_hash, created_at, updated_at)
     select 'key_b' || lpad(g::text, 15, '0'), 'kb' || lpad(g::text, 14, '0'), 'org_bench0000000000000', 'usr_bench0000000000000',
            'SECRET', 'bench key ' || g, 'kp_sk_bench', '\\x00'::bytea, now(), now()
       from generate_series(1, $1::int) g`,
    [KEYS],
  );
  for (const m of [deleted, dropped]) await db.query('select keyplane_maintain_partitions($1, null, $2)', ['usage_bucket', m]);
  log(`generating ${ROWS.toLocaleString('en')} usage rows in each of two old months`);
  const [, genMs] = await timed(async () => {
    for (const m of [deleted, dropped]) {
      // Distinct (key, minute, code): key g % KEYS, minute g / KEYS into the month.
      await db.query(
        `insert into usage_bucket (api_key_id, organization_id, minute, code, count)
         select 'key_b' || lpad(((g % $2::int) + 1)::text, 15, '0'), 'org_bench0000000000000',
                $3::timestamptz + make_interval(mins => (g / $2::int)::int), 'VALID', 1 + g % 7
           from generate_series(0, $1::int - 1) g`,
        [ROWS, KEYS, m],
      );
    }
  });
  await db.query('vacuum analyze usage_bucket');
  const size = (
    await db.query(`select pg_size_pretty(pg_total_relation_size('usage_bucket_p' || to_char($1::timestamptz at time zone 'UTC', 'YYYYMM'))) as s`, [dropped])
  ).rows[0].s as string;
  log(`generated in ${(genMs / 1000).toFixed(1)} s; one month partition is ${size}`);

  const report = async () =>
    (
      await timed(() =>
        db.query(`select code, sum(count) from usage_bucket where api_key_id = 'key_b000000000000042' and minute >= $1 and minute < $2 group by code`, [
          new Date(now.getTime() - 86_400_000),
          now,
        ]),
      )
    )[1];
  const reportBefore = await report();

  log('baseline: DELETE of one month of rows');
  const [del, deleteMs] = await timed(() => db.query('delete from usage_bucket where minute >= $1 and minute < $2', [deleted, monthStart(16)]));

  // As the service does: the runtime role calls the upkeep with the usage retention (400 days).
  const appUrl = new URL(url);
  appUrl.username = 'keyplane_app';
  appUrl.password = '';
  const app = new pg.Client({ connectionString: appUrl.toString() });
  await app.connect();
  log('the upkeep: partitions past 400 days dropped');
  const [drop, dropMs] = await timed(() => app.query('select created, dropped from keyplane_maintain_partitions($1, $2)', ['usage_bucket', 400]));
  await app.end();
  const left = Number((await db.query('select count(*)::int as n from usage_bucket where minute >= $1 and minute < $2', [dropped, monthStart(15)])).rows[0].n);
  if (left !== 0) throw new Error(`the upkeep left ${left} rows of the month it should have dropped`);
  const reportAfter = await report();
  await db.end();

  const pgVersion = execSync(`psql "${url}" -tAc "show server_version"`).toString().trim();
  const ms = (v: number) => `${v < 10 ? v.toFixed(1) : Math.round(v).toLocaleString('en')} ms`;
  const section = `<!-- bench:partitions:start -->
## partitions — retention by dropping a month (issue 23)

Recorded ${new Date().toISOString()} with \`npm run bench:partitions\` (${ROWS.toLocaleString('en')} usage rows in each of two old months, ${KEYS.toLocaleString('en')} keys).
Machine: ${os.cpus().length} vCPU (${os.cpus()[0]?.model.trim()}), Node ${process.version}, PostgreSQL ${pgVersion} (default settings); other engineers' test runs may have shared the machine.

| | Result |
|---|---:|
| Rows generated (SQL, both months) | ${(ROWS * 2).toLocaleString('en')} in ${(genMs / 1000).toFixed(1)} s; one month's partition ${size} |
| Baseline in the same run: \`DELETE\` of one month's rows | ${ms(deleteMs)} (${(del.rowCount ?? 0).toLocaleString('en')} rows, dead tuples left to vacuum) |
| **The upkeep dropping the other month (\`keyplane_maintain_partitions('usage_bucket', 400)\`, as the runtime role)** | **${ms(dropMs)}** (${drop.rows[0].dropped} partitions dropped, every month wholly past 400 days: the one holding ${ROWS.toLocaleString('en')} rows, the one the baseline emptied, and empty ones; ${left} rows of that month left) |
| A key's usage report over the last day, before / after | ${ms(reportBefore)} / ${ms(reportAfter)} |

Dropping is ${Math.round(deleteMs / Math.max(dropMs, 0.1)).toLocaleString('en')}× faster than deleting here, and its cost does not grow with the rows: it removes files, not tuples.
<!-- bench:partitions:end -->`;
  console.log(section);
  if (!values['no-record']) {
    recordSection('partitions', section);
    log('wrote the partitions section of bench/RESULTS.md');
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});

/**
 * Benchmark: do the everyday queries keep their times as the tables grow tenfold?
 *
 *   npm run bench:scale                                  # 1 M → 10 M keys, 10 M → 100 M usage rows; replaces its section of bench/RESULTS.md
 *   npm run bench:scale -- --keys 20000 --no-record      # a quick look (keys at the small scale; ×10 at the large one)
 *
 * One dedicated database (`keyplane_bench_scale`, dropped and recreated; override with
 * BENCH_DATABASE_URL), migrated as the service does, grown in place and measured twice in the
 * same run: at the small scale (K keys in 1,000 organisations, 10 usage rows a key over ten
 * month partitions, K audit entries) and after growing it tenfold. Measured at each scale:
 *   - the inactivity expiry sweep (the real sweepExpiry): an hourly full pass and the
 *     minute-by-minute incremental one. The keys inside a warning window are the same 2 % of the
 *     small scale at both (the growth adds recently used keys): what the sweep reads depends on
 *     the keys near their expiry, not on the keys that exist;
 *   - a key-list page, an audit page and a key's usage report over a day (the SQL the services
 *     send, written out), median of 25 runs each;
 * and at the large scale, the upkeep dropping a month of usage past its retention.
 * Rows are generated in SQL; foreign-key checks are skipped while generating
 * (session_replication_role = replica), every index is in place.
 */
import { execSync } from 'node:child_process';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { recordSection } from '../results.ts';
import pg from 'pg';
import { grantRuntimeRole, initORM } from '../../src/infra/orm.ts';
import { RedisEventTarget } from '../../src/infra/pubsub.ts';
import { createRedis } from '../../src/infra/redis.ts';
import { sweepExpiry } from '../../src/modules/expiry/expiry-sweep.service.ts';
import { INVALIDATION_TOPIC } from '../../src/modules/verification/key-cache.ts';

const { values } = parseArgs({ options: { keys: { type: 'string', default: '1000000' }, 'no-record': { type: 'boolean' } } });
const SMALL = Number(values.keys);
const LARGE = SMALL * 10;
const ORGS = 1000;
const MONTHS = [0, 1, 2, 3, 4, 5, 6, 7, 8, 15]; // 15 months back: wholly past a 400-day usage retention
const url = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/keyplane_bench_scale';
const dbName = new URL(url).pathname.slice(1);
const log = (...a: unknown[]) => console.log(new Date().toISOString().slice(11, 19), ...a);
const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const msText = (v: number) => (v < 10 ? `${v.toFixed(2)} ms` : `${Math.round(v).toLocaleString('en')} ms`);

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t = performance.now();
  const r = await fn();
  return [r, performance.now() - t];
}

async function median(db: pg.Client, sql: string, params: unknown[], runs = 25): Promise<number> {
  await db.query(sql, params); // warm
  const times: number[] = [];
  for (let i = 0; i < runs; i++) times.push((await timed(() => db.query(sql, params)))[1]);
  times.sort((a, b) => a - b);
  return times[Math.floor(runs / 2)]!;
}

const now = new Date(Math.floor(Date.now() / 60_000) * 60_000);
const monthStart = (back: number) => new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - back, 1));

/** Keys `from`..`to` (1-based), their usage rows (one a month of MONTHS), and audit entries as many as keys. */
async function grow(db: pg.Client, from: number, to: number): Promise<number> {
  const [, ms] = await timed(async () => {
    await db.query('set session_replication_role = replica');
    // Every 50th key of the first scale is spread over the 90-day period (inside the warning
    // windows as time goes); every other key was used within the last 30 days.
    await db.query(
      `insert into api_key (id, key_id, organization_id, user_id, kind, name, start, secret_hash, last_activity_at, created_at, updated_at)
       select 'key_b' || lpad(g::text, 15, '0'), 'kb' || lpad(g::text, 14, '0'), o, 'usr_bench' || substr(o, 10),
              'SECRET', 'bench key ' || g, 'kp_sk_bench', '\\x00'::bytea,
              case when g <= $3::int and g % 50 = 0 then $4::timestamptz - make_interval(secs => random() * 90 * 86400.0)
                   else $4::timestamptz - make_interval(secs => random() * 30 * 86400.0) end,
              $4::timestamptz - interval '400 days' + make_interval(secs => g / 40.0), now()
         from generate_series($1::int, $2::int) g, lateral (select 'org_bench' || lpad(((g % ${ORGS}) + 1)::text, 11, '0') as o) x`,
      [from, to, SMALL, now],
    );
    for (const back of MONTHS) {
      await db.query(
        `insert into usage_bucket (api_key_id, organization_id, minute, code, count)
         select 'key_b' || lpad(g::text, 15, '0'), 'org_bench' || lpad(((g % ${ORGS}) + 1)::text, 11, '0'),
                $3::timestamptz + make_interval(mins => g % 40000), 'VALID', 1 + g % 9
           from generate_series($1::int, $2::int) g`,
        [from, to, monthStart(back)],
      );
    }
    await db.query(
      `insert into audit_entry (id, organization_id, actor_key_id, action, target_type, target_id, changes, occurred_at)
       select 'aud_b' || lpad(g::text, 15, '0'), 'org_bench' || lpad(((g % ${ORGS}) + 1)::text, 11, '0'), 'key_b000000000000001',
              'key.update', 'ApiKey', 'key_b' || lpad(g::text, 15, '0'), '{}'::jsonb, $3::timestamptz - make_interval(secs => random() * 60 * 86400.0)
         from generate_series($1::int, $2::int) g`,
      [from, to, now],
    );
    // The warnings a minute-by-minute sweep would already have sent (the steady state).
    await db.query(
      `insert into key_expiry_warning (key_id, period_start, threshold, days_left, sent_at)
       select k.id, k.last_activity_at, t, t, $3::timestamptz
         from api_key k, unnest(array[15, 7, 1]) t
        where k.id between 'key_b' || lpad($1::text, 15, '0') and 'key_b' || lpad($2::text, 15, '0')
          and k.last_activity_at + make_interval(secs => (90 - t) * 86400.0) <= $3::timestamptz
       on conflict do nothing`,
      [from, to, now],
    );
    await db.query('set session_replication_role = origin');
    await db.query('vacuum analyze');
  });
  return ms;
}

type Figures = {
  sweepCold: number;
  sweepFull: number;
  sweepIncremental: number;
  candidates: number;
  keyPage: number;
  auditPage: number;
  usageReport: number;
  orgReport: number;
};

async function measure(db: pg.Client, deps: Parameters<typeof sweepExpiry>[0], minute: number): Promise<Figures> {
  const at = (m: number) => new Date(now.getTime() + m * 60_000);
  const mid = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  // The first full pass after the data changed reads its index pages from disk (cold); then
  // five of each, a minute apart, as the worker runs them (warm): medians.
  const cold = await sweepExpiry(deps, { now: at(minute), fullSweepEveryMs: 0 });
  const fulls = [];
  for (let i = 1; i <= 5; i++) fulls.push(await sweepExpiry(deps, { now: at(minute + i), fullSweepEveryMs: 0 }));
  const incs = [];
  for (let i = 6; i <= 10; i++) incs.push(await sweepExpiry(deps, { now: at(minute + i) }));
  const org = 'org_bench00000000042';
  const keyPage = await median(
    db,
    `select * from api_key where organization_id = $1 and deleted_at is null and status <> 'REVOKED' order by created_at, id limit 51`,
    [org],
  );
  const auditPage = await median(db, `select * from audit_entry where organization_id = $1 order by seq limit 51`, [org]);
  const day = [monthStart(0), new Date(monthStart(0).getTime() + 86_400_000)];
  const usageReport = await median(
    db,
    `select date_trunc('hour', minute at time zone 'UTC') at time zone 'UTC' as start, code, sum(count)::text
       from usage_bucket where api_key_id = $1 and minute >= $2 and minute < $3 group by 1, 2 order by 1, 2`,
    ['key_b000000000000042', ...day],
  );
  const orgReport = await median(
    db,
    `select date_trunc('hour', minute at time zone 'UTC') at time zone 'UTC' as start, code, sum(count)::text
       from usage_bucket where organization_id = $1 and minute >= $2 and minute < $3 group by 1, 2 order by 1, 2`,
    [org, ...day],
    5,
  );
  return {
    sweepCold: cold.ms,
    sweepFull: mid(fulls.map((r) => r.ms)),
    sweepIncremental: mid(incs.map((r) => r.ms)),
    candidates: cold.candidates,
    keyPage,
    auditPage,
    usageReport,
    orgReport,
  };
}

async function main() {
  const admin = new pg.Client({ connectionString: url.replace(/\/[^/]*$/, '/postgres') });
  await admin.connect();
  await admin.query(`drop database if exists "${dbName}" with (force)`);
  await admin.end();
  const owner = await initORM(url);
  await grantRuntimeRole(owner, 'keyplane_app', null);
  await owner.close(true);

  const db = new pg.Client({ connectionString: url });
  await db.connect();
  await db.query(
    `insert into organization (id, name, path, depth, inactivity_days, warning_days)
     select 'org_bench' || lpad(g::text, 11, '0'), 'Bench ' || g, 'org_bench' || lpad(g::text, 11, '0'), 0, 90, '{15,7,1}'::int[]
       from generate_series(1, ${ORGS}) g`,
  );
  await db.query(
    `insert into app_user (id, organization_id, name, kind)
     select 'usr_bench' || lpad(g::text, 11, '0'), 'org_bench' || lpad(g::text, 11, '0'), 'Owner', 'SERVICE' from generate_series(1, ${ORGS}) g`,
  );
  for (const back of MONTHS) await db.query('select keyplane_maintain_partitions($1, null, $2)', ['usage_bucket', monthStart(back)]);

  const orm = await initORM(url, { migrate: false });
  const redis = createRedis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', 'bench');
  const sub = createRedis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', 'bench-sub');
  const pubsub = new RedisEventTarget(redis, sub, `kpbench-scale-${Date.now().toString(36)}`);
  const deps = { orm, invalidate: (inv: unknown) => pubsub.publish(INVALIDATION_TOPIC, inv) };

  log(
    `small scale: ${SMALL.toLocaleString('en')} keys, ${(SMALL * MONTHS.length).toLocaleString('en')} usage rows, ${SMALL.toLocaleString('en')} audit entries`,
  );
  const genSmall = await grow(db, 1, SMALL);
  log(`generated in ${secs(genSmall)}; measuring`);
  await sweepExpiry(deps, { now: new Date(now.getTime() + 60_000), fullSweepEveryMs: 0 }); // settle the state first
  const small = await measure(db, deps, 2);
  log('small', small);

  log(`growing tenfold: ${LARGE.toLocaleString('en')} keys, ${(LARGE * MONTHS.length).toLocaleString('en')} usage rows`);
  const genLarge = await grow(db, SMALL + 1, LARGE);
  const sizes = (await db.query(`select pg_size_pretty(pg_total_relation_size('api_key')) as k, pg_size_pretty(pg_database_size(current_database())) as d`))
    .rows[0] as { k: string; d: string };
  log(`grown in ${secs(genLarge)}; api_key ${sizes.k}, database ${sizes.d}; measuring`);
  const large = await measure(db, deps, 20);
  log('large', large);

  // The upkeep, as the runtime role runs it: the usage month 15 months back is wholly past 400 days.
  const old = `usage_bucket_p${monthStart(15).toISOString().slice(0, 7).replace('-', '')}`;
  const oldRows = Number((await db.query(`select count(*)::int as n from ${old}`)).rows[0].n);
  const appUrl = new URL(url);
  appUrl.username = 'keyplane_app';
  appUrl.password = '';
  const app = new pg.Client({ connectionString: appUrl.toString() });
  await app.connect();
  const [dropped, dropMs] = await timed(() => app.query('select created, dropped from keyplane_maintain_partitions($1, $2)', ['usage_bucket', 400]));
  await app.end();
  const gone = (await db.query('select to_regclass($1) is null as gone', [old])).rows[0].gone as boolean;
  if (!gone) throw new Error(`${old} was not dropped`);

  await db.end();
  await orm.close(true);
  await Promise.allSettled([redis.quit(), sub.quit()]);

  const pgVersion = execSync(`psql "${url}" -tAc "show server_version"`).toString().trim();
  const ratio = (a: number, b: number) => `${(b / a).toFixed(2)}×`;
  const row = (label: string, a: number, b: number) => `| ${label} | ${msText(a)} | ${msText(b)} | ${ratio(a, b)} |`;
  const section = `<!-- bench:scale:start -->
## scale — the same queries at ${SMALL.toLocaleString('en')} and ${LARGE.toLocaleString('en')} keys (issue 23)

Recorded ${new Date().toISOString()} with \`npm run bench:scale\` (one database grown in place, measured at both scales in the same run).
Machine: ${os.cpus().length} vCPU (${os.cpus()[0]?.model.trim()}), ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, PostgreSQL ${pgVersion} (default settings); other engineers' test runs may have shared the machine.

Data, generated in SQL: ${ORGS.toLocaleString('en')} organisations; keys (${(SMALL / ORGS).toLocaleString('en')} then ${(LARGE / ORGS).toLocaleString('en')} per organisation), ${MONTHS.length} usage rows a key in ${MONTHS.length} month partitions (${(SMALL * MONTHS.length).toLocaleString('en')} then ${(LARGE * MONTHS.length).toLocaleString('en')} rows), one audit entry a key. Generation: ${secs(genSmall)}, then ${secs(genLarge)} to grow; at the large scale api_key is ${sizes.k}, the database ${sizes.d}. 2 % of the small scale's keys are spread over the 90-day inactivity period (the warning windows); the growth adds keys used within 30 days, so both scales have the same keys near expiry.

| Query (median of 25; the sweeps median of 5) | ${SMALL.toLocaleString('en')} keys | ${LARGE.toLocaleString('en')} keys | Ratio |
|---|---:|---:|---:|
${row('Expiry sweep, hourly full pass', small.sweepFull, large.sweepFull)}
${row('Expiry sweep, the incremental pass of every minute', small.sweepIncremental, large.sweepIncremental)}
${row(`Expiry sweep, the first full pass after the data changed, cold (${small.candidates.toLocaleString('en')} / ${large.candidates.toLocaleString('en')} keys due)`, small.sweepCold, large.sweepCold)}
${row('Key-list page (50 keys of one organisation, keyset order)', small.keyPage, large.keyPage)}
${row('Audit page (50 entries of one organisation)', small.auditPage, large.auditPage)}
${row("A key's usage report over a day, by hour", small.usageReport, large.usageReport)}
${row("An organisation's usage report over a day, by hour (its keys grow tenfold too: 5 runs)", small.orgReport, large.orgReport)}

Dropping a month of usage past its retention at the large scale (\`keyplane_maintain_partitions('usage_bucket', 400)\` as the runtime role): **${msText(dropMs)}** for ${oldRows.toLocaleString('en')} rows (${dropped.rows[0].dropped} partition(s) dropped).
<!-- bench:scale:end -->`;
  console.log(section);
  if (!values['no-record']) {
    recordSection('scale', section);
    log('wrote the scale section of bench/RESULTS.md');
  }
  const admin2 = new pg.Client({ connectionString: url.replace(/\/[^/]*$/, '/postgres') });
  await admin2.connect();
  if (!process.env.BENCH_KEEP) await admin2.query(`drop database if exists "${dbName}" with (force)`);
  await admin2.end();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});

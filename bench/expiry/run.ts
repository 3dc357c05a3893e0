/**
 * Benchmark: one inactivity-expiry sweep over 1,000,000 keys.
 *
 *   npm run bench:expiry                 # 1,000,000 keys, appends to bench/RESULTS.md
 *   npm run bench:expiry -- --keys 100000 --no-record
 *
 * A dedicated database (`keyplane_bench_expiry`, dropped and recreated; override with
 * BENCH_DATABASE_URL) gets 1,000 organisations and the keys, generated in SQL with
 * generate_series. The data is the steady state a sweep running every minute maintains: each
 * key's last activity is spread over its organisation's inactivity period, and every warning
 * already due is recorded. Then, with the real sweep (Redis invalidations included):
 *   1. steady state: the first sweep (full: no previous one), two incremental ones a minute apart,
 *      and one forced full pass (what runs hourly);
 *   2. ten days late: one sweep at now + 10 days (a worker outage), then the next minute's.
 */
import { execSync } from 'node:child_process';
import { appendFileSync, existsSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { initORM } from '../../src/infra/orm.ts';
import { RedisEventTarget } from '../../src/infra/pubsub.ts';
import { createRedis } from '../../src/infra/redis.ts';
import { DAY_MS } from '../../src/modules/keys/key-expiry.ts';
import { sweepExpiry, type SweepResult } from '../../src/modules/expiry/expiry-sweep.service.ts';
import { INVALIDATION_TOPIC } from '../../src/modules/verification/key-cache.ts';

const { values } = parseArgs({
  options: { keys: { type: 'string', default: '1000000' }, orgs: { type: 'string', default: '1000' }, 'no-record': { type: 'boolean' } },
});
const KEYS = Number(values.keys);
const ORGS = Number(values.orgs);
const url = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/keyplane_bench_expiry';
const dbName = new URL(url).pathname.slice(1);
const adminUrl = url.replace(/\/[^/]*$/, '/postgres');

const log = (...a: unknown[]) => console.log(new Date().toISOString().slice(11, 19), ...a);
const secs = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

async function setup(now: Date) {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`drop database if exists "${dbName}" with (force)`);
  await admin.end();
  const orm = await initORM(url); // creates the database and applies every migration
  await orm.close(true);

  const db = new pg.Client({ connectionString: url });
  await db.connect();
  const t0 = performance.now();
  // Organisations: 90 % the defaults, 8 % a 30-day period with 7/1-day warnings, 2 % expiry off.
  await db.query(
    `insert into organization (id, name, path, depth, inactivity_days, warning_days)
     select o.id, 'Bench ' || g, o.id, 0,
            case when g % 50 = 0 then 0 when g % 12 = 0 then 30 else 90 end,
            case when g % 12 = 0 and g % 50 <> 0 then '{7,1}'::int[] else '{15,7,1}'::int[] end
       from generate_series(1, $1::int) g, lateral (select 'org_bench' || lpad(g::text, 11, '0') as id) o`,
    [ORGS],
  );
  await db.query(
    `insert into app_user (id, organization_id, name, kind)
     select 'usr_bench' || lpad(g::text, 11, '0'), 'org_bench' || lpad(g::text, 11, '0'), 'Owner', 'SERVICE' from generate_series(1, $1::int) g`,
    [ORGS],
  );
  // Last activity spread over the organisation's period (120 days where expiry is off); 5 % of
  // keys with a validity window ending within 100 days.
  await db.query(
    `insert into api_key (id, key_id, organization_id, user_id, kind, name, start, secret_hash, valid_until,
                          last_activity_at, created_at, updated_at)
     select 'key_b' || lpad(g::text, 15, '0'), 'kb' || lpad(g::text, 14, '0'), o.id, 'usr_bench' || substr(o.id, 10),
            'SECRET', 'bench key ' || g, 'kp_sk_bench', '\\x00'::bytea,
            case when g % 20 = 0 then $2::timestamptz + make_interval(secs => random() * 100 * 86400) end,
            $2::timestamptz - make_interval(secs => random() * (case when o.inactivity_days = 0 then 120 else o.inactivity_days end) * 86400.0),
            $2::timestamptz - interval '200 days', $2::timestamptz - interval '200 days'
       from generate_series(1, $1::int) g
       join organization o on o.id = 'org_bench' || lpad(((g % $3::int) + 1)::text, 11, '0')`,
    [KEYS, now, ORGS],
  );
  // Every warning a minute-by-minute sweep would already have sent (none when the window ends first).
  const warned = await db.query(
    `insert into key_expiry_warning (key_id, period_start, threshold, days_left, sent_at)
     select k.id, k.last_activity_at, t, t, $1::timestamptz
       from api_key k join organization o on o.id = k.organization_id, unnest(o.warning_days) t
      where o.inactivity_days > 0
        and k.last_activity_at + make_interval(secs => (o.inactivity_days - t) * 86400.0) <= $1::timestamptz
        and (k.valid_until is null or k.valid_until > k.last_activity_at + make_interval(secs => o.inactivity_days * 86400.0))`,
    [now],
  );
  const inWindow = await db.query('select count(distinct key_id)::int as n from key_expiry_warning');
  await db.query('vacuum analyze');
  const size = await db.query(`select pg_size_pretty(pg_total_relation_size('api_key')) as s`);
  await db.end();
  return {
    setupMs: performance.now() - t0,
    warningRows: warned.rowCount ?? 0,
    keysInWindow: inWindow.rows[0].n as number,
    tableSize: size.rows[0].s as string,
  };
}

async function main() {
  const now = new Date(Math.floor(Date.now() / 60_000) * 60_000);
  log(`generating ${KEYS.toLocaleString('en')} keys in ${ORGS} organisations (${dbName})`);
  const data = await setup(now);
  log(`generated in ${secs(data.setupMs)}; api_key ${data.tableSize}; ${data.warningRows.toLocaleString('en')} warnings already sent`);

  const orm = await initORM(url, { migrate: false });
  const redis = createRedis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', 'bench');
  const sub = createRedis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', 'bench-sub');
  const pubsub = new RedisEventTarget(redis, sub, 'kpbench');
  const deps = { orm, invalidate: (inv: unknown) => pubsub.publish(INVALIDATION_TOPIC, inv) };
  const runs: { label: string; r: SweepResult }[] = [];
  const run = async (label: string, at: Date, fullSweepEveryMs?: number) => {
    const r = await sweepExpiry(deps, { now: at, fullSweepEveryMs });
    runs.push({ label, r });
    log(`${label}: ${r.mode} ${secs(r.ms)}  candidates ${r.candidates}, warned ${r.warned}, expired ${r.expired}, batches ${r.batches}`);
  };
  const at = (ms: number) => new Date(now.getTime() + ms);
  await run('steady state, first sweep (now + 1 min)', at(60_000));
  await run('steady state, next minute', at(120_000));
  await run('steady state, next minute', at(180_000));
  await run('steady state, hourly full pass (forced)', at(240_000), 0);
  await run('ten days late (now + 10 days)', at(10 * DAY_MS));
  await run('the minute after', at(10 * DAY_MS + 60_000));

  const [active] = await orm.em.fork().execute<{ n: string }[]>(`select count(*) as n from api_key where status = 'ACTIVE'`);
  await orm.close(true);
  await Promise.allSettled([redis.quit(), sub.quit()]);

  const both = (a: number, b: number) => `${secs(a)} / ${secs(b)}`;
  const full = both(runs[0]!.r.ms, runs[3]!.r.ms);
  const incremental = both(runs[1]!.r.ms, runs[2]!.r.ms);
  const late = runs[4]!.r;
  const pgVersion = execSync(`psql "${url}" -tAc "show server_version"`).toString().trim();
  const section = `
## Inactivity expiry sweep (bench/expiry) — ${now.toISOString().slice(0, 10)}

Command: \`npm run bench:expiry\` (${KEYS.toLocaleString('en')} keys, ${ORGS.toLocaleString('en')} organisations, dedicated database \`${dbName}\`).
Machine: ${os.cpus().length} × ${os.cpus()[0]?.model.trim()}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, PostgreSQL ${pgVersion} (default settings), Node ${process.version}; other engineers' test runs shared the machine.

Data, generated in SQL (\`insert … select … generate_series\`, ${secs(data.setupMs)}; api_key ${data.tableSize}): 90 % of organisations on the
defaults (90 days; warnings 15, 7, 1), 8 % on 30 days (7, 1), 2 % with expiry off; each key's last activity spread over its
organisation's period, 5 % with a validity window ending in the next 100 days, and the ${data.warningRows.toLocaleString('en')} warnings a
minute-by-minute sweep would already have sent: the steady state.

| Sweep (batch 500, one transaction per batch) | Mode | Time | Candidates read | Warned | Expired |
|---|---|---:|---:|---:|---:|
${runs.map(({ label, r }) => `| ${label} | ${r.mode} | ${secs(r.ms)} | ${r.candidates.toLocaleString('en')} | ${r.warned.toLocaleString('en')} | ${r.expired.toLocaleString('en')} |`).join('\n')}

- **One sweep over ${KEYS.toLocaleString('en')} keys: ${full} as a full pass** (every key inside a warning window is read: the
  ${data.keysInWindow.toLocaleString('en')} already warned here) **and ${incremental} as the incremental pass that runs every minute** (only keys
  that crossed a threshold since the previous sweep are read; a full pass runs hourly, after a settings change or a skipped key).
- Ten days late (a worker outage): ${secs(late.ms)} to send ${late.warned.toLocaleString('en')} warnings and expire ${late.expired.toLocaleString('en')} keys, each with its event, in-app
  notification, audit entry and Redis cache invalidation: ${late.ms ? Math.round(((late.warned + late.expired) / late.ms) * 1000).toLocaleString('en') : '-'} keys/s, bound by the unit of work's
  flush of those rows (recordEvent / recordAudit); ${Number(active!.n).toLocaleString('en')} keys remain active.
`;
  console.log(section);
  if (!values['no-record']) {
    const file = new URL('../RESULTS.md', import.meta.url);
    if (!existsSync(file)) writeFileSync(file, '# Benchmark results\n');
    appendFileSync(file, section);
    log('appended to bench/RESULTS.md');
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});

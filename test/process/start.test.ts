import { freePort } from '../engines.ts';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { testDatabaseUrl, testRedisPrefix, testRedisUrl } from '../context.ts';

const root = new URL('../../', import.meta.url).pathname;

function env(port: number, workersPort = 0): NodeJS.ProcessEnv {
  return {
    KEYPLANE_WORKERS_HEALTH_PORT: String(workersPort),
    ...process.env,
    NODE_ENV: 'development',
    PORT: String(port),
    HOST: '127.0.0.1',
    DATABASE_URL: testDatabaseUrl(),
    REDIS_URL: testRedisUrl(),
    KEYPLANE_REDIS_PREFIX: `${testRedisPrefix()}:start`,
    KEYPLANE_LOG_LEVEL: 'info',
  };
}

function run(args: string[], e: NodeJS.ProcessEnv): { child: ChildProcess; output: () => string } {
  const child = spawn(process.execPath, args, { cwd: root, env: e, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  return { child, output: () => out };
}

const children: ChildProcess[] = [];
// A database and a runtime role that do not exist yet: what a fresh machine gives `npm start`.
const suffix = Math.random().toString(36).slice(2, 10);
const freshDb = `${new URL(testDatabaseUrl()).pathname.slice(1)}_start_${suffix}`;
const freshRole = `kp_app_${suffix}`;
const adminUrl = testDatabaseUrl().replace(/\/[^/]*$/, '/postgres');
afterAll(async () => {
  children.forEach((c) => c.exitCode === null && c.kill('SIGKILL'));
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`drop database if exists "${freshDb}" with (force)`);
  await admin.query(`drop role if exists "${freshRole}"`);
  await admin.end();
});

describe('the service as a user runs it', () => {
  it('starts API and workers, answers /readyz, bootstraps an organisation, and shuts down cleanly on SIGTERM', async () => {
    const port = await freePort();
    const workersPort = await freePort();
    // A young-generation bound asked for (V8 chooses by default) goes to the API process only.
    const e: NodeJS.ProcessEnv = {
      ...env(port, workersPort),
      KEYPLANE_API_SEMI_SPACE_MB: '4',
      DATABASE_URL: testDatabaseUrl().replace(/\/[^/]*$/, `/${freshDb}`),
      KEYPLANE_DATABASE_APP_ROLE: freshRole,
    };
    const started = Date.now();
    const svc = run(['scripts/start.mjs'], e);
    children.push(svc.child);
    let ready = 0;
    while (Date.now() - started < 60_000) {
      try {
        ready = (await fetch(`http://127.0.0.1:${port}/readyz`)).status;
        if (ready === 200) break;
      } catch {
        /* not listening yet */
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(ready, svc.output()).toBe(200);
    await expect.poll(() => svc.output(), { timeout: 20_000 }).toContain('keyplane workers started');
    await expect.poll(async () => (await fetch(`http://127.0.0.1:${workersPort}/healthz`).catch(() => null))?.status, { timeout: 10_000 }).toBe(200);

    // The API process runs with the young-generation bound of scripts/node-flags.ts (the workers without).
    const kids = readFileSync(`/proc/${svc.child.pid}/task/${svc.child.pid}/children`, 'utf8').trim().split(/\s+/);
    const cmdlines = kids.map((pid) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0'));
    expect(cmdlines.find((c) => c.includes('src/main.ts'))).toContain('--max-semi-space-size=4');
    expect(cmdlines.find((c) => c.includes('workers/main.ts'))).not.toContain('--max-semi-space-size=4');

    // The CLI announces its new key id to running API processes (their key id filters).
    const listener = new Redis(testRedisUrl());
    const announced: string[] = [];
    listener.on('message', (_channel: string, message: string) => announced.push(message));
    await listener.subscribe(`${e.KEYPLANE_REDIS_PREFIX}:ps:key-filter:add`);
    const boot = run(['src/cli/bootstrap.ts', '--org', 'Acme'], e);
    const code = await new Promise((r) => boot.child.on('exit', r));
    expect(code, boot.output()).toBe(0);
    const lines = boot.output().trim().split('\n');
    const line = JSON.parse(lines.at(-1)!);
    await expect.poll(() => announced).toEqual([JSON.stringify({ keyId: line.keyId })]);
    listener.disconnect();
    expect(Object.keys(line)).toEqual(['organizationId', 'userId', 'keyId', 'secret', 'token']);
    expect(line.token).toBe(`kp_sk_${line.keyId}_${line.secret}`);

    const res = await fetch(`http://127.0.0.1:${port}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${line.token}` },
      body: JSON.stringify({ query: '{ viewer { organization { name } } }' }),
    });
    expect(await res.json()).toEqual({ data: { viewer: { organization: { name: 'Acme' } } } });

    // The service runs as the runtime role start-up created, which owns nothing and cannot
    // disable the audit log's append-only triggers.
    const appUrl = new URL(e.DATABASE_URL!);
    appUrl.username = freshRole;
    const asApp = new pg.Client({ connectionString: appUrl.toString() });
    await asApp.connect();
    try {
      const { rows } = await asApp.query('select distinct usename from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()');
      expect(rows.map((r) => r.usename)).toContain(freshRole);
      const owner = await asApp.query("select tableowner from pg_tables where tablename = 'audit_entry'");
      expect(owner.rows[0].tableowner).not.toBe(freshRole);
      await expect(asApp.query('alter table audit_entry disable trigger all')).rejects.toThrow(/must be owner/);
      await expect(asApp.query('truncate audit_entry')).rejects.toThrow(/permission denied/);
    } finally {
      await asApp.end();
    }

    svc.child.kill('SIGTERM');
    const exit = await new Promise((r) => svc.child.on('exit', (c) => r(c)));
    expect(exit).toBe(0);
    expect(svc.output()).toContain('workers shutting down');
    expect(svc.output()).toContain('"msg":"shutting down"');
    // Nothing printed the secret: not the API log, not the workers log.
    expect(svc.output()).not.toContain(line.secret);
  }, 120_000);

  it('refuses to start with a bad configuration, naming the variable', async () => {
    const bad = run(['src/main.ts'], { ...env(1), PORT: 'eighty', NODE_ENV: 'production' });
    const code = await new Promise((r) => bad.child.on('exit', r));
    expect(code).toBe(2);
    expect(bad.output()).toMatch(/PORT/);
    expect(bad.output()).toMatch(/KEYPLANE_PEPPER: required in production/);
  }, 30_000);
});

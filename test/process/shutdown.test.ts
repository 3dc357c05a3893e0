import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.ts';
import { initORM } from '../../src/infra/orm.ts';
import { bootstrapOrganization } from '../../src/modules/bootstrap/bootstrap.service.ts';
import { testDatabaseUrl, testRedisPrefix, testRedisUrl } from '../context.ts';
import { freePort } from '../engines.ts';

/**
 * Issue 16, item 8: SIGTERM under keep-alive load. The API stops taking work at once (requests
 * that still arrive on kept-alive connections get 503 + Retry-After + Connection: close), answers
 * what it had accepted, and exits 0 within its grace: every create that was answered 200 is in
 * the database, and none that came after SIGTERM is.
 */
const root = new URL('../../', import.meta.url).pathname;
let child: ChildProcess;
let port: number;
let token: string;
let organizationId: string;
const prefix = `${testRedisPrefix()}:shutdown`;

beforeAll(async () => {
  port = await freePort();
  const env = {
    ...process.env,
    NODE_ENV: 'development',
    PORT: String(port),
    HOST: '127.0.0.1',
    DATABASE_URL: testDatabaseUrl(),
    REDIS_URL: testRedisUrl(),
    KEYPLANE_REDIS_PREFIX: prefix,
    KEYPLANE_LOG_LEVEL: 'warn',
  };
  const orm = await initORM(testDatabaseUrl(), { migrate: false });
  const org = await bootstrapOrganization(orm, loadConfig(env).pepper, `Shutdown ${Math.random().toString(36).slice(2, 8)}`);
  await orm.close(true);
  token = org.token;
  organizationId = org.organizationId;
  child = spawn(process.execPath, ['src/main.ts'], { cwd: root, env, stdio: ['ignore', 'ignore', 'inherit'] });
  const until = Date.now() + 20_000;
  for (;;) {
    const ok = await fetch(`http://127.0.0.1:${port}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (Date.now() > until) throw new Error('the API did not start');
    await new Promise((r) => setTimeout(r, 100));
  }
});
afterAll(() => {
  if (child.exitCode === null) child.kill('SIGKILL');
});

type Outcome = { sentAt: number; status: number | 'error'; name: string; connectionClose: boolean };

/** One createApiKey on a kept-alive connection of `agent`. */
function create(agent: http.Agent, name: string): Promise<Outcome> {
  const body = JSON.stringify({ query: `mutation($n: String!) { createApiKey(input: { name: $n }) { __typename } }`, variables: { n: name } });
  const sentAt = performance.now();
  return new Promise((resolve) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path: '/graphql',
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), authorization: `Bearer ${token}` },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ sentAt, status: res.statusCode ?? 0, name, connectionClose: res.headers.connection === 'close' }));
      },
    );
    req.on('error', () => resolve({ sentAt, status: 'error', name, connectionClose: true }));
    req.end(body);
  });
}

describe('SIGTERM under keep-alive load', () => {
  it('drains: answered creates are committed, none after SIGTERM is, and the process exits 0 in time', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
    const outcomes: Outcome[] = [];
    let stop = false;
    let n = 0;
    // Eight clients sending back to back on kept-alive connections.
    const clients = Array.from({ length: 8 }, async () => {
      while (!stop) {
        const o = await create(agent, `drain-${n++}`);
        outcomes.push(o);
        if (o.status === 'error' || o.status === 503) await new Promise((r) => setTimeout(r, 20));
      }
    });
    await new Promise((r) => setTimeout(r, 1500));
    const exited = new Promise<{ code: number | null; at: number }>((resolve) => child.once('exit', (code) => resolve({ code, at: performance.now() })));
    const termAt = performance.now();
    child.kill('SIGTERM');
    const exit = await exited;
    stop = true;
    await Promise.all(clients);
    agent.destroy();

    expect(exit.code).toBe(0);
    expect(exit.at - termAt).toBeLessThan(15_000);
    const ok = outcomes.filter((o) => o.status === 200);
    expect(ok.length).toBeGreaterThan(5);
    // Nothing sent after SIGTERM was served.
    expect(outcomes.filter((o) => o.status === 200 && o.sentAt > termAt + 50)).toEqual([]);
    // Every create answered 200 is committed; none beyond them is (no work accepted but unanswered).
    const pg = (await import('pg')).default;
    const db = new pg.Client({ connectionString: testDatabaseUrl() });
    await db.connect();
    const { rows } = await db.query<{ name: string }>(`select name from api_key where organization_id = $1 and name like 'drain-%'`, [organizationId]);
    await db.end();
    expect(rows.map((r) => r.name).sort()).toEqual(ok.map((o) => o.name).sort());
    // Refusals during the drain say so and close the connection.
    for (const o of outcomes.filter((x) => x.status === 503)) expect(o.connectionClose).toBe(true);
  });
});

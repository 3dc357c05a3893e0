import { freePort } from '../engines.ts';
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gql, seedOrg, startTestServer, type TestServer } from '../harness.ts';
import { CreateUser } from '../ops.ts';
import { createEndpoint, dropRedisNamespace, startEventWorkers, startReceiver, waitFor, webhookEnv, type HookReceiver } from '../webhooks/helpers.ts';

let server: TestServer;
let receiver: HookReceiver;
let answeredAt = 0;

beforeAll(async () => {
  server = await startTestServer({ config: webhookEnv('workers-process') });
  receiver = await startReceiver((_req, res) => {
    // Slow enough for the shutdown to begin while the request is in flight.
    setTimeout(() => {
      answeredAt = Date.now();
      res.end('ok');
    }, 1500);
  });
});
/** Killed whatever the test's outcome: a live child holds the run's output pipes open. */
const children: import('node:child_process').ChildProcess[] = [];
afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  await receiver.close();
  await server.close();
  await dropRedisNamespace(server.config);
});

describe('the workers process', () => {
  it('reports its health, and on SIGTERM finishes the delivery in flight before exiting', async () => {
    const port = await freePort();
    const child = spawn(process.execPath, ['workers/main.ts'], {
      env: {
        ...process.env,
        NODE_ENV: 'test',
        DATABASE_URL: server.config.databaseUrl,
        REDIS_URL: server.config.redisUrl,
        KEYPLANE_LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
        KEYPLANE_WEBHOOKS_ALLOW_LOOPBACK: 'true',
        HOST: '127.0.0.1',
        KEYPLANE_WORKERS_HEALTH_PORT: String(port),
        ...webhookEnv('workers-process'),
      },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    children.push(child);
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));

    // Health is a snapshot: a process starting on a loaded machine may answer 503 at first (a
    // probe past its 500 ms bound); it must become healthy (the last answer is in the failure).
    let last: { status: number; body: any } | null = null;
    const health = await waitFor(
      async () => {
        try {
          const res = await fetch(`http://127.0.0.1:${port}/healthz`);
          last = { status: res.status, body: (await res.json()) as any };
          return last.status === 200 ? last : null;
        } catch {
          return null;
        }
      },
      'a healthy answer',
      30_000,
      200,
    ).catch((err: Error) => {
      throw new Error(`${err.message}; last answer: ${JSON.stringify(last)}`);
    });
    expect(health.status).toBe(200);
    expect(health.body.problems).toBeUndefined();
    expect(health.body).toMatchObject({ status: 'ok', postgres: 'ok', redis: 'ok' });
    expect(health.body.workers.map((w: any) => w.name)).toEqual(expect.arrayContaining(['deliver-webhook']));
    // The relay runs outside BullMQ (woken by PostgreSQL); it reports as a check.
    await waitFor(async () => {
      const res = await fetch(`http://127.0.0.1:${port}/healthz`);
      return ((await res.json()) as any).checks?.['outbox-relay'] === true;
    }, 'the outbox relay check');
    expect(health.body.workers.every((w: any) => w.running)).toBe(true);
    expect(health.body.outbox).toMatchObject({ unrelayed: expect.any(Number) });

    const org = await seedOrg(server);
    const { webhookEndpoint } = await createEndpoint(server, org.token, { url: receiver.url, eventTypes: ['user.created'] });
    await gql(server, org.token, CreateUser, { input: { name: 'In flight', kind: 'HUMAN' } });
    await waitFor(() => receiver.hits.length === 1, 'the request', 15_000);
    child.kill('SIGTERM');
    const code = await exited;
    expect(code).toBe(0);
    expect(answeredAt).toBeGreaterThan(0);
    const [row] = await server.app.orm.em
      .fork()
      .getConnection()
      .execute<{ status: string; attempt_count: number }[]>('select status, attempt_count from delivery where endpoint_id = ?', [webhookEndpoint.id]);
    expect(row).toMatchObject({ status: 'SUCCEEDED', attempt_count: 1 });
  });
});

describe('the commit nudge', () => {
  it('relays an event right after its commit, long before the relay’s next tick', async () => {
    const env = webhookEnv('workers-nudge', { KEYPLANE_OUTBOX_INTERVAL_MS: '60000', KEYPLANE_DELIVERY_SWEEP_SECONDS: '3600' });
    const api = await startTestServer({ config: env });
    const workers = await startEventWorkers(api.config);
    const r = await startReceiver();
    try {
      const org = await seedOrg(api);
      await createEndpoint(api, org.token, { url: r.url, eventTypes: ['user.created'] });
      // The start-up tick has passed; from now on only nudges wake the relay for a minute.
      await new Promise((res) => setTimeout(res, 300));
      const started = Date.now();
      await gql(api, org.token, CreateUser, { input: { name: 'Nudged', kind: 'HUMAN' } });
      await waitFor(() => r.hits.length === 1, 'the delivery', 10_000, 10);
      expect(Date.now() - started).toBeLessThan(3000);
    } finally {
      await r.close();
      await workers.close();
      await api.close();
      await dropRedisNamespace(api.config);
    }
  });
});

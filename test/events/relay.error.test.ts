import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { workerModules } from '../../workers/registry.ts';
import { startWorkers } from '../../workers/runtime.ts';
import { createLogger } from '../../src/infra/logger.ts';
import { gql, seedOrg, startTestServer, type TestServer, workerOrm } from '../harness.ts';
import { CreateUser } from '../ops.ts';
import {
  createEndpoint,
  dropRedisNamespace,
  startEventWorkers,
  startReceiver,
  waitFor,
  webhookEnv,
  webhookHeaders,
  type HookReceiver,
} from '../webhooks/helpers.ts';

/**
 * What must survive: Redis losing everything before or after the relay, and a worker process
 * dying in the middle of a request. Each case checks the receiver got the event, signed, with
 * one webhook-id.
 */

let server: TestServer;
const receivers: HookReceiver[] = [];
const stops: (() => Promise<void>)[] = [];

beforeAll(async () => {
  server = await startTestServer({ config: webhookEnv('relay-error') });
});
afterEach(async () => {
  await Promise.all(stops.splice(0).map((s) => s()));
});
afterAll(async () => {
  await Promise.all(receivers.map((r) => r.close()));
  await server.close();
  await dropRedisNamespace(server.config);
});

async function receiver(answer?: Parameters<typeof startReceiver>[0]) {
  const r = await startReceiver(answer);
  receivers.push(r);
  return r;
}

async function deliveryRow(endpointId: string) {
  const rows = await server.app.orm.em
    .fork()
    .getConnection()
    .execute<{ status: string; attempt_count: number; msg_id: string; event_id: string }[]>(
      'select status, attempt_count, msg_id, event_id from delivery where endpoint_id = ?',
      [endpointId],
    );
  return rows[0] ?? null;
}

async function eventRelayed(eventId: string): Promise<boolean> {
  const [row] = await server.app.orm.em.fork().getConnection().execute<{ relayed_at: Date | null }[]>('select relayed_at from event where id = ?', [eventId]);
  return !!row?.relayed_at;
}

async function userCreatedEventId(organizationId: string, name: string): Promise<string> {
  const [row] = await server.app.orm.em
    .fork()
    .getConnection()
    .execute<{ id: string }[]>(`select id from event where organization_id = ? and type = 'user.created' and data->'user'->>'name' = ?`, [
      organizationId,
      name,
    ]);
  return row!.id;
}

describe('outbox relay and deliveries under failure', () => {
  it('delivers an event committed before Redis was wiped, once the relay runs', async () => {
    const org = await seedOrg(server);
    const r = await receiver();
    const { secret, webhookEndpoint } = await createEndpoint(server, org.token, { url: r.url, eventTypes: ['user.created'] });
    await gql(server, org.token, CreateUser, { input: { name: 'Before the wipe', kind: 'HUMAN' } });
    const eventId = await userCreatedEventId(org.organizationId, 'Before the wipe');
    expect(await eventRelayed(eventId)).toBe(false); // no worker runs yet
    await dropRedisNamespace(server.config); // every queue is gone

    const workers = await startEventWorkers(server.config);
    stops.push(() => workers.close());
    await waitFor(async () => (await deliveryRow(webhookEndpoint.id))?.status === 'SUCCEEDED', 'the delivery');
    expect(r.hits).toHaveLength(1);
    expect(r.hits[0]!.headers['webhook-id']).toBe(eventId);
    expect(new Webhook(secret).verify(r.hits[0]!.body, webhookHeaders(r.hits[0]!))).toMatchObject({ id: eventId, type: 'user.created' });
    expect(await eventRelayed(eventId)).toBe(true);
  });

  it('re-creates delivery jobs that Redis lost after the relay handed them over', async () => {
    const org = await seedOrg(server);
    const r = await receiver();
    const { secret, webhookEndpoint } = await createEndpoint(server, org.token, { url: r.url, eventTypes: ['user.created'] });
    // Only the relay runs: the event becomes a Delivery row and a job nobody takes.
    const log = createLogger(server.config.logLevel);
    const relay = await startWorkers(server.config, {
      orm: await workerOrm(server.config, 'workers'),
      log,
      modules: workerModules.filter((m) => m.name === 'outbox-relay'),
    });
    await gql(server, org.token, CreateUser, { input: { name: 'Lost job', kind: 'HUMAN' } });
    const eventId = await userCreatedEventId(org.organizationId, 'Lost job');
    await waitFor(() => eventRelayed(eventId), 'the relay');
    await relay.close();
    expect((await deliveryRow(webhookEndpoint.id))?.status).toBe('PENDING');
    await dropRedisNamespace(server.config);

    const workers = await startEventWorkers(server.config);
    stops.push(() => workers.close());
    await waitFor(async () => (await deliveryRow(webhookEndpoint.id))?.status === 'SUCCEEDED', 'the re-created delivery', 20_000);
    expect(r.hits).toHaveLength(1);
    expect(new Webhook(secret).verify(r.hits[0]!.body, webhookHeaders(r.hits[0]!))).toMatchObject({ id: eventId });
  });

  it('delivers with the same webhook-id after the worker process is killed mid-request', async () => {
    const org = await seedOrg(server);
    let held: (() => void) | null = null;
    const r = await receiver((_req, res) => {
      // The first request is never answered: its worker dies while waiting.
      if (r.hits.length === 1) held = () => res.destroy();
      else res.writeHead(200).end('second time lucky');
    });
    const { secret, webhookEndpoint } = await createEndpoint(server, org.token, { url: r.url, eventTypes: ['user.created'] });

    const child = spawnWorkers(server);
    stops.push(async () => void child.kill('SIGKILL'));
    await gql(server, org.token, CreateUser, { input: { name: 'Crash test', kind: 'HUMAN' } });
    await waitFor(() => r.hits.length === 1, 'the first request from the child worker', 30_000);
    process.kill(child.pid!, 'SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    // The attempt was on record before the request left (issue 16, item 11).
    expect((await deliveryRow(webhookEndpoint.id))?.attempt_count).toBe(1);

    // A fresh worker takes the stalled job over once its lock (2 s here) has lapsed.
    const workers = await startEventWorkers(server.config);
    stops.push(() => workers.close());
    await waitFor(async () => (await deliveryRow(webhookEndpoint.id))?.status === 'SUCCEEDED', 'the delivery after the crash', 20_000);
    (held as (() => void) | null)?.();
    expect(r.hits).toHaveLength(2);
    const [first, second] = r.hits as [(typeof r.hits)[0], (typeof r.hits)[0]];
    expect(second.headers['webhook-id']).toBe(first.headers['webhook-id']);
    expect(second.body).toBe(first.body);
    for (const hit of [first, second]) expect(new Webhook(secret).verify(hit.body, webhookHeaders(hit))).toMatchObject({ type: 'user.created' });
    expect(await deliveryRow(webhookEndpoint.id)).toMatchObject({ status: 'SUCCEEDED', attempt_count: 2, msg_id: first.headers['webhook-id'] });
    // Both sends show in the delivery log: the one the killed worker never finished, then the success.
    const attempts = await server.app.orm.em
      .fork()
      .getConnection()
      .execute<{ attempt: number; success: boolean; error_code: string | null; status_code: number | null }[]>(
        'select a.attempt, a.success, a.error_code, a.status_code from delivery_attempt a join delivery d on d.id = a.delivery_id where d.endpoint_id = ? order by a.attempt',
        [webhookEndpoint.id],
      );
    expect(attempts).toEqual([
      { attempt: 1, success: false, error_code: 'IN_FLIGHT', status_code: null },
      { attempt: 2, success: true, error_code: null, status_code: 200 },
    ]);
  });
});

/** The real workers entry point as its own process (as `npm start` runs it). */
function spawnWorkers(s: TestServer): ChildProcess {
  const env = {
    ...process.env,
    NODE_ENV: 'test',
    DATABASE_URL: s.config.databaseUrl,
    REDIS_URL: s.config.redisUrl,
    KEYPLANE_LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    KEYPLANE_WEBHOOKS_ALLOW_LOOPBACK: 'true',
    KEYPLANE_WORKERS_HEALTH_PORT: '0',
    ...webhookEnv('relay-error'),
  };
  // One process (Node runs the TypeScript itself), so SIGKILL hits the worker itself.
  const child = spawn(process.execPath, ['workers/main.ts'], { env, stdio: ['ignore', 'inherit', 'inherit'] });
  return child;
}

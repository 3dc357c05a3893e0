import type { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createQueue } from '../../src/jobs/define-job.ts';
import { deliverWebhookJob } from '../../src/jobs/deliver-webhook.job.ts';
import { createLogger } from '../../src/infra/logger.ts';
import { RedisEventTarget } from '../../src/infra/pubsub.ts';
import { eventTopic, relayOutboxBatch, type RelayDeps, type StreamEvent } from '../../src/modules/events/outbox-relay.ts';
import { gql, seedOrg, startTestServer, type TestServer } from '../harness.ts';
import { CreateUser } from '../ops.ts';
import { createEndpoint, dropRedisNamespace, webhookEnv } from '../webhooks/helpers.ts';

/**
 * The relay pass itself, driven by hand (no worker running): order, idempotence, and that a
 * failure before the end leaves the rows for the next pass.
 */
let server: TestServer;
let publisher: Redis;
let subscriber: Redis;
let target: RedisEventTarget;
let deliveries: Queue;
let deps: RelayDeps;

beforeAll(async () => {
  server = await startTestServer({ config: webhookEnv('relay-happy') });
  publisher = new Redis(server.config.redisUrl, { maxRetriesPerRequest: null });
  subscriber = new Redis(server.config.redisUrl);
  target = new RedisEventTarget(publisher, subscriber, server.config.redisPrefix);
  deliveries = createQueue(deliverWebhookJob, publisher, server.config);
  deps = { pubsub: target, deliveries, config: server.config, log: createLogger('silent') };
});
afterAll(async () => {
  await deliveries.close();
  subscriber.disconnect();
  publisher.disconnect();
  await server.close();
  await dropRedisNamespace(server.config);
});

async function drain() {
  for (;;) {
    const r = await relayOutboxBatch(server.app.orm.em.fork(), deps);
    if (!r || r.events < server.config.outboxBatchSize) return;
  }
}

async function sql<T>(query: string, params: unknown[] = []): Promise<T[]> {
  return server.app.orm.em.fork().getConnection().execute<T[]>(query, params);
}

describe('outbox relay pass', () => {
  it('publishes events in commit order, makes one delivery job per matching endpoint carrying its events, then marks them relayed', async () => {
    await drain();
    const org = await seedOrg(server);
    const a = await createEndpoint(server, org.token, { url: 'http://127.0.0.1:9/a', eventTypes: ['user.created'] });
    const b = await createEndpoint(server, org.token, { url: 'http://127.0.0.1:9/b', eventTypes: ['user.*'] });
    await createEndpoint(server, org.token, { url: 'http://127.0.0.1:9/c', eventTypes: ['role.*'] });
    const seen: StreamEvent[] = [];
    target.addEventListener(eventTopic(org.organizationId), (e) => seen.push(e.detail as StreamEvent));
    await new Promise((r) => setTimeout(r, 100));
    for (const name of ['one', 'two', 'three']) await gql(server, org.token, CreateUser, { input: { name, kind: 'HUMAN' } });

    await drain();
    await new Promise((r) => setTimeout(r, 200));
    const users = seen.filter((e) => e.type === 'user.created').map((e) => (e.data as any).user.name);
    // The bootstrap's owner came first; nothing relays while no worker runs, so this pass saw it.
    expect(users).toEqual(['Owner', 'one', 'two', 'three']);
    expect(seen.every((e) => e.organizationPath === org.organizationId)).toBe(true);

    const rows = await sql<{ endpoint_id: string; event_id: string; msg_id: string; batch_job_id: string | null }>(
      `select d.endpoint_id, d.event_id, d.msg_id, d.batch_job_id from delivery d join event e on e.id = d.event_id
        where d.organization_id = ? order by e.seq`,
      [org.organizationId],
    );
    // Three user events after the endpoints existed, each for the two user endpoints; none for role.*.
    expect(rows).toHaveLength(6);
    expect(new Set(rows.map((r) => r.endpoint_id))).toEqual(new Set([a.webhookEndpoint.id, b.webhookEndpoint.id]));
    expect(rows.every((r) => r.msg_id === r.event_id)).toBe(true);
    // One job per endpoint carries its three first attempts, in commit order; each row names it.
    for (const endpoint of [a, b]) {
      const mine = rows.filter((r) => r.endpoint_id === endpoint.webhookEndpoint.id);
      expect(new Set(mine.map((r) => r.batch_job_id)).size).toBe(1);
      const job = await deliveries.getJob(mine[0]!.batch_job_id!);
      expect(job?.data).toEqual({ endpointId: endpoint.webhookEndpoint.id, batch: mine.map((r) => ({ eventId: r.event_id, round: 0 })) });
    }
    const jobsBefore = await deliveries.getJobCounts('waiting');
    const [{ n }] = (await sql<{ n: string }>('select count(*) as n from event where organization_id = ? and relayed_at is null', [org.organizationId])) as [
      { n: string },
    ];
    expect(Number(n)).toBe(0);

    // Running again changes nothing: no event is left, no delivery is doubled.
    await sql('update event set relayed_at = null where organization_id = ?', [org.organizationId]);
    await drain();
    expect(await sql('select 1 from delivery where organization_id = ?', [org.organizationId])).toHaveLength(6);
    // The same batches, the same job ids: BullMQ holds no second copy.
    expect((await deliveries.getJobCounts('waiting')).waiting).toBe(jobsBefore.waiting);
  });

  it('leaves the rows unrelayed and creates no delivery when publishing fails', async () => {
    await drain();
    const org = await seedOrg(server);
    const { webhookEndpoint } = await createEndpoint(server, org.token, { url: 'http://127.0.0.1:9/a', eventTypes: ['user.created'] });
    await gql(server, org.token, CreateUser, { input: { name: 'Unlucky', kind: 'HUMAN' } });
    const broken: RelayDeps = { ...deps, pubsub: { publish: () => Promise.reject(new Error('redis is down')) } as never };
    await expect(relayOutboxBatch(server.app.orm.em.fork(), broken)).rejects.toThrow('redis is down');
    const pending = await sql<{ id: string }>('select id from event where organization_id = ? and relayed_at is null', [org.organizationId]);
    expect(pending.length).toBeGreaterThan(0);
    expect(await sql('select 1 from delivery where endpoint_id = ?', [webhookEndpoint.id])).toHaveLength(0);

    await drain();
    expect(await sql('select 1 from event where organization_id = ? and relayed_at is null', [org.organizationId])).toHaveLength(0);
    expect(await sql('select 1 from delivery where endpoint_id = ?', [webhookEndpoint.id])).toHaveLength(1);
  });
});

import type { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/infra/logger.ts';
import { createQueue } from '../../src/jobs/define-job.ts';
import { batchJobId, deliverWebhookJob } from '../../src/jobs/deliver-webhook.job.ts';
import { deliveryJobs, sweepDeliveries, type RelayDeps } from '../../src/modules/events/outbox-relay.ts';
import { deliverToEndpoint, type DeliveryDeps, runDelivery } from '../../src/modules/webhooks/delivery.service.ts';
import { gql, ownerSql, seedOrg, startTestServer, success, type TestServer } from '../harness.ts';
import { createEndpoint, dropRedisNamespace, type HookReceiver, startReceiver, webhookEnv } from './helpers.ts';
import { UpdateWebhookEndpoint } from './ops.ts';

/**
 * Issue 20: first attempts to one endpoint travel in batch jobs (one read, one claim statement,
 * parallel requests, one success statement). A delivery carried by two jobs is sent once; the
 * sweep looks for a batched delivery's job before re-creating it; what must wait (retry, rate
 * limit) moves to delayed jobs of its own.
 */
let server: TestServer;
let connection: Redis;
let queue: Queue;
let deps: DeliveryDeps;
const receivers: HookReceiver[] = [];

beforeAll(async () => {
  // No workers here: every job is run by hand.
  server = await startTestServer({ config: webhookEnv('wh-batch', { KEYPLANE_WEBHOOK_RETRY_SCHEDULE: '30s' }) });
  connection = new Redis(server.config.redisUrl, { maxRetriesPerRequest: null });
  queue = createQueue(deliverWebhookJob, connection, server.config);
  deps = { config: server.config, now: () => new Date(), log: createLogger('silent'), redis: connection, deliveries: queue };
});
afterAll(async () => {
  await Promise.all(receivers.map((r) => r.close()));
  await queue.close();
  connection.disconnect();
  await server.close();
  await dropRedisNamespace(server.config);
});

let seq = 0;
/** `n` events of the organisation and their PENDING deliveries to the endpoint, as the relay leaves them. */
async function pendingDeliveries(organizationId: string, endpointId: string, n: number): Promise<string[]> {
  const run = `${Date.now().toString(36)}${(seq++).toString(36)}`.padStart(10, '0').slice(-10);
  const ids = Array.from({ length: n }, (_, i) => `evt_${run}${String(i).padStart(10, '0')}`);
  await ownerSql(
    `insert into event (id, type, organization_id, occurred_at, data, relayed_at)
     select id, 'user.created', $1, now(), jsonb_build_object('i', ord), now() from unnest($2::text[]) with ordinality as t(id, ord)`,
    [organizationId, ids],
  );
  await ownerSql(
    `insert into delivery (id, organization_id, endpoint_id, event_id, event_type, msg_id, status, next_attempt_at)
     select 'dlv_' || substr(id, 5), $1, $2, id, 'user.created', id, 'PENDING', now() from unnest($3::text[]) as t(id)`,
    [organizationId, endpointId, ids],
  );
  return ids;
}

async function receiver(answer?: Parameters<typeof startReceiver>[0]) {
  const r = await startReceiver(answer);
  receivers.push(r);
  return r;
}

async function statuses(endpointId: string) {
  const rows = await ownerSql<{ status: string; n: string }>(`select status, count(*) as n from delivery where endpoint_id = $1 group by status`, [endpointId]);
  return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
}

describe('batched deliveries', () => {
  it('sends a batch of 60 as 60 signed messages, records every attempt and success, and no message twice when a second job carries some', async () => {
    const org = await seedOrg(server);
    const r = await receiver();
    const created = await createEndpoint(server, org.token, { url: r.url, eventTypes: ['user.created'] });
    const endpointId = created.webhookEndpoint.id;
    const ids = await pendingDeliveries(org.organizationId, endpointId, 60);
    const batch = ids.map((eventId) => ({ eventId, round: 0 }));
    // The batch and, at the same time, single jobs for ten of the same deliveries (a sweep that
    // re-created jobs it thought lost): each delivery is claimed once.
    const outcomes = await Promise.all([
      runDelivery(deps, server.app.orm.em.fork(), null, { endpointId, batch }),
      ...ids.slice(0, 10).map((eventId) => runDelivery(deps, server.app.orm.em.fork(), null, { eventId, endpointId, round: 0 })),
    ]);
    expect(outcomes[0]).toBe('succeeded');
    expect(r.hits).toHaveLength(60);
    expect(new Set(r.hits.map((h) => h.headers['webhook-id']))).toEqual(new Set(ids));
    const verifier = new Webhook(created.secret);
    for (const hit of r.hits) expect(() => verifier.verify(hit.body, hit.headers as Record<string, string>)).not.toThrow();
    expect(await statuses(endpointId)).toEqual({ SUCCEEDED: 60 });
    const attempts = await ownerSql<{ attempt: number; success: boolean; status_code: number }>(
      `select a.attempt, a.success, a.status_code from delivery_attempt a join delivery d on d.id = a.delivery_id where d.endpoint_id = $1`,
      [endpointId],
    );
    expect(attempts).toHaveLength(60);
    expect(attempts.every((a) => a.attempt === 1 && a.success && a.status_code === 200)).toBe(true);

    // Run again: all done, nothing sent.
    await runDelivery(deps, server.app.orm.em.fork(), null, { endpointId, batch });
    expect(r.hits).toHaveLength(60);
  });

  it('hands failed ones to delayed jobs of their own; the successes of the same batch are done', async () => {
    const org = await seedOrg(server);
    // Every third message is refused.
    const r = await receiver((_req, res, hit) => {
      const i = (JSON.parse(hit.body) as { data: { i: number } }).data.i;
      res.writeHead(i % 3 === 0 ? 500 : 204).end();
    });
    const { webhookEndpoint } = await createEndpoint(server, org.token, { url: r.url, eventTypes: ['user.created'] });
    const ids = await pendingDeliveries(org.organizationId, webhookEndpoint.id, 30);
    await runDelivery(deps, server.app.orm.em.fork(), null, { endpointId: webhookEndpoint.id, batch: ids.map((eventId) => ({ eventId, round: 0 })) });
    expect(await statuses(webhookEndpoint.id)).toEqual({ SUCCEEDED: 20, PENDING: 10 });
    const failed = ids.filter((_, i) => (i + 1) % 3 === 0);
    for (const eventId of failed) {
      const job = await queue.getJob(`${eventId}.${webhookEndpoint.id}`);
      expect(job, eventId).toBeTruthy();
      expect(await job!.getState()).toBe('delayed');
      // Due when the row says (the 30 s schedule, jitter ±20 %).
      expect(job!.delay).toBeGreaterThan(20_000);
    }
    const rows = await ownerSql<{ n: string }>(
      `select count(*) as n from delivery where endpoint_id = $1 and next_attempt_at > now() + interval '20 seconds'`,
      [webhookEndpoint.id],
    );
    expect(Number(rows[0]!.n)).toBe(10);
  });

  it('sends only what the endpoint’s per-second limit allows and gives the rest a time in the next second', async () => {
    const org = await seedOrg(server);
    const r = await receiver();
    const { webhookEndpoint } = await createEndpoint(server, org.token, { url: r.url, eventTypes: ['user.created'], maxDeliveriesPerSecond: 5 });
    const ids = await pendingDeliveries(org.organizationId, webhookEndpoint.id, 20);
    // Away from a second's edge, so both calls share one window.
    await new Promise((res) => setTimeout(res, 1000 - (Date.now() % 1000) + 20));
    const first = await deliverToEndpoint(
      deps,
      server.app.orm.em.fork(),
      webhookEndpoint.id,
      ids.slice(0, 12).map((eventId) => ({ eventId, round: 0 })),
      {
        schedule: true,
      },
    );
    const second = await deliverToEndpoint(
      deps,
      server.app.orm.em.fork(),
      webhookEndpoint.id,
      ids.slice(12).map((eventId) => ({ eventId, round: 0 })),
      {
        schedule: true,
      },
    );
    const sent = [...first, ...second].filter((o) => o.outcome === 'succeeded');
    const later = [...first, ...second].filter((o) => o.outcome === 'later');
    expect(sent).toHaveLength(5);
    expect(r.hits).toHaveLength(5);
    expect(later).toHaveLength(15);
    const nextSecond = (Math.floor(Date.now() / 1000) + 1) * 1000;
    for (const o of later) expect(o.at! - nextSecond).toBeLessThan(1200);
  });

  it('fails the whole batch in one statement when the endpoint was disabled, sending nothing', async () => {
    const org = await seedOrg(server);
    const r = await receiver();
    const { webhookEndpoint } = await createEndpoint(server, org.token, { url: r.url, eventTypes: ['user.created'] });
    const ids = await pendingDeliveries(org.organizationId, webhookEndpoint.id, 5);
    await ownerSql(`update webhook_endpoint set enabled = false where id = $1`, [webhookEndpoint.id]);
    await runDelivery(deps, server.app.orm.em.fork(), null, { endpointId: webhookEndpoint.id, batch: ids.map((eventId) => ({ eventId, round: 0 })) });
    expect(r.hits).toHaveLength(0);
    expect(await statuses(webhookEndpoint.id)).toEqual({ FAILED: 5 });
  });

  it('the sweep leaves a batched delivery to its waiting batch job, and re-creates it once that job is lost', async () => {
    const org = await seedOrg(server);
    const { webhookEndpoint } = await createEndpoint(server, org.token, { url: 'http://127.0.0.1:9/in', eventTypes: ['user.created'] });
    const ids = await pendingDeliveries(org.organizationId, webhookEndpoint.id, 4);
    // As the relay leaves them: one batch job, named on each row; the attempt overdue.
    const { jobs, carried } = deliveryJobs(
      ids.map((event_id) => ({ event_id, endpoint_id: webhookEndpoint.id, round: 0 })),
      100,
    );
    expect(jobs).toHaveLength(1);
    const jobId = batchJobId(
      webhookEndpoint.id,
      ids.map((eventId) => ({ eventId })),
    );
    expect(new Set(carried.job)).toEqual(new Set([jobId]));
    await queue.addBulk(jobs);
    await ownerSql(`update delivery set batch_job_id = $2, next_attempt_at = now() - interval '1 hour' where endpoint_id = $1`, [webhookEndpoint.id, jobId]);
    const relayDeps: RelayDeps = { pubsub: server.app.pubsub, deliveries: queue, config: server.config, log: createLogger('silent') };
    const sweepMine = async () => {
      // Other organisations' deliveries of this file are settled: the sweep covers the database.
      await ownerSql(`update delivery set status = 'FAILED', next_attempt_at = null where status = 'PENDING' and endpoint_id <> $1`, [webhookEndpoint.id]);
      return sweepDeliveries(server.app.orm.em.fork(), relayDeps);
    };
    expect(await sweepMine()).toEqual({ requeued: 0, failed: 0 });
    for (const eventId of ids) expect(await queue.getJob(`${eventId}.${webhookEndpoint.id}`)).toBeUndefined();

    // An attempt in flight (made within the sweep period) is not re-created either.
    await queue.remove(jobId);
    await ownerSql(`update delivery set in_flight_until = now() + interval '1 minute' where event_id = $1`, [ids[0]]);
    expect(await sweepMine()).toEqual({ requeued: 3, failed: 0 });
    for (const eventId of ids.slice(1)) expect(await queue.getJob(`${eventId}.${webhookEndpoint.id}`)).toBeTruthy();
    expect(await sweepMine()).toEqual({ requeued: 0, failed: 0 });
  });

  it('a lone delivery keeps its own job; a rotated secret signs a whole batch with both secrets', async () => {
    const org = await seedOrg(server);
    const r = await receiver();
    const created = await createEndpoint(server, org.token, { url: r.url, eventTypes: ['user.created'] });
    const id = created.webhookEndpoint.id;
    const { jobs } = deliveryJobs([{ event_id: 'evt_00000000000000000001', endpoint_id: id, round: 0 }], 100);
    expect(jobs.map((j) => j.opts.jobId)).toEqual([`evt_00000000000000000001.${id}`]);
    const { jobs: cut } = deliveryJobs(
      Array.from({ length: 250 }, (_, i) => ({ event_id: `evt_${String(i).padStart(20, '0')}`, endpoint_id: id, round: 0 })),
      100,
    );
    expect(cut.map((j) => ('batch' in j.data ? j.data.batch.length : 1))).toEqual([100, 100, 50]);

    const rotated = success(
      (await gql(server, org.token, UpdateWebhookEndpoint, { input: { id, rotateSecret: true, secretOverlapSeconds: 3600 } })).data?.updateWebhookEndpoint,
      'UpdateWebhookEndpointSuccess',
    );
    const newSecret = rotated.secret;
    expect(newSecret).toMatch(/^whsec_/);
    const ids = await pendingDeliveries(org.organizationId, id, 8);
    await runDelivery(deps, server.app.orm.em.fork(), null, { endpointId: id, batch: ids.map((eventId) => ({ eventId, round: 0 })) });
    expect(r.hits).toHaveLength(8);
    for (const secret of [created.secret, newSecret!]) {
      const v = new Webhook(secret);
      for (const hit of r.hits) expect(() => v.verify(hit.body, hit.headers as Record<string, string>)).not.toThrow();
    }
  });
});

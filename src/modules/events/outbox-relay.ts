import type { EntityManager } from '@mikro-orm/postgresql';
import type { Queue } from 'bullmq';
import type { Config } from '../../config/config.ts';
import type { Logger } from '../../infra/logger.ts';
import type { RedisEventTarget } from '../../infra/pubsub.ts';
import { batchJobId, deliveryJob } from '../../jobs/deliver-webhook.job.ts';
import { withinOrFail } from '../../lib/deadline.ts';
import { newId } from '../../lib/ids.ts';
import { pathIds } from '../principal/key-record.ts';
import { endpointWants, type EndpointRoute } from './event-filter.ts';
import type { EventType } from './event.types.ts';

/** Pub/sub routing key of the event stream; an event is published under each ancestor-or-self org. */
export const EVENT_STREAM_TOPIC = 'events:org';
export const eventTopic = (organizationId: string) => `${EVENT_STREAM_TOPIC}:${organizationId}`;

/** What subscribers receive over pub/sub: the event plus where its organisation sits in the tree. */
export type StreamEvent = {
  id: string;
  type: EventType;
  occurredAt: string;
  organizationId: string;
  organizationPath: string;
  keyId: string | null;
  data: Record<string, unknown>;
};

type EventRow = {
  seq: string;
  id: string;
  type: EventType;
  organization_id: string;
  key_id: string | null;
  occurred_at: Date;
  data: Record<string, unknown>;
  path: string;
};
type EndpointRow = { id: string; organization_id: string; event_types: string[]; include_sub_accounts: boolean; created_at: Date };
type PendingRow = { event_id: string; endpoint_id: string; round: number };

// Any constant: only one relay transaction at a time, so events leave in seq order.
export const RELAY_LOCK = 7_146_340_001;

export type RelayDeps = {
  pubsub: RedisEventTarget;
  deliveries: Queue;
  config: Pick<Config, 'outboxBatchSize' | 'deliverySweepMs' | 'webhookBatchSize'>;
  log: Logger;
};

/**
 * One batch of the transactional outbox, in one transaction: lock the oldest unrelayed event rows
 * (skip locked), create the Delivery rows for every matching enabled endpoint (idempotent on
 * event + endpoint), publish each event to pub/sub, enqueue one job per delivery (deterministic
 * ids), and only then mark the rows relayed. Any failure rolls the marks back and the next pass
 * does it all again, which the unique keys and job ids make harmless: nothing is lost when Redis
 * is, and nothing is sent twice. Returns null when another relay holds the lock.
 */
export async function relayOutboxBatch(em: EntityManager, deps: RelayDeps): Promise<{ events: number; deliveries: number } | null> {
  return em.transactional(async (tx) => {
    const conn = tx.getConnection();
    const ctx = tx.getTransactionContext();
    const [lock] = await conn.execute<{ locked: boolean }[]>('select pg_try_advisory_xact_lock(?) as locked', [RELAY_LOCK], 'all', ctx);
    if (!lock?.locked) return null;
    const events = await conn.execute<EventRow[]>(
      `select e.seq, e.id, e.type, e.organization_id, e.key_id, e.occurred_at, e.data, o.path
         from event e join organization o on o.id = e.organization_id
        where e.relayed_at is null
        order by e.seq
        limit ?
          for update of e skip locked`,
      [deps.config.outboxBatchSize],
      'all',
      ctx,
    );
    if (events.length === 0) return { events: 0, deliveries: 0 };

    const orgIds = [...new Set(events.flatMap((e) => pathIds(e.path)))];
    const endpoints = await conn.execute<EndpointRow[]>(
      `select id, organization_id, event_types, include_sub_accounts, created_at from webhook_endpoint
        where enabled and deleted_at is null and organization_id = any(array[?]::text[])`,
      [orgIds],
      'all',
      ctx,
    );
    const routes = endpoints.map((r) => ({
      route: { id: r.id, organizationId: r.organization_id, eventTypes: r.event_types, includeSubAccounts: r.include_sub_accounts } satisfies EndpointRoute,
      since: new Date(r.created_at).getTime(),
    }));
    const cols = { id: [] as string[], org: [] as string[], endpoint: [] as string[], event: [] as string[], type: [] as string[], at: [] as string[] };
    for (const e of events) {
      for (const { route: r, since } of routes) {
        // An endpoint gets what happened after it was created, however late the relay runs.
        if (new Date(e.occurred_at).getTime() < since || !endpointWants(r, e.type, e.path)) continue;
        cols.id.push(newId('delivery'));
        cols.org.push(r.organizationId);
        cols.endpoint.push(r.id);
        cols.event.push(e.id);
        cols.type.push(e.type);
        cols.at.push(new Date(e.occurred_at).toISOString());
      }
    }
    if (cols.id.length) {
      // msg_id (the webhook-id) is the event id: the same on every retry and replay.
      // A delivery lives in its event's month (event_occurred_at), so both leave together.
      await conn.execute(
        `insert into delivery (id, organization_id, endpoint_id, event_id, event_type, msg_id, status, next_attempt_at, event_occurred_at)
         select d.id, d.org, d.endpoint, d.event, d.type, d.event, 'PENDING', now(), d.at::timestamptz
           from unnest(array[?]::text[], array[?]::text[], array[?]::text[], array[?]::text[], array[?]::text[], array[?]::text[]) as d(id, org, endpoint, event, type, at)
         on conflict (event_id, endpoint_id, event_occurred_at) do nothing`,
        [cols.id, cols.org, cols.endpoint, cols.event, cols.type, cols.at],
        'run',
        ctx,
      );
    }
    // Also picks up deliveries a rolled-back earlier pass could not enqueue.
    const pending = await conn.execute<PendingRow[]>(
      `select d.event_id, d.endpoint_id, d.round from delivery d join event e on e.id = d.event_id
        where d.event_id = any(array[?]::text[]) and d.status = 'PENDING' order by e.seq, d.endpoint_id`,
      [events.map((e) => e.id)],
      'all',
      ctx,
    );

    // Redis's part (publish, enqueue) is bounded: while Redis is away the pass rolls back at once
    // (the lock and the connection freed) instead of holding both for the whole outage.
    const published = Promise.all(
      events.flatMap((e) => {
        const message: StreamEvent = {
          id: e.id,
          type: e.type,
          occurredAt: new Date(e.occurred_at).toISOString(),
          organizationId: e.organization_id,
          organizationPath: e.path,
          keyId: e.key_id,
          data: e.data,
        };
        return pathIds(e.path).map((orgId) => deps.pubsub.publish(eventTopic(orgId), message));
      }),
    );
    // One job per endpoint and batch (its first attempts sent together), one job for a lone delivery.
    const { jobs, carried } = deliveryJobs(pending, deps.config.webhookBatchSize);
    if (carried.event.length) {
      // The sweep finds a batched delivery's job by this id before re-creating a lost one.
      await conn.execute(
        `update delivery d set batch_job_id = c.job from unnest(array[?]::text[], array[?]::text[], array[?]::text[]) as c(event, endpoint, job)
          where d.event_id = c.event and d.endpoint_id = c.endpoint`,
        [carried.event, carried.endpoint, carried.job],
        'run',
        ctx,
      );
    }
    const enqueued = jobs.length ? deps.deliveries.addBulk(jobs) : null;
    await withinOrFail(Promise.all([published, enqueued]), REDIS_STEP_MS, 'Redis did not take the events in time');

    await conn.execute('update event set relayed_at = now() where seq = any(array[?]::bigint[])', [events.map((e) => e.seq)], 'run', ctx);
    return { events: events.length, deliveries: pending.length };
  });
}

/** How long a relay pass waits for Redis to take its events before it rolls back (job ids and event ids make a late arrival harmless). */
const REDIS_STEP_MS = 5_000;

/** The jobs for pending deliveries: batches of up to `size` per endpoint (in event order), a lone one alone. */
export function deliveryJobs(pending: readonly PendingRow[], size: number) {
  const byEndpoint = new Map<string, PendingRow[]>();
  for (const p of pending) {
    const list = byEndpoint.get(p.endpoint_id);
    if (list) list.push(p);
    else byEndpoint.set(p.endpoint_id, [p]);
  }
  const jobs: ReturnType<typeof deliveryJob>[] = [];
  const carried = { event: [] as string[], endpoint: [] as string[], job: [] as string[] };
  for (const [endpointId, rows] of byEndpoint) {
    for (let i = 0; i < rows.length; i += size) {
      const chunk = rows.slice(i, i + size);
      if (chunk.length === 1) {
        const p = chunk[0]!;
        jobs.push(deliveryJob({ eventId: p.event_id, endpointId, round: p.round }));
        continue;
      }
      const batch = chunk.map((p) => ({ eventId: p.event_id, round: p.round }));
      jobs.push(deliveryJob({ endpointId, batch }));
      const id = batchJobId(endpointId, batch);
      for (const p of chunk) {
        carried.event.push(p.event_id);
        carried.endpoint.push(endpointId);
        carried.job.push(id);
      }
    }
  }
  return { jobs, carried };
}

/**
 * Re-creates the job of any delivery that should have been attempted a while ago but has no job:
 * Redis was flushed or lost after the relay. A job BullMQ gave up on (the handler crashed every
 * time) marks its delivery failed instead of looping.
 */
export async function sweepDeliveries(
  em: EntityManager,
  deps: RelayDeps,
  opts: { batch?: number; max?: number } = {},
): Promise<{ requeued: number; failed: number }> {
  const batch = opts.batch ?? 500;
  const max = opts.max ?? 50_000;
  const conn = em.getConnection();
  let requeued = 0;
  let failed = 0;
  let seen = 0;
  let after: { at: string; eventId: string; endpointId: string } | null = null;
  // Every overdue delivery in one sweep, a batch at a time (keyset on the pending index's order),
  // with one concurrent round of Redis lookups and one addBulk per batch: N lost jobs come back in
  // seconds, where one lookup and one add per row and 200 rows a minute took N/200 minutes.
  while (seen < max) {
    // The cursor's time travels as text: full microsecond precision, whatever the driver parses.
    // An attempt still in flight (its claim not lapsed) has a live job, not a lost one.
    const rows: (PendingRow & { at: string; batch_job_id: string | null; round_attempts: number })[] = await conn.execute(
      `select event_id, endpoint_id, round, next_attempt_at::text as at, batch_job_id, round_attempts from delivery
        where status = 'PENDING' and next_attempt_at < now() - (? * interval '1 millisecond')
          and (in_flight_until is null or in_flight_until < now())
          ${after ? 'and (next_attempt_at, event_id, endpoint_id) > (?::timestamptz, ?, ?)' : ''}
        order by next_attempt_at, event_id, endpoint_id limit ?`,
      [deps.config.deliverySweepMs, ...(after ? [after.at, after.eventId, after.endpointId] : []), batch],
    );
    if (rows.length === 0) break;
    seen += rows.length;
    const jobs = rows.map((row) => deliveryJob({ eventId: row.event_id, endpointId: row.endpoint_id, round: row.round }));
    // A delivery's own job, and the batch job that carries its first attempt (if any, and not yet made).
    const [existing, batches] = await Promise.all([
      Promise.all(jobs.map((job) => deps.deliveries.getJob(job.opts.jobId))),
      Promise.all(rows.map((row) => (row.batch_job_id && row.round === 0 && row.round_attempts === 0 ? deps.deliveries.getJob(row.batch_job_id) : null))),
    ]);
    const [states, batchStates] = await Promise.all([
      Promise.all(existing.map((job) => job?.getState() ?? null)),
      Promise.all(batches.map((job) => job?.getState() ?? null)),
    ]);
    const alive = (state: string | null) => state !== null && state !== 'completed' && state !== 'failed' && state !== 'unknown';
    const missing: typeof jobs = [];
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i]!;
      if (states[i] === 'failed') {
        // BullMQ gave up on the job (the handler crashed every time): the delivery fails instead of looping.
        await conn.execute(
          `update delivery set status = 'FAILED', next_attempt_at = null, last_error = ?, updated_at = now()
            where event_id = ? and endpoint_id = ? and round = ? and status = 'PENDING'`,
          [`worker gave up: ${String(existing[i]!.failedReason ?? 'unknown').slice(0, 500)}`, row.event_id, row.endpoint_id, row.round],
        );
        failed++;
        continue;
      }
      if (alive(states[i]) || alive(batchStates[i])) continue;
      // A job that completed while its delivery is still due (it was skipped) is replaced, not trusted.
      if (states[i] === 'completed') await existing[i]!.remove().catch(() => {});
      missing.push(jobs[i]!);
    }
    if (missing.length) await deps.deliveries.addBulk(missing);
    requeued += missing.length;
    const last = rows[rows.length - 1]!;
    after = { at: last.at, eventId: last.event_id, endpointId: last.endpoint_id };
    if (rows.length < batch) break;
  }
  if (requeued || failed) deps.log.warn({ requeued, failed }, 'delivery sweep repaired pending deliveries');
  return { requeued, failed };
}

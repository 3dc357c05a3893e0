/**
 * The delivery state machine: one attempt of one event to one endpoint, its record, its retry
 * schedule and the disabling of an endpoint that keeps failing. The workers process runs it
 * (workers/deliver-webhook.worker.ts is only its BullMQ wiring).
 */
import type { Config } from '../../config/config.ts';
import type { Logger } from '../../infra/logger.ts';
import type { RedisClient } from '../../infra/redis.ts';
import type { EntityManager } from '@mikro-orm/postgresql';
import { DelayedError, type Job, type Queue } from 'bullmq';
import { deliverAction, keyEventTrigger, nextAttemptDelayMs, type DeliveryResult } from '../../../connectors/webhook/index.ts';
import { runAction } from '../../../connectors/webhook/connector-model.ts';
import { type DeliverWebhookPayload, deliveryJob } from '../../jobs/deliver-webhook.job.ts';
import { newId } from '../../lib/ids.ts';
import { recordAudit } from '../audit/audit.service.ts';
import { recordEvent } from '../events/event.service.ts';
import type { EventJson, EventType } from '../events/event.types.ts';
import { notifyFromEvent } from '../notifications/notification.service.ts';
import type { DisabledReason } from '../../db/entities/webhook-endpoint.entity.ts';
import { WebhookEndpoint } from '../../db/entities/webhook-endpoint.entity.ts';
import { endpointJson, signingSecrets } from './webhook.service.ts';

const ERROR_TEXT = 500;

/** What delivery attempts need from their process: configuration, clock, logger, Redis, and the queue for waits a batch hands on. */
export type DeliveryDeps = { config: Config; now: () => Date; log: Logger; redis: RedisClient; deliveries?: Queue };

/**
 * How many of `n` attempts an endpoint with a per-second limit may take now: a counter per
 * endpoint and second in Redis, shared by every workers process. When Redis cannot answer, the
 * attempts go ahead (the queue itself needs Redis; a limit is no reason to stall).
 */
async function withinEndpointRate(deps: DeliveryDeps, endpoint: WebhookEndpoint, n: number): Promise<{ count: number; nextSecond: number }> {
  const limit = endpoint.maxDeliveriesPerSecond;
  const second = Math.floor(Date.now() / 1000);
  const nextSecond = (second + 1) * 1000;
  if (!limit || n === 0) return { count: n, nextSecond };
  const key = `${deps.config.redisPrefix}:whrate:${endpoint.id}:${second}`;
  try {
    const replies = await deps.redis.multi().incrby(key, n).pexpire(key, 2000).exec();
    const total = Number(replies?.[0]?.[1] ?? 0);
    // This call's share of what the second still had room for.
    return { count: Math.max(0, Math.min(n, limit - (total - n))), nextSecond };
  } catch {
    return { count: n, nextSecond };
  }
}

export type DeliveryOutcome = 'succeeded' | 'retry' | 'failed' | 'disabled' | 'skipped';

function describe(r: DeliveryResult): string | null {
  if (r.ok) return null;
  if (r.error) return `${r.error.code}: ${r.error.message}`.slice(0, ERROR_TEXT);
  return `HTTP ${r.status}`;
}

type Item = { eventId: string; round: number };
/** One carried delivery as read with its event: `d_*` null when the row does not exist yet. */
type Row = {
  event_id: string;
  e_type: string;
  e_occurred_at: Date;
  e_organization_id: string;
  e_data: Record<string, unknown>;
  d_id: string | null;
  d_status: string | null;
  d_round: number | null;
  d_round_attempts: number | null;
  d_next_attempt_at: Date | null;
  d_in_flight_until: Date | null;
  d_msg_id: string | null;
};
type Claimed = { deliveryId: string; attemptId: string; roundAttempts: number; msgId: string; row: Row; item: Item };

/** What became of one carried delivery; `at` (epoch ms) says when to try again for `later` and `retry`. */
export type ItemOutcome = { eventId: string; round: number; outcome: DeliveryOutcome | 'later'; at?: number };

/** A claim outlives its request's timeout by this much (signing, a wait for a pooled socket, the database). */
const CLAIM_MARGIN_MS = 5_000;

/** How many requests of one job are in flight to the endpoint at once (the pool's sockets per host), and recorded together. */
const SENDS_PER_JOB = 32;

async function readRows(em: EntityManager, endpointId: string, eventIds: string[]): Promise<Row[]> {
  return em.getConnection().execute<Row[]>(
    `select e.id as event_id, e.type as e_type, e.occurred_at as e_occurred_at, e.organization_id as e_organization_id, e.data as e_data,
            d.id as d_id, d.status as d_status, d.round as d_round, d.round_attempts as d_round_attempts,
            d.next_attempt_at as d_next_attempt_at, d.in_flight_until as d_in_flight_until, d.msg_id as d_msg_id
       from event e left join delivery d on d.event_id = e.id and d.endpoint_id = ?
      where e.id = any(array[?]::text[])`,
    [endpointId, eventIds],
  );
}

/**
 * Sends any number of events to one endpoint, each its own signed message, as one unit of work:
 * one read of the events and their delivery rows, one statement claiming every attempt (recorded
 * IN_FLIGHT before the requests leave, so a worker killed mid-request leaves the attempt in the
 * log), the requests in parallel on the endpoint's kept-alive connections, and one statement for
 * every success. Failures take the retry/disable path one by one (they are the rare case).
 *
 * A claim is a compare-and-set on the delivery's status, round and attempts in the round: when two
 * jobs carry the same delivery (a sweep re-created a job the relay had batched), only one sends.
 * With `schedule`, deliveries not due yet and those over the endpoint's per-second limit come back
 * as `later` instead of being sent; the caller decides how to wait (the job itself, or new jobs).
 */
export async function deliverToEndpoint(
  deps: DeliveryDeps,
  em: EntityManager,
  endpointId: string,
  items: readonly Item[],
  opts: { schedule: boolean },
): Promise<ItemOutcome[]> {
  const { config } = deps;
  const out = new Map<string, ItemOutcome>(items.map((i) => [i.eventId, { ...i, outcome: 'skipped' }]));
  const result = () => [...out.values()];
  const [endpoint, firstRows] = await Promise.all([
    em.findOne(WebhookEndpoint, { id: endpointId }, { populate: ['secretSealed', 'previousSecretSealed'] }),
    readRows(
      em,
      endpointId,
      items.map((i) => i.eventId),
    ),
  ]);
  if (!endpoint) return result();
  let rows = firstRows;
  // Rows the relay's rolled-back transaction never committed: created here (waiting on the relay's
  // uncommitted insert of the same pair, if any), then read again.
  const missing = rows.filter((r) => r.d_id === null);
  if (missing.length) {
    await em.getConnection().execute(
      `insert into delivery (id, organization_id, endpoint_id, event_id, event_type, msg_id, status, next_attempt_at, event_occurred_at)
       select m.id, ?, ?, m.event, m.type, m.event, 'PENDING', now(), m.at::timestamptz
         from unnest(array[?]::text[], array[?]::text[], array[?]::text[], array[?]::text[]) as m(id, event, type, at)
       on conflict (event_id, endpoint_id, event_occurred_at) do nothing`,
      [
        endpoint.organizationId,
        endpoint.id,
        missing.map(() => newId('delivery')),
        missing.map((r) => r.event_id),
        missing.map((r) => r.e_type),
        missing.map((r) => new Date(r.e_occurred_at).toISOString()),
      ],
    );
    const again = new Map(
      (
        await readRows(
          em,
          endpointId,
          missing.map((r) => r.event_id),
        )
      ).map((r) => [r.event_id, r]),
    );
    rows = rows.map((r) => again.get(r.event_id) ?? r);
  }
  const roundOf = new Map(items.map((i) => [i.eventId, i.round]));
  let live = rows.filter((r) => r.d_id !== null && r.d_status === 'PENDING' && r.d_round === roundOf.get(r.event_id));
  if (live.length === 0) return result();

  if (endpoint.deletedAt || !endpoint.enabled) {
    await em
      .getConnection()
      .execute(
        `update delivery set status = 'FAILED', next_attempt_at = null, last_error = ?, updated_at = now() where id = any(array[?]::text[]) and status = 'PENDING'`,
        [endpoint.deletedAt ? 'endpoint deleted' : 'endpoint disabled', live.map((r) => r.d_id!)],
      );
    return result();
  }

  // An attempt another job has in flight: try again once its claim has lapsed (it is cleared
  // when that attempt's answer is recorded, and then this one finds the delivery done or rescheduled).
  const nowMs = Date.now();
  live = live.filter((r) => {
    const until = r.d_in_flight_until ? new Date(r.d_in_flight_until).getTime() : 0;
    if (until <= nowMs) return true;
    out.set(r.event_id, { eventId: r.event_id, round: r.d_round!, outcome: 'later', at: until + 100 });
    return false;
  });
  if (live.length === 0) return result();

  if (opts.schedule) {
    const soon = Date.now() + 1000;
    const due: Row[] = [];
    for (const r of live) {
      const at = r.d_next_attempt_at ? new Date(r.d_next_attempt_at).getTime() : 0;
      if (at > soon) out.set(r.event_id, { eventId: r.event_id, round: r.d_round!, outcome: 'later', at });
      else due.push(r);
    }
    // Over the endpoint's per-second limit: the rest wait for the next second (a little spread).
    const allowed = await withinEndpointRate(deps, endpoint, due.length);
    for (const r of due.slice(allowed.count))
      out.set(r.event_id, { eventId: r.event_id, round: r.d_round!, outcome: 'later', at: allowed.nextSecond + Math.floor(Math.random() * 200) });
    live = due.slice(0, allowed.count);
    if (live.length === 0) return result();
  }

  // The attempts are on record before the requests leave, each claimed on its row: the claim
  // holds for the request's timeout and some (signing, a wait for a pooled socket).
  const startedAt = deps.now();
  const claimUntil = new Date(startedAt.getTime() + config.webhookTimeoutMs + CLAIM_MARGIN_MS);
  const claimedRows = await em.getConnection().execute<{ delivery_id: string; attempt_id: string; round_attempts: number }[]>(
    `with claimed as (
       update delivery d set attempt_count = d.attempt_count + 1, round_attempts = d.round_attempts + 1, last_attempt_at = ?, updated_at = ?, in_flight_until = ?
         from jsonb_to_recordset(cast(? as jsonb)) as x(id text, round int, round_attempts int)
        where d.id = x.id and d.status = 'PENDING' and d.round = x.round and d.round_attempts = x.round_attempts
          and (d.in_flight_until is null or d.in_flight_until < ?)
        returning d.id, d.attempt_count, d.round, d.round_attempts, d.event_occurred_at
     ), attempt as (
       insert into delivery_attempt (delivery_id, attempt, round, attempted_at, status_code, duration_ms, success, error_code, error_message, event_occurred_at)
       select c.id, c.attempt_count, c.round, ?, null, 0, false, 'IN_FLIGHT', 'sent; no answer recorded (the worker stopped mid-request if this stays)',
              c.event_occurred_at
         from claimed c
       returning id, delivery_id
     )
     select a.delivery_id, a.id as attempt_id, c.round_attempts from attempt a join claimed c on c.id = a.delivery_id`,
    [
      startedAt,
      startedAt,
      claimUntil,
      JSON.stringify(live.map((r) => ({ id: r.d_id, round: r.d_round, round_attempts: r.d_round_attempts }))),
      startedAt,
      startedAt,
    ],
  );
  const byDelivery = new Map(live.map((r) => [r.d_id!, r]));
  const claimed: Claimed[] = claimedRows.map((c) => {
    const row = byDelivery.get(c.delivery_id)!;
    return {
      deliveryId: c.delivery_id,
      attemptId: String(c.attempt_id),
      roundAttempts: c.round_attempts,
      msgId: row.d_msg_id!,
      row,
      item: { eventId: row.event_id, round: row.d_round! },
    };
  });
  if (claimed.length === 0) return result();

  const secrets = signingSecrets(config, endpoint, deps.now());
  const network = {
    allowLoopback: config.webhooksAllowLoopback && !config.production,
    production: config.production,
    allowPrivate: config.webhooksAllowPrivate,
  };
  const send = async (c: Claimed): Promise<DeliveryResult> => {
    const event: EventJson = {
      id: c.row.event_id,
      type: c.row.e_type as EventType,
      occurredAt: new Date(c.row.e_occurred_at).toISOString(),
      organizationId: c.row.e_organization_id,
      data: c.row.e_data,
    };
    const body = await keyEventTrigger.run({ auth: undefined, event });
    return runAction(deliverAction, {
      auth: undefined,
      props: { url: endpoint.url, secrets, msgId: c.msgId, body, timeoutMs: config.webhookTimeoutMs },
      network,
    });
  };
  // Sent and recorded a slice at a time (as many requests as go out at once): a worker killed
  // mid-batch leaves at most one slice sent but unrecorded, sent again with the same webhook-id.
  for (let from = 0; from < claimed.length; from += SENDS_PER_JOB) {
    const slice = claimed.slice(from, from + SENDS_PER_JOB);
    const results = await Promise.all(slice.map(send));
    const at = deps.now();
    const ok = slice.flatMap((c, i) => (results[i]!.ok ? [{ c, r: results[i]! }] : []));
    if (ok.length) {
      // Every success in one statement: the attempts, the deliveries, the endpoint healed.
      await em.getConnection().execute(
        `with r as (
           select * from jsonb_to_recordset(cast(? as jsonb)) as r(attempt_id bigint, delivery_id text, status_code int, duration_ms int, excerpt text)
         ), attempt as (
           update delivery_attempt a set status_code = r.status_code, duration_ms = r.duration_ms, success = true, response_excerpt = r.excerpt, error_code = null, error_message = null
             from r where a.id = r.attempt_id
         ), healed as (
           update webhook_endpoint set failing_since = null where id = ? and failing_since is not null
         )
         update delivery d set status = 'SUCCEEDED', succeeded_at = ?, next_attempt_at = null, in_flight_until = null, last_status_code = r.status_code, last_error = null, updated_at = ?
           from r where d.id = r.delivery_id`,
        [
          JSON.stringify(
            ok.map(({ c, r }) => ({
              attempt_id: c.attemptId,
              delivery_id: c.deliveryId,
              status_code: r.status || null,
              duration_ms: r.durationMs,
              excerpt: r.bodyExcerpt || null,
            })),
          ),
          endpoint.id,
          at,
          at,
        ],
      );
      for (const { c } of ok) out.set(c.item.eventId, { ...c.item, outcome: 'succeeded' });
    }
    for (let i = 0; i < slice.length; i++) {
      const r = results[i]!;
      if (r.ok) continue;
      const c = slice[i]!;
      out.set(c.item.eventId, { ...c.item, ...(await recordFailure(deps, em, endpoint, c, r, at)) });
    }
  }
  return result();
}

/** The failed attempt, the delivery's next state and any disabling of the endpoint, in one transaction. */
async function recordFailure(
  deps: DeliveryDeps,
  em: EntityManager,
  endpoint: WebhookEndpoint,
  c: Claimed,
  result: DeliveryResult,
  at: Date,
): Promise<{ outcome: DeliveryOutcome; at?: number }> {
  const { config } = deps;
  let lastError = describe(result);
  let outcome: DeliveryOutcome;
  let nextAttemptAt: Date | null = null;
  let disable: DisabledReason | null = null;
  await em.begin();
  try {
    const conn = em.getConnection();
    const tx = em.getTransactionContext();
    await conn.execute(
      'update delivery_attempt set status_code = ?, duration_ms = ?, success = false, response_excerpt = ?, error_code = ?, error_message = ? where id = ?',
      [
        result.status || null,
        result.durationMs,
        result.bodyExcerpt || null,
        result.error?.code ?? null,
        result.error?.message.slice(0, ERROR_TEXT) ?? null,
        c.attemptId,
      ],
      'all',
      tx,
    );
    if (result.gone) {
      outcome = 'disabled';
      disable = 'GONE';
    } else if (result.noRetry) {
      // The receiver declined this message for good; it says nothing about the endpoint's health.
      outcome = 'failed';
      lastError = `${describe(result)}: the receiver asked not to retry (Webhook-No-Retry)`.slice(0, ERROR_TEXT);
    } else {
      const [row] = await conn.execute<{ failing_since: Date }[]>(
        'update webhook_endpoint set failing_since = coalesce(failing_since, ?) where id = ? returning failing_since',
        [at, endpoint.id],
        'all',
        tx,
      );
      const failingFor = at.getTime() - new Date(row!.failing_since).getTime();
      const delay = nextAttemptDelayMs(c.roundAttempts, config.webhookRetryScheduleMs, 0.2, result.retryAfterSeconds);
      if (failingFor >= config.webhookDisableAfterMs) {
        outcome = 'disabled';
        disable = 'FAILING';
      } else if (delay === null) {
        outcome = 'failed';
      } else {
        outcome = 'retry';
        nextAttemptAt = new Date(at.getTime() + delay);
      }
    }
    await conn.execute(
      `update delivery set status = ?, next_attempt_at = ?, in_flight_until = null, last_status_code = ?, last_error = ?, updated_at = ? where id = ?`,
      [outcome === 'retry' ? 'PENDING' : 'FAILED', nextAttemptAt, result.status || null, lastError, at, c.deliveryId],
      'all',
      tx,
    );
    if (disable) {
      const changed = await conn.execute<{ id: string }[]>(
        `update webhook_endpoint set enabled = false, disabled_reason = ?, disabled_at = ?, updated_at = ? where id = ? and enabled returning id`,
        [disable, at, at, endpoint.id],
        'all',
        tx,
      );
      // Only the attempt that actually disabled it says so (others may race on the same endpoint).
      if (changed.length) {
        const json = { ...endpointJson(endpoint), enabled: false, disabledReason: disable };
        const reason =
          disable === 'GONE' ? 'the receiver answered 410 Gone' : `failing for ${Math.round(config.webhookDisableAfterMs / 3_600_000)} h without a success`;
        // The organisation's admins hear of it in the console too (a notification, same commit).
        notifyFromEvent(
          em,
          recordEvent(em, { type: 'webhook_endpoint.disabled', organizationId: endpoint.organizationId, data: { webhookEndpoint: json, reason } }),
        );
        recordAudit(em, null, {
          organizationId: endpoint.organizationId,
          action: 'webhook_endpoint.disabled',
          targetType: 'WebhookEndpoint',
          targetId: endpoint.id,
          changes: { enabled: { old: true, new: false }, disabledReason: { old: null, new: disable } },
        });
      }
    }
    await em.commit();
  } catch (err) {
    await em.rollback();
    throw err;
  }
  return nextAttemptAt ? { outcome, at: nextAttemptAt.getTime() } : { outcome };
}

/**
 * One job of the delivery queue. A single delivery (retries, replays, sweeps) waits in its own
 * job: not due yet, over the endpoint's rate, or retrying later, the job moves itself to delayed
 * (its id stays the pair's). A batch (the relay's first attempts of one endpoint's events) hands
 * what must wait to single jobs of their own, delayed to their time, in one round trip.
 */
export async function runDelivery(deps: DeliveryDeps, em: EntityManager, job: Job | null, payload: DeliverWebhookPayload): Promise<DeliveryOutcome> {
  if ('batch' in payload) {
    const outcomes = await deliverToEndpoint(deps, em, payload.endpointId, payload.batch, { schedule: job !== null });
    const waiting = outcomes.filter((o) => (o.outcome === 'later' || o.outcome === 'retry') && o.at !== undefined);
    if (waiting.length && deps.deliveries) {
      const now = Date.now();
      await deps.deliveries.addBulk(
        waiting.map((o) => deliveryJob({ eventId: o.eventId, endpointId: payload.endpointId, round: o.round }, { delay: Math.max(0, o.at! - now) })),
      );
    }
    // A batch as a whole: succeeded when every claimed delivery did (the per-delivery truth is in the rows).
    return outcomes.every((o) => o.outcome === 'succeeded' || o.outcome === 'skipped') ? 'succeeded' : 'retry';
  }
  const [o] = await deliverToEndpoint(deps, em, payload.endpointId, [payload], { schedule: job !== null });
  if (job && (o!.outcome === 'later' || o!.outcome === 'retry') && o!.at !== undefined) {
    await job.moveToDelayed(o!.at, job.token);
    throw new DelayedError();
  }
  return o!.outcome === 'later' ? 'retry' : (o!.outcome as DeliveryOutcome);
}

/**
 * The delivery state machine: one attempt of one event to one endpoint, its record, its retry
 * schedule and the disabling of an endpoint that keeps failing. The workers process runs it
 * (workers/deliver-webhook.worker.ts is only its BullMQ wiring).
 */
import type { Config } from '../../config/config.ts';
import type { Logger } from '../../infra/logger.ts';
import type { Redis } from 'ioredis';
import type { EntityManager } from '@mikro-orm/postgresql';
import { DelayedError, type Job } from 'bullmq';
import { deliverAction, keyEventTrigger, nextAttemptDelayMs, type DeliveryResult } from '../../../connectors/webhook/index.ts';
import { runAction } from '../../../connectors/_sdk/index.ts';
import { newId } from '../../lib/ids.ts';
import { recordAudit } from '../audit/audit.service.ts';
import { EventRecord } from '../events/event.entity.ts';
import { recordEvent, toEventJson } from '../events/event.service.ts';
import { notifyFromEvent } from '../notifications/notification.service.ts';
import { Delivery } from './delivery.entity.ts';
import type { DisabledReason } from './webhook-endpoint.entity.ts';
import { WebhookEndpoint } from './webhook-endpoint.entity.ts';
import { endpointJson, signingSecrets } from './webhook.service.ts';

const ERROR_TEXT = 500;

/** What one delivery attempt needs from its process: configuration, clock, logger. */
export type DeliveryDeps = { config: Config; now: () => Date; log: Logger; redis: Redis };

/**
 * Whether an endpoint with a per-second limit may take one more attempt now: a counter per
 * endpoint and second in Redis, shared by every workers process. When Redis cannot answer, the
 * attempt goes ahead (the queue itself needs Redis; a limit is no reason to stall).
 */
async function withinEndpointRate(deps: DeliveryDeps, endpoint: WebhookEndpoint): Promise<number | null> {
  const limit = endpoint.maxDeliveriesPerSecond;
  if (!limit) return null;
  const second = Math.floor(Date.now() / 1000);
  const key = `${deps.config.redisPrefix}:whrate:${endpoint.id}:${second}`;
  try {
    const replies = await deps.redis.multi().incr(key).pexpire(key, 2000).exec();
    const count = Number(replies?.[0]?.[1] ?? 0);
    return count > limit ? (second + 1) * 1000 : null;
  } catch {
    return null;
  }
}

export type DeliveryOutcome = 'succeeded' | 'retry' | 'failed' | 'disabled' | 'skipped';

function describe(r: DeliveryResult): string | null {
  if (r.ok) return null;
  if (r.error) return `${r.error.code}: ${r.error.message}`.slice(0, ERROR_TEXT);
  return `HTTP ${r.status}`;
}

/** Finds the delivery row of the pair, creating it when the relay's transaction rolled back after enqueueing. */
async function loadDelivery(em: EntityManager, event: EventRecord, endpoint: WebhookEndpoint): Promise<Delivery> {
  const found = await em.findOne(Delivery, { eventId: event.id, endpointId: endpoint.id });
  if (found) return found;
  // Waits on the relay's uncommitted insert of the same pair, if any, then sees its row.
  await em.getConnection().execute(
    `insert into delivery (id, organization_id, endpoint_id, event_id, event_type, msg_id, status, next_attempt_at)
     values (?, ?, ?, ?, ?, ?, 'PENDING', now()) on conflict (event_id, endpoint_id) do nothing`,
    [newId('delivery'), endpoint.organizationId, endpoint.id, event.id, event.type, event.id],
  );
  return em.findOneOrFail(Delivery, { eventId: event.id, endpointId: endpoint.id });
}

/**
 * One attempt of one delivery, idempotent per job: a delivery that is done, or a job of an older
 * replay round, is skipped; a job that runs before its row's next attempt time waits again.
 * The attempt, the delivery's new state and any endpoint disabling commit together; retries are
 * scheduled by moving this same job to delayed, so its id stays the pair's.
 */
export async function runDelivery(
  deps: DeliveryDeps,
  em: EntityManager,
  job: Job | null,
  payload: { eventId: string; endpointId: string; round: number },
): Promise<DeliveryOutcome> {
  const { config } = deps;
  const [event, endpoint, existing] = await Promise.all([
    em.findOne(EventRecord, { id: payload.eventId }),
    em.findOne(WebhookEndpoint, { id: payload.endpointId }, { populate: ['secretSealed', 'previousSecretSealed'] }),
    em.findOne(Delivery, { eventId: payload.eventId, endpointId: payload.endpointId }),
  ]);
  if (!event || !endpoint) return 'skipped';
  const delivery = existing ?? (await loadDelivery(em, event, endpoint));
  if (delivery.status !== 'PENDING' || delivery.round !== payload.round) return 'skipped';
  if (job && delivery.nextAttemptAt && delivery.nextAttemptAt.getTime() > Date.now() + 1000) {
    await job.moveToDelayed(delivery.nextAttemptAt.getTime(), job.token);
    throw new DelayedError();
  }
  if (endpoint.deletedAt || !endpoint.enabled) {
    delivery.status = 'FAILED';
    delivery.nextAttemptAt = null;
    delivery.lastError = endpoint.deletedAt ? 'endpoint deleted' : 'endpoint disabled';
    await em.flush();
    return 'skipped';
  }

  // Over the endpoint's per-second limit: wait for the next second (a little spread), no attempt made.
  const waitUntil = job ? await withinEndpointRate(deps, endpoint) : null;
  if (job && waitUntil !== null) {
    await job.moveToDelayed(waitUntil + Math.floor(Math.random() * 200), job.token);
    throw new DelayedError();
  }
  const body = await keyEventTrigger.run({ auth: undefined, event: toEventJson(event) });
  // The attempt is on record before the request leaves: a worker killed mid-request leaves it
  // IN_FLIGHT in the delivery log (the receiver may have the message), and the retry is the next one.
  const startedAt = deps.now();
  const [started] = await em.getConnection().execute<{ id: string }[]>(
    `with attempt as (
       insert into delivery_attempt (delivery_id, attempt, round, attempted_at, status_code, duration_ms, success, error_code, error_message)
       values (?, ?, ?, ?, null, 0, false, 'IN_FLIGHT', 'sent; no answer recorded (the worker stopped mid-request if this stays)')
       returning id
     ), counted as (
       update delivery set attempt_count = attempt_count + 1, round_attempts = round_attempts + 1, last_attempt_at = ?, updated_at = ? where id = ?
     )
     select id from attempt`,
    [delivery.id, delivery.attemptCount + 1, delivery.round, startedAt, startedAt, startedAt, delivery.id],
  );
  const attemptId = started!.id;
  delivery.attemptCount += 1;
  delivery.roundAttempts += 1;
  delivery.lastAttemptAt = startedAt;
  const result = await runAction(deliverAction, {
    auth: undefined,
    props: { url: endpoint.url, secrets: signingSecrets(config, endpoint, deps.now()), msgId: delivery.msgId, body, timeoutMs: config.webhookTimeoutMs },
    network: { allowLoopback: config.webhooksAllowLoopback && !config.production, production: config.production, allowPrivate: config.webhooksAllowPrivate },
  });

  const at = deps.now();
  const attempt = {
    statusCode: result.status || null,
    durationMs: result.durationMs,
    responseExcerpt: result.bodyExcerpt || null,
    errorCode: result.error?.code ?? null,
    errorMessage: result.error?.message.slice(0, ERROR_TEXT) ?? null,
  };
  if (result.ok) {
    // The common case in one statement (one round trip): the attempt, the delivery, the endpoint healed.
    await em.getConnection().execute(
      `with attempt as (
         update delivery_attempt set status_code = ?, duration_ms = ?, success = true, response_excerpt = ?, error_code = null, error_message = null where id = ?
       ), healed as (
         update webhook_endpoint set failing_since = null where id = ? and failing_since is not null
       )
       update delivery set status = 'SUCCEEDED', succeeded_at = ?, next_attempt_at = null, last_status_code = ?, last_error = null, updated_at = ?
        where id = ?`,
      [attempt.statusCode, attempt.durationMs, attempt.responseExcerpt, attemptId, endpoint.id, at, attempt.statusCode, at, delivery.id],
    );
    return 'succeeded';
  }

  delivery.lastStatusCode = attempt.statusCode;
  delivery.lastError = describe(result);

  let outcome: DeliveryOutcome;
  let disable: DisabledReason | null = null;
  await em.begin();
  try {
    const conn = em.getConnection();
    const tx = em.getTransactionContext();
    await conn.execute(
      'update delivery_attempt set status_code = ?, duration_ms = ?, success = false, response_excerpt = ?, error_code = ?, error_message = ? where id = ?',
      [attempt.statusCode, attempt.durationMs, attempt.responseExcerpt, attempt.errorCode, attempt.errorMessage, attemptId],
      'all',
      tx,
    );
    if (result.gone) {
      outcome = 'disabled';
      disable = 'GONE';
    } else if (result.noRetry) {
      // The receiver declined this message for good; it says nothing about the endpoint's health.
      outcome = 'failed';
      delivery.lastError = `${describe(result)}: the receiver asked not to retry (Webhook-No-Retry)`.slice(0, ERROR_TEXT);
    } else {
      const [row] = await conn.execute<{ failing_since: Date }[]>(
        'update webhook_endpoint set failing_since = coalesce(failing_since, ?) where id = ? returning failing_since',
        [at, endpoint.id],
        'all',
        tx,
      );
      const failingFor = at.getTime() - new Date(row!.failing_since).getTime();
      const delay = nextAttemptDelayMs(delivery.roundAttempts, config.webhookRetryScheduleMs, 0.2, result.retryAfterSeconds);
      if (failingFor >= config.webhookDisableAfterMs) {
        outcome = 'disabled';
        disable = 'FAILING';
      } else if (delay === null) {
        outcome = 'failed';
      } else {
        outcome = 'retry';
        delivery.nextAttemptAt = new Date(at.getTime() + delay);
      }
    }
    if (outcome === 'failed' || outcome === 'disabled') {
      delivery.status = 'FAILED';
      delivery.nextAttemptAt = null;
    }
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
  if (outcome === 'retry' && job) {
    await job.moveToDelayed(delivery.nextAttemptAt!.getTime(), job.token);
    throw new DelayedError();
  }
  return outcome;
}

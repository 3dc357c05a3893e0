import { randomUUID } from 'node:crypto';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { RedisClient } from './infra/redis.ts';
import type { Config } from './config/config.ts';
import { createLogger, type Logger } from './infra/logger.ts';
import { createMetrics, type Metrics } from './infra/metrics.ts';
import { openDatabase } from './infra/orm.ts';
import { RedisEventTarget } from './infra/pubsub.ts';
import { ReadRouter } from './infra/read-router.ts';
import { createRedis } from './infra/redis.ts';
import { JobClient } from './jobs/job-client.ts';
import { consoleSessionActive } from './modules/console/console-auth.ts';
import { EventStream } from './modules/stream/event-stream.ts';
import { envelope, InvalidationBus, readEnvelope } from './modules/verification/invalidation-bus.ts';
import { INVALIDATION_TOPIC, KeyCache, type Invalidation } from './modules/verification/key-cache.ts';
import { announceNewKeys, KEY_ADDED_TOPIC, KeyIdFilter } from './modules/verification/key-id-filter.ts';
import { KeyVerifier } from './modules/verification/verifier.ts';
import { RedisUsageLimiter } from './modules/usage/usage-limiter.ts';
import { PgUsageSink } from './modules/usage/usage-sink.ts';
import type { AppDeps } from './modules/service-context.ts';

export type App = {
  deps: AppDeps;
  orm: MikroORM;
  redis: RedisClient;
  pubsub: RedisEventTarget;
  metrics: Metrics;
  /** Usage metering buffer; `flush()` writes it to PostgreSQL now (tests, shutdown). */
  usage: PgUsageSink;
  close(): Promise<void>;
};

export type AppOptions = {
  log?: Logger;
  migrate?: boolean;
  now?: () => number;
  /**
   * A database the caller opened and keeps (migrations are then the caller's business, and
   * `close()` leaves it open): several apps in one process (tests, an embedding host) share one
   * pool instead of opening connections each.
   */
  orm?: MikroORM;
};

/**
 * Composition root for the API process: ORM, Redis (commands + a subscriber), the key cache
 * with cross-replica invalidation, the verifier. Workers build their own from the same parts.
 */
export async function createApp(config: Config, opts: AppOptions = {}): Promise<App> {
  const log = opts.log ?? createLogger(config.logLevel);
  const orm = opts.orm ?? (await openDatabase(config, { migrate: opts.migrate ?? true }));
  // Connection names carry the prefix: `CLIENT LIST` tells deployments sharing a Redis apart.
  const redis = createRedis(config, `api:${config.redisPrefix}`);
  const subscriber = createRedis(config, `api-sub:${config.redisPrefix}`);
  // Counted from the start: a listener added later would take the first reconnect for the connect.
  let subscriberReadyCount = 0;
  let onResubscribed = (): void => {};
  subscriber.on('ready', () => {
    if (subscriberReadyCount++ > 0) onResubscribed();
  });
  const pubsub = new RedisEventTarget(redis, subscriber, config.redisPrefix);
  const metrics = createMetrics();
  const now = opts.now ?? Date.now;

  const cache = new KeyCache({ max: config.keyCacheMax, ttlMs: config.keyCacheTtlMs });
  // Limits fail fast while Redis is down (no offline queue): a queued call would consume a
  // credit minutes after its answer.
  const limiterRedis = createRedis(config, `api-limiter:${config.redisPrefix}`, {
    enableOfflineQueue: false,
    commandTimeout: 1000,
    maxRetriesPerRequest: 1,
  });
  await waitReady(limiterRedis, 5000);
  const limiter = new RedisUsageLimiter(limiterRedis, orm, config.redisPrefix);
  const usage = new PgUsageSink(orm, {
    flushMs: config.usageFlushMs,
    logPerMinute: config.verificationLogPerMinute,
    log,
    onOutcome: metrics.verification,
  }).start();
  const filter = new KeyIdFilter({ orm, missLoadsPerSecond: config.unknownKeyLoadsPerSecond, rebuildMs: 10 * 60_000, log, now }).start();
  const stopAnnouncing = announceNewKeys(orm, filter, (keyId) => pubsub.publish(KEY_ADDED_TOPIC, { keyId }), log);
  pubsub.addEventListener(KEY_ADDED_TOPIC, (e) => {
    const keyId = (e.detail as { keyId?: unknown } | null)?.keyId;
    if (typeof keyId === 'string' && keyId.length <= 64) filter.add(keyId);
  });
  const verifier = new KeyVerifier({ orm, cache, pepper: config.pepper, now, limiter, usage, filter });

  // Every invalidation this process learns of, from any replica or its own: first the cache, then
  // whoever holds state derived from keys (open sockets, subscriptions).
  const invalidationListeners = new Set<(inv: Invalidation) => void>();
  const applyInvalidation = (inv: Invalidation) => {
    cache.apply(inv);
    for (const l of invalidationListeners) {
      try {
        l(inv);
      } catch (err) {
        log.error({ err }, 'invalidation listener failed');
      }
    }
  };
  const onInvalidation = (listener: (inv: Invalidation) => void) => {
    invalidationListeners.add(listener);
    return () => void invalidationListeners.delete(listener);
  };
  // Invalidations from other processes arrive twice (PostgreSQL NOTIFY and Redis): each notice is
  // applied once, and this process's own (applied when it sent them) not again.
  const origin = randomUUID();
  const recentNotices = new Map<string, number>();
  const receive = (inv: Invalidation, n: string | null, o: string | null = null) => {
    if (o === origin) return;
    if (n) {
      const at = Date.now();
      if (recentNotices.has(n)) return;
      recentNotices.set(n, at + NOTICE_MEMORY_MS);
      if (recentNotices.size > 1000) for (const [k, until] of recentNotices) if (until < at) recentNotices.delete(k);
    }
    applyInvalidation(inv);
  };
  pubsub.addEventListener(INVALIDATION_TOPIC, (e) => {
    const msg = readEnvelope(e.detail);
    if (msg) receive(msg.inv, msg.n, msg.o);
  });
  const bus = new InvalidationBus({
    databaseUrl: config.databaseAppUrl,
    prefix: config.redisPrefix,
    origin,
    log,
    apply: receive,
    onReconnect: () => applyInvalidation({ scope: 'all' }),
  });
  await bus.start();
  // Invalidations published while we were disconnected are lost: start from a clean cache.
  onResubscribed = () => {
    log.warn('redis subscriber reconnected: flushing key cache, rebuilding key id filter');
    applyInvalidation({ scope: 'all' });
    // New key ids announced while we were disconnected are lost too.
    void filter.rebuild();
  };

  const jobs = new JobClient(redis, config);
  const reads = new ReadRouter({ redis, prefix: config.redisPrefix, boundMs: config.readYourWritesMs, enabled: config.databaseReplicaUrl !== null });

  const deps: AppDeps = {
    orm,
    config,
    log,
    verifier,
    now: () => new Date(now()),
    jobs,
    reads,
    onInvalidation,
    creditsLeft: (keys) => limiter.remaining(keys),
    poolCreditsLeft: (pools) => limiter.poolsLeft(pools),
    eventStream: new EventStream(pubsub, verifier, {
      recheckMs: config.subscriptionRecheckMs,
      now,
      // The same rule as a console request's (console-auth.ts): live, and seen within the idle time.
      sessionActive: (sessionId, at) => consoleSessionActive(orm, config.consoleIdleMs, sessionId, at),
      onInvalidation: (listener) => onInvalidation(listener),
    }),
    invalidate: async (inv) => {
      applyInvalidation(inv);
      // PostgreSQL carries it to every replica (it just committed the change, so it is up); Redis
      // is a second path that never holds the answer up: skipped while down, bounded otherwise.
      const message = envelope(inv, origin);
      const notice = bus.notice(message);
      await Promise.all([
        orm.em
          .getConnection()
          .execute(notice.sql, notice.params)
          .catch((err: unknown) => log.warn({ err }, 'invalidation notice failed; other replicas rely on Redis and the cache TTL')),
        redis.status === 'ready' ? withinMs(pubsub.publish(INVALIDATION_TOPIC, message), REDIS_PUBLISH_MS).catch(() => {}) : null,
      ]);
    },
  };

  return {
    deps,
    orm,
    redis,
    pubsub,
    metrics,
    usage,
    async close() {
      stopAnnouncing();
      await bus.stop();
      await filter.stop();
      await usage.close();
      limiterRedis.disconnect();
      await jobs.close();
      await Promise.allSettled([subscriber.quit(), redis.quit()]);
      if (!opts.orm) await orm.close(true);
    },
  };
}

/** How long a notice id is remembered (its second copy arrives within milliseconds). */
const NOTICE_MEMORY_MS = 60_000;

/** How long an invalidation waits for Redis to accept its publish (PostgreSQL carries it anyway). */
const REDIS_PUBLISH_MS = 500;

function withinMs<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const elapsed = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  return Promise.race([p, elapsed]).finally(() => clearTimeout(timer));
}

function waitReady(r: RedisClient, ms: number): Promise<void> {
  if (r.status === 'ready') return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    r.once('ready', () => {
      clearTimeout(t);
      resolve();
    });
  });
}

import type { MikroORM } from '@mikro-orm/postgresql';
import type { Redis } from 'ioredis';
import type { Config } from './config/config.js';
import { createLogger, type Logger } from './infra/logger.js';
import { createMetrics, type Metrics } from './infra/metrics.js';
import { initORM } from './infra/orm.js';
import { RedisEventTarget } from './infra/pubsub.js';
import { createRedis } from './infra/redis.js';
import { INVALIDATION_TOPIC, KeyCache, type Invalidation } from './modules/keys/key-cache.js';
import { KeyVerifier } from './modules/keys/verifier.js';
import type { AppDeps } from './modules/service-context.js';

export type App = {
  deps: AppDeps;
  orm: MikroORM;
  redis: Redis;
  pubsub: RedisEventTarget;
  metrics: Metrics;
  close(): Promise<void>;
};

export type AppOptions = { log?: Logger; migrate?: boolean; now?: () => number };

/**
 * Composition root for the API process: ORM, Redis (commands + a subscriber), the key cache
 * with cross-replica invalidation, the verifier. Workers build their own from the same parts.
 */
export async function createApp(config: Config, opts: AppOptions = {}): Promise<App> {
  const log = opts.log ?? createLogger(config.logLevel);
  const orm = await initORM(config.databaseUrl, { migrate: opts.migrate ?? true });
  const redis = createRedis(config.redisUrl, 'api');
  const subscriber = createRedis(config.redisUrl, 'api-sub');
  const pubsub = new RedisEventTarget(redis, subscriber, config.redisPrefix);
  const metrics = createMetrics();
  const now = opts.now ?? Date.now;

  const cache = new KeyCache({ max: config.keyCacheMax, ttlMs: config.keyCacheTtlMs });
  const verifier = new KeyVerifier({ orm, cache, pepper: config.pepper, now });

  pubsub.addEventListener(INVALIDATION_TOPIC, (e) => cache.apply(e.detail as Invalidation));
  // Invalidations published while we were disconnected are lost: start from a clean cache.
  let connectedOnce = false;
  subscriber.on('ready', () => {
    if (connectedOnce) {
      log.warn('redis subscriber reconnected: flushing key cache');
      cache.clear();
    }
    connectedOnce = true;
  });

  const deps: AppDeps = {
    orm,
    config,
    log,
    verifier,
    now: () => new Date(now()),
    invalidate: async (inv) => {
      cache.apply(inv);
      await pubsub.publish(INVALIDATION_TOPIC, inv);
    },
  };

  return {
    deps,
    orm,
    redis,
    pubsub,
    metrics,
    async close() {
      await Promise.allSettled([subscriber.quit(), redis.quit()]);
      await orm.close(true);
    },
  };
}

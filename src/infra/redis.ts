import { Redis, type RedisOptions } from 'ioredis';

/**
 * A Redis connection. `maxRetriesPerRequest: null` is what BullMQ needs and keeps commands
 * queued through a reconnect; a database index in REDIS_URL is honoured by ioredis itself.
 */
export function createRedis(url: string, name: string, extra: RedisOptions = {}): Redis {
  const redis = new Redis(url, {
    connectionName: `keyplane:${name}`,
    maxRetriesPerRequest: null,
    enableReadyCheck: true,
    retryStrategy: (times) => Math.min(times * 200, 5000),
    ...extra,
  });
  // A connection error is followed by a reconnect (retryStrategy); /readyz reports the outage.
  // Without a listener ioredis prints every failed reconnect to stderr.
  redis.on('error', () => {});
  return redis;
}

import { Redis, type RedisOptions } from 'ioredis';

/**
 * A Redis connection. `maxRetriesPerRequest: null` is what BullMQ needs and keeps commands
 * queued through a reconnect; a database index in REDIS_URL is honoured by ioredis itself.
 */
export function createRedis(url: string, name: string, extra: RedisOptions = {}): Redis {
  return new Redis(url, {
    connectionName: `keyplane:${name}`,
    maxRetriesPerRequest: null,
    enableReadyCheck: true,
    retryStrategy: (times) => Math.min(times * 200, 5000),
    ...extra,
  });
}

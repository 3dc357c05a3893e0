import { Cluster, Redis, type RedisOptions } from 'ioredis';
import type { Config } from '../config/config.ts';

/**
 * One Redis connection of the service: a single node (`REDIS_URL`) or a Redis Cluster
 * (`KEYPLANE_REDIS_CLUSTER_NODES`, seed nodes; credentials and TLS from `REDIS_URL`). Both speak
 * the same commands; every multi-key script and transaction keeps its keys in one slot (hash tags).
 */
export type RedisClient = Redis | Cluster;
export type RedisTarget = Pick<Config, 'redisUrl'> & Partial<Pick<Config, 'redisClusterNodes'>>;

/**
 * A Redis connection. `maxRetriesPerRequest: null` is what BullMQ needs and keeps commands
 * queued through a reconnect; a database index in REDIS_URL is honoured by ioredis itself (a
 * cluster has only database 0).
 */
export function createRedis(target: RedisTarget | string, name: string, extra: RedisOptions = {}): RedisClient {
  const t: RedisTarget = typeof target === 'string' ? { redisUrl: target } : target;
  const options: RedisOptions = {
    connectionName: `keyplane:${name}`,
    maxRetriesPerRequest: null,
    enableReadyCheck: true,
    retryStrategy: (times) => Math.min(times * 200, 5000),
    ...extra,
  };
  let client: RedisClient;
  if (t.redisClusterNodes?.length) {
    const url = new URL(t.redisUrl);
    const { retryStrategy, enableOfflineQueue, ...nodeOptions } = options;
    client = new Cluster([...t.redisClusterNodes], {
      redisOptions: {
        ...nodeOptions,
        ...(url.username ? { username: decodeURIComponent(url.username) } : {}),
        ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
        ...(url.protocol === 'rediss:' ? { tls: {} } : {}),
      },
      clusterRetryStrategy: (times) => (retryStrategy ? (retryStrategy(times) ?? null) : Math.min(times * 200, 5000)),
      ...(enableOfflineQueue === undefined ? {} : { enableOfflineQueue }),
      enableReadyCheck: true,
      // A failover moves slots: follow MOVED/ASK and retry while the replica takes over.
      maxRedirections: 16,
      retryDelayOnFailover: 200,
      retryDelayOnClusterDown: 300,
      retryDelayOnTryAgain: 200,
      slotsRefreshTimeout: 2000,
    });
  } else {
    client = new Redis(t.redisUrl, options);
  }
  // A connection error is followed by a reconnect (retryStrategy); /readyz reports the outage.
  // Without a listener ioredis prints every failed reconnect to stderr.
  client.on('error', () => {});
  return client;
}

import { inject } from 'vitest';

/**
 * Where this test file's state lives. Test files run in parallel, one per Vitest worker; each
 * worker has its own database (cloned from the migrated template by the global setup) and its
 * own Redis key prefix, so files never see each other's events, jobs or caches.
 */
function poolId(): number {
  const id = Number(process.env.VITEST_POOL_ID ?? '1');
  const urls = inject('databaseUrls');
  if (!Number.isInteger(id) || id < 1 || id > urls.length) {
    throw new Error(`VITEST_POOL_ID ${process.env.VITEST_POOL_ID} has no test database (the global setup made ${urls.length})`);
  }
  return id;
}

/** This worker's database, as its owner (what migrations run as). */
export function testDatabaseUrl(): string {
  return inject('databaseUrls')[poolId() - 1]!;
}

export function testRedisUrl(): string {
  return inject('redisUrl');
}

/** This worker's Redis key prefix (and pub/sub channel namespace). */
export function testRedisPrefix(): string {
  return `${inject('redisPrefix')}:w${poolId()}`;
}

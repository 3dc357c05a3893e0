import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * The files that take longest on their own, mostly waiting (on started processes, a browser,
 * timers, a Redis Cluster failover), longest first: started first, they run beside the many short
 * files instead of finishing last. Measured on the 2-core machine (seconds, Dec 2026); order
 * matters, exact figures do not. A checkout that has run the suite orders by its own cached
 * durations instead (Vitest's rule); this list serves a clean clone, as in CI, which would
 * otherwise start the largest files first whatever they take.
 */
export const LONG_FILES = [
  'test/e2e/console.e2e.test.ts', // 20
  'test/process/workers-kill.error.test.ts', // 20
  'test/events/relay.error.test.ts', // 17
  'test/scale/redis-cluster.error.test.ts', // 16
  'test/process/readme.test.ts', // 16
  'test/workers/schedulers.error.test.ts', // 10
  'test/webhooks/delivery.error.test.ts', // 9
  'test/process/start.test.ts', // 8
  'test/sdk/sdk.happy.test.ts', // 8
  'test/scale/read-replica.happy.test.ts', // 6
  'test/events/workers.happy.test.ts', // 6
  'test/console/console-idle.happy.test.ts', // 6
  'test/webhooks/delivery.happy.test.ts', // 5
  'test/process/shutdown.test.ts', // 5
  'test/e2e/graphiql.e2e.test.ts', // 5
];

export default class LongFilesFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    if (files.every((f) => this.ctx.cache.getTestSpecificationResult(f))) return sorted;
    const rank = (f: TestSpecification) => {
      const i = LONG_FILES.findIndex((path) => f.moduleId.endsWith(`/${path}`));
      return i < 0 ? LONG_FILES.length : i;
    };
    return sorted
      .map((f, i) => ({ f, i, r: rank(f) }))
      .sort((a, b) => a.r - b.r || a.i - b.i)
      .map(({ f }) => f);
  }
}

import { z } from 'zod';
import { defineJob } from './define-job.ts';

/**
 * One usage roll-up pass (Redis counters → PostgreSQL), repeated by a BullMQ job scheduler every
 * `KEYPLANE_USAGE_ROLLUP_SECONDS` (≤ 10). The pass is idempotent per batch (see rollUpUsage), so
 * two passes at once, or a pass re-run after a crash, never count twice.
 */
export const usageRollupJob = defineJob({
  name: 'usage-rollup',
  queue: 'usage-rollup',
  payload: z.object({}).strict(),
  // A failed pass leaves its batch in Redis for the next one: no retries needed.
  options: { removeOnComplete: 100, removeOnFail: 100, attempts: 1 },
  jobId: () => 'usage-rollup-manual',
});

/** Id of the job scheduler that repeats the roll-up (upserted by every worker process). */
export const USAGE_ROLLUP_SCHEDULER_ID = 'usage-rollup';

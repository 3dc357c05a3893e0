import { z } from 'zod';
import { defineJob } from './define-job.ts';

/**
 * One usage maintenance pass (minute buckets rolled up into hours, retention), repeated by a
 * BullMQ job scheduler every `KEYPLANE_USAGE_ROLLUP_SECONDS` (≤ 10). Safe twice at once and
 * after a crash: compaction moves rows in one statement, pruning deletes what is past retention.
 */
export const usageRollupJob = defineJob({
  name: 'usage-rollup',
  queue: 'usage-rollup',
  payload: z.object({}).strict(),
  // A failed pass leaves its work for the next one: no retries needed.
  options: { removeOnComplete: 100, removeOnFail: 100, attempts: 1 },
  jobId: () => 'usage-rollup-manual',
});

/** Id of the job scheduler that repeats the roll-up (upserted by every worker process). */
export const USAGE_ROLLUP_SCHEDULER_ID = 'usage-rollup';

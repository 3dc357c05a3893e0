import { z } from 'zod';
import { defineJob } from './define-job.ts';

/** Deletes console links and sessions long ended (see pruneConsoleSessions), repeated hourly. */
export const consolePruneJob = defineJob({
  name: 'console-prune',
  queue: 'console-prune',
  payload: z.object({}).strict(),
  options: { removeOnComplete: 100, removeOnFail: 100, attempts: 1 },
  jobId: () => 'console-prune-manual',
});

/** Id of the job scheduler that repeats the pruning (upserted by every worker process). */
export const CONSOLE_PRUNE_SCHEDULER_ID = 'console-prune';
export const CONSOLE_PRUNE_EVERY_MS = 3_600_000;

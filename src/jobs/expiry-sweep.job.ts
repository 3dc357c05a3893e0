import { z } from 'zod';
import { defineJob } from './define-job.ts';

/**
 * One inactivity-expiry sweep at the worker's clock. Repeated by a BullMQ job scheduler
 * (`KEYPLANE_EXPIRY_SWEEP_SECONDS`); a manual run uses the fixed id, so at most one extra is
 * queued. The payload is empty on purpose: the sweep's instant is the worker's clock, never
 * something a producer could set to expire keys early.
 */
export const expirySweepJob = defineJob({
  name: 'expiry-sweep',
  queue: 'expiry-sweep',
  payload: z.object({}).strict(),
  // A failed sweep is simply the next one's work: no retries, keep a few failures to inspect.
  options: { removeOnComplete: 100, removeOnFail: 100, attempts: 1 },
  jobId: () => 'expiry-sweep-manual',
});

/** Id of the job scheduler that repeats the sweep (upserted by every worker process). */
export const EXPIRY_SWEEP_SCHEDULER_ID = 'expiry-sweep';

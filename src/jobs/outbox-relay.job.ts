import { z } from 'zod';
import { defineJob } from './define-job.ts';

/**
 * One pass of the outbox relay. The fixed job id means at most one pass is queued or running in
 * the whole deployment, which keeps events in order; each worker process adds it on a timer and
 * every commit that wrote an event adds it at once (both de-duplicated by the id).
 */
export const outboxRelayJob = defineJob({
  name: 'outbox-relay',
  queue: 'outbox-relay',
  payload: z.object({}).strict(),
  options: { removeOnComplete: true, removeOnFail: true, attempts: 1 },
  jobId: () => 'outbox-relay',
});

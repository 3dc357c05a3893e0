import { z } from 'zod';
import { defineJob } from './define-job.ts';

const id = z.string().regex(/^[a-z]+_[0-9A-Za-z]{20}$/);

/**
 * Sends one event to one endpoint. The job id is derived from the pair (and the replay round), so
 * the relay running twice, or the sweeper re-creating a lost job, never makes a second delivery.
 * Retries are scheduled by the handler from the Delivery row (its attempts are the truth, not
 * BullMQ's counter, which a Redis loss would reset); BullMQ's own attempts only cover crashes.
 */
export const deliverWebhookJob = defineJob({
  name: 'deliver-webhook',
  queue: 'deliver-webhook',
  payload: z.object({ eventId: id, endpointId: id, round: z.number().int().min(0).max(10_000).default(0) }),
  options: {
    attempts: 12,
    backoff: { type: 'exponential', delay: 2000 },
    removeOnComplete: { age: 24 * 3600, count: 100_000 },
    removeOnFail: { age: 7 * 24 * 3600 },
  },
  // BullMQ refuses ':' in custom ids, hence '.'.
  jobId: (p) => (p.round === 0 ? `${p.eventId}.${p.endpointId}` : `${p.eventId}.${p.endpointId}.r${p.round}`),
});

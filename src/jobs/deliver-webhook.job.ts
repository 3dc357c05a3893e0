import { z } from 'zod';
import { defineJob } from './define-job.ts';

const id = z.string().regex(/^[a-z]+_[0-9A-Za-z]{20}$/);
const round = z.number().int().min(0).max(10_000).default(0);

/** The most deliveries one batch job carries (the relay cuts larger groups of one endpoint). */
export const MAX_DELIVERY_BATCH = 500;

const single = z.object({ eventId: id, endpointId: id, round });
const batch = z.object({
  endpointId: id,
  batch: z
    .array(z.object({ eventId: id, round }))
    .min(1)
    .max(MAX_DELIVERY_BATCH),
});

/**
 * Sends events to one endpoint: one event (`{ eventId, endpointId, round }`: retries, replays,
 * sweeps) or the first attempts of many (`{ endpointId, batch }`: what the relay enqueues when an
 * endpoint has several new events at once). Job ids derive from the payload, so the relay running
 * twice or the sweeper re-creating a lost job never makes a second job; a delivery attempt is
 * claimed on its row (compare-and-set on the round's attempt count), so two jobs that carry the
 * same delivery never both send it. Retries are scheduled by the handler from the Delivery row
 * (its attempts are the truth, not BullMQ's counter, which a Redis loss would reset); BullMQ's own
 * attempts only cover crashes.
 */
export const deliverWebhookJob = defineJob({
  name: 'deliver-webhook',
  queue: 'deliver-webhook',
  payload: z.union([single, batch]),
  options: {
    attempts: 12,
    backoff: { type: 'exponential', delay: 2000 },
    removeOnComplete: { age: 24 * 3600, count: 100_000 },
    removeOnFail: { age: 7 * 24 * 3600 },
  },
  // BullMQ refuses ':' in custom ids, hence '.'.
  jobId: (p) => ('batch' in p ? batchJobId(p.endpointId, p.batch) : singleJobId(p)),
});

export type DeliverWebhookPayload = z.output<typeof deliverWebhookJob.payload>;
export type SingleDeliveryPayload = z.output<typeof single>;

export function singleJobId(p: { eventId: string; endpointId: string; round: number }): string {
  return p.round === 0 ? `${p.eventId}.${p.endpointId}` : `${p.eventId}.${p.endpointId}.r${p.round}`;
}

/** The same batch (endpoint, first event, size) always gets the same id: a relay pass re-run after a rollback adds nothing. */
export function batchJobId(endpointId: string, items: readonly { eventId: string }[]): string {
  return `b.${endpointId}.${items[0]!.eventId}.${items.length}`;
}

/** A delivery job ready for `addBulk`: validated payload, its deterministic id, the default options (and any extra, e.g. a delay). */
export function deliveryJob(
  payload: { eventId: string; endpointId: string; round: number } | { endpointId: string; batch: { eventId: string; round: number }[] },
  opts: { delay?: number } = {},
) {
  const data = deliverWebhookJob.payload.parse(payload);
  return { name: deliverWebhookJob.name, data, opts: { ...deliverWebhookJob.options, jobId: deliverWebhookJob.jobId!(data), ...opts } };
}

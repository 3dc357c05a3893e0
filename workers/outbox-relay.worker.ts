import { createQueue } from '../src/jobs/define-job.ts';
import { deliverWebhookJob } from '../src/jobs/deliver-webhook.job.ts';
import { outboxRelayJob } from '../src/jobs/outbox-relay.job.ts';
import { relayOutboxBatch, sweepDeliveries, type RelayDeps } from '../src/modules/events/outbox-relay.ts';
import { createJobWorker, type WorkerModule } from './runtime.ts';

// Bounds one job so a huge backlog does not hold the relay's lock for minutes; the next tick goes on.
const MAX_BATCHES_PER_PASS = 50;

/**
 * The outbox relay: a job with a fixed id (so one pass at a time across every worker process),
 * added by a local timer in each worker process — a timer Redis cannot lose — and by the API
 * right after commits that wrote events. Each pass drains the outbox in batches and, now and
 * then, re-creates delivery jobs Redis lost.
 */
export const outboxRelayModule: WorkerModule = {
  name: 'outbox-relay',
  async start(deps) {
    const { config, log } = deps;
    const relayQueue = createQueue(outboxRelayJob, deps.redis, config);
    const deliveries = createQueue(deliverWebhookJob, deps.redis, config);
    const relayDeps: RelayDeps = { pubsub: deps.pubsub, deliveries, config, log };
    let lastSweep = 0;

    const worker = createJobWorker(
      deps,
      outboxRelayJob,
      async (_payload, { em }) => {
        let events = 0;
        for (let i = 0; i < MAX_BATCHES_PER_PASS; i++) {
          const r = await relayOutboxBatch(em.fork(), relayDeps);
          if (!r) break;
          events += r.events;
          // Until a pass finds nothing: a nudge that came while this job ran was dropped (same id).
          if (r.events === 0) break;
        }
        if (Date.now() - lastSweep >= config.deliverySweepMs) {
          lastSweep = Date.now();
          await sweepDeliveries(em.fork(), relayDeps);
        }
        return { events };
      },
      { concurrency: 1, lockDuration: config.workerLockMs, stalledInterval: config.workerLockMs },
    );

    const tick = () => void relayQueue.add(outboxRelayJob.name, {}, { ...outboxRelayJob.options, jobId: outboxRelayJob.jobId!({}) }).catch((err: unknown) => log.warn({ err }, 'outbox relay tick failed'));
    const timer = setInterval(tick, config.outboxIntervalMs);
    tick();
    worker.on('failed', (_job, err) => log.error({ err: err.message }, 'outbox relay pass failed'));
    worker.on('closing', () => {
      clearInterval(timer);
      void Promise.allSettled([relayQueue.close(), deliveries.close()]);
    });
    return [worker];
  },
};

import { createQueue } from '../src/jobs/define-job.ts';
import { deliverWebhookJob } from '../src/jobs/deliver-webhook.job.ts';
import { runDelivery } from '../src/modules/webhooks/delivery.service.ts';
import { createJobWorker, type WorkerModule } from './runtime.ts';

export const deliverWebhookModule: WorkerModule = {
  name: 'deliver-webhook',
  async start(deps) {
    // A batch hands deliveries that must wait (retry, rate limit) to delayed jobs of their own.
    const deliveries = createQueue(deliverWebhookJob, deps.redis, deps.config);
    const deliveryDeps = { ...deps, deliveries };
    const worker = createJobWorker(deps, deliverWebhookJob, (payload, { em, job }) => runDelivery(deliveryDeps, em, job, payload), {
      concurrency: deps.config.webhookConcurrency,
      lockDuration: deps.config.workerLockMs,
      stalledInterval: deps.config.workerLockMs,
      // A worker killed mid-request leaves the job stalled: it is retried, not failed.
      maxStalledCount: 5,
    });
    worker.on('failed', (job, err) => deps.log.warn({ jobId: job?.id, err: err.message }, 'deliver-webhook job failed'));
    worker.on('closed', () => void deliveries.close());
    return [worker];
  },
};

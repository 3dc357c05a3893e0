import { deliverWebhookJob } from '../src/jobs/deliver-webhook.job.ts';
import { runDelivery } from '../src/modules/webhooks/delivery.service.ts';
import { createJobWorker, type WorkerModule } from './runtime.ts';

export const deliverWebhookModule: WorkerModule = {
  name: 'deliver-webhook',
  async start(deps) {
    const worker = createJobWorker(deps, deliverWebhookJob, (payload, { em, job }) => runDelivery(deps, em, job, payload), {
      concurrency: deps.config.webhookConcurrency,
      lockDuration: deps.config.workerLockMs,
      stalledInterval: deps.config.workerLockMs,
      // A worker killed mid-request leaves the job stalled: it is retried, not failed.
      maxStalledCount: 5,
    });
    worker.on('failed', (job, err) => deps.log.warn({ jobId: job?.id, err: err.message }, 'deliver-webhook job failed'));
    return [worker];
  },
};

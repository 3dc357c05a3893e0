import { createQueue } from '../src/jobs/define-job.ts';
import { EXPIRY_SWEEP_SCHEDULER_ID, expirySweepJob } from '../src/jobs/expiry-sweep.job.ts';
import { sweepExpiry } from '../src/modules/keys/expiry-sweep.service.ts';
import { createJobWorker, type WorkerModule } from './runtime.ts';

/**
 * Inactivity expiry: a job scheduler repeats the sweep; one job runs at a time per process, and
 * the sweep itself is safe when two processes run it at once (row locks, unique warnings).
 */
export const expirySweepWorker: WorkerModule = {
  name: 'expiry-sweep',
  async start(deps) {
    const queue = createQueue(expirySweepJob, deps.redis, deps.config);
    try {
      await queue.upsertJobScheduler(
        EXPIRY_SWEEP_SCHEDULER_ID,
        { every: deps.config.expirySweepMs },
        { name: expirySweepJob.name, data: {}, opts: expirySweepJob.options },
      );
    } finally {
      await queue.close();
    }
    const worker = createJobWorker(
      deps,
      expirySweepJob,
      async (_payload, { deps: d }) =>
        sweepExpiry(
          { orm: d.orm, invalidate: d.invalidate, log: d.log },
          { now: d.now(), batchSize: d.config.expirySweepBatch, fullSweepEveryMs: d.config.expiryFullSweepMs },
        ),
      { concurrency: 1 },
    );
    return [worker];
  },
};

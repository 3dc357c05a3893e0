import { createQueue } from '../src/jobs/define-job.ts';
import { USAGE_ROLLUP_SCHEDULER_ID, usageRollupJob } from '../src/jobs/usage-rollup.job.ts';
import { rollUpUsage } from '../src/modules/usage/usage-rollup.ts';
import { createJobWorker, type WorkerModule } from './runtime.ts';

/** Usage roll-up: a job scheduler repeats the pass; one pass at a time per process. */
export const usageRollupWorker: WorkerModule = {
  name: 'usage-rollup',
  async start(deps) {
    const queue = createQueue(usageRollupJob, deps.redis, deps.config);
    try {
      await queue.upsertJobScheduler(
        USAGE_ROLLUP_SCHEDULER_ID,
        { every: deps.config.usageRollupMs },
        { name: usageRollupJob.name, data: {}, opts: { removeOnComplete: 100, removeOnFail: 100, attempts: 1 } },
      );
    } finally {
      await queue.close();
    }
    const worker = createJobWorker(
      deps,
      usageRollupJob,
      async (_payload, { deps: d }) => {
        const r = await rollUpUsage({ orm: d.orm, redis: d.redis, config: d.config, log: d.log });
        if (r.batchId) d.log.debug(r, 'usage roll-up');
        return r;
      },
      { concurrency: 1 },
    );
    return [worker];
  },
};

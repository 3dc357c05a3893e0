import { createQueue } from '../src/jobs/define-job.ts';
import { CONSOLE_PRUNE_EVERY_MS, CONSOLE_PRUNE_SCHEDULER_ID, consolePruneJob } from '../src/jobs/console-prune.job.ts';
import { pruneConsoleSessions } from '../src/modules/console/console-prune.ts';
import { createJobWorker, type WorkerModule } from './runtime.ts';

/** Console session pruning: a job scheduler repeats it hourly; a missed run is caught up by the next. */
export const consolePruneWorker: WorkerModule = {
  name: 'console-prune',
  async start(deps) {
    const queue = createQueue(consolePruneJob, deps.redis, deps.config);
    try {
      await queue.upsertJobScheduler(CONSOLE_PRUNE_SCHEDULER_ID, { every: CONSOLE_PRUNE_EVERY_MS }, { name: consolePruneJob.name, data: {}, opts: consolePruneJob.options });
    } finally {
      await queue.close();
    }
    const worker = createJobWorker(
      deps,
      consolePruneJob,
      async (_payload, { deps: d }) => {
        const r = await pruneConsoleSessions(d.orm, d.now());
        if (r.deleted) d.log.info(r, 'console sessions pruned');
        return r;
      },
      { concurrency: 1 },
    );
    return [worker];
  },
};

import { CONSOLE_PRUNE_EVERY_MS, CONSOLE_PRUNE_SCHEDULER_ID, consolePruneJob } from '../src/jobs/console-prune.job.ts';
import { pruneConsoleSessions } from '../src/modules/console/console-prune.ts';
import { scheduledWorker } from './runtime.ts';

/** Console session pruning, hourly. */
export const consolePruneWorker = scheduledWorker({
  name: 'console-prune',
  job: consolePruneJob,
  schedulerId: CONSOLE_PRUNE_SCHEDULER_ID,
  everyMs: () => CONSOLE_PRUNE_EVERY_MS,
  async run(d) {
    const r = await pruneConsoleSessions(d.orm, d.now());
    if (r.deleted) d.log.info(r, 'console sessions pruned');
    return r;
  },
});

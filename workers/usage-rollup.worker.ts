import { USAGE_ROLLUP_SCHEDULER_ID, usageRollupJob } from '../src/jobs/usage-rollup.job.ts';
import { rollUpUsage } from '../src/modules/usage/usage-rollup.ts';
import { scheduledWorker } from './runtime.ts';

/** Usage roll-up (Redis counters into PostgreSQL), every KEYPLANE_USAGE_ROLLUP_SECONDS. */
export const usageRollupWorker = scheduledWorker({
  name: 'usage-rollup',
  job: usageRollupJob,
  schedulerId: USAGE_ROLLUP_SCHEDULER_ID,
  everyMs: (config) => config.usageRollupMs,
  async run(d) {
    const r = await rollUpUsage({ orm: d.orm, redis: d.redis, config: d.config, log: d.log });
    if (r.batchId) d.log.debug(r, 'usage roll-up');
    return r;
  },
});

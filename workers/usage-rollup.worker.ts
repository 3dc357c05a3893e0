import { USAGE_ROLLUP_SCHEDULER_ID, usageRollupJob } from '../src/jobs/usage-rollup.job.ts';
import { rollUpUsage } from '../src/modules/usage/usage-rollup.ts';
import { sweepCalendarRefills } from '../src/modules/usage/credit-refill.ts';
import { scheduledWorker } from './runtime.ts';

/** Usage maintenance (minutes into hours, retention), every KEYPLANE_USAGE_ROLLUP_SECONDS. */
export const usageRollupWorker = scheduledWorker({
  name: 'usage-rollup',
  job: usageRollupJob,
  schedulerId: USAGE_ROLLUP_SCHEDULER_ID,
  everyMs: (config) => config.usageRollupMs,
  async run(d) {
    const r = await rollUpUsage({ orm: d.orm, config: d.config, log: d.log });
    // Calendar refills of credits and pools ride on the same few-second schedule.
    const refilled = await sweepCalendarRefills({ orm: d.orm, redis: d.redis, prefix: d.config.redisPrefix }, d.now());
    if (r.pruned || r.compacted || refilled) d.log.debug({ ...r, refilled }, 'usage roll-up');
    return { ...r, refilled };
  },
});

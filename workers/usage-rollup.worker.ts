import { USAGE_ROLLUP_SCHEDULER_ID, usageRollupJob } from '../src/jobs/usage-rollup.job.ts';
import { rollUpUsage } from '../src/modules/usage/usage-rollup.ts';
import { sweepCalendarRefills } from '../src/modules/limits/credit-refill.ts';
import { maintainPartitions } from '../src/modules/retention/partitions.ts';
import { scheduledWorker } from './runtime.ts';

/** Partition upkeep (ahead-of-time partitions, retention) needs no more than this cadence. */
const PARTITIONS_EVERY_MS = 10 * 60_000;
let partitionsAt = Number.NEGATIVE_INFINITY;

/** Usage maintenance (minutes into hours, retention), every KEYPLANE_USAGE_ROLLUP_SECONDS; partition upkeep every 10 minutes. */
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
    if (Date.now() - partitionsAt >= PARTITIONS_EVERY_MS) {
      const passes = await maintainPartitions(d.orm, d.config);
      partitionsAt = Date.now();
      const changed = passes.filter((p) => p.created || p.dropped);
      if (changed.length) d.log.info({ partitions: changed }, 'partitions created ahead and dropped past retention');
    }
    return { ...r, refilled };
  },
});

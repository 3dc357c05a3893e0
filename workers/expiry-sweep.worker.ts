import { EXPIRY_SWEEP_SCHEDULER_ID, expirySweepJob } from '../src/jobs/expiry-sweep.job.ts';
import { sweepExpiry } from '../src/modules/expiry/expiry-sweep.service.ts';
import { sweepRotationDue } from '../src/modules/expiry/rotation-due.service.ts';
import { scheduledWorker } from './runtime.ts';

/**
 * Inactivity expiry, every KEYPLANE_EXPIRY_SWEEP_SECONDS; the sweep itself is safe when two
 * processes run it at once (row locks, unique warnings).
 */
export const expirySweepWorker = scheduledWorker({
  name: 'expiry-sweep',
  job: expirySweepJob,
  schedulerId: EXPIRY_SWEEP_SCHEDULER_ID,
  everyMs: (config) => config.expirySweepMs,
  async run(d) {
    const now = d.now();
    const result = await sweepExpiry(
      { orm: d.orm, invalidate: d.invalidate, log: d.log },
      { now, batchSize: d.config.expirySweepBatch, fullSweepEveryMs: d.config.expiryFullSweepMs },
    );
    // Key policies' rotation reminders ride on the same schedule.
    const rotationDue = await sweepRotationDue(d.orm, now);
    return { ...result, rotationDue };
  },
});

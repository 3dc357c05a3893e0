import { consolePruneWorker } from './console-prune.worker.ts';
import { deliverWebhookModule } from './deliver-webhook.worker.ts';
import { expirySweepWorker } from './expiry-sweep.worker.ts';
import { outboxRelayModule } from './outbox-relay.worker.ts';
import type { WorkerModule } from './runtime.ts';
import { usageRollupWorker } from './usage-rollup.worker.ts';

/**
 * Every worker module the workers process runs. Kept apart from runtime.ts, which each module
 * imports for its building blocks, so that no import goes in a circle.
 */
export const workerModules: readonly WorkerModule[] = [outboxRelayModule, deliverWebhookModule, expirySweepWorker, usageRollupWorker, consolePruneWorker];

import pg from 'pg';
import { createQueue } from '../src/jobs/define-job.ts';
import { deliverWebhookJob } from '../src/jobs/deliver-webhook.job.ts';
import { relayOutboxBatch, sweepDeliveries, type RelayDeps } from '../src/modules/events/outbox-relay.ts';
import type { WorkerModule } from './runtime.ts';

// Bounds one pass so a huge backlog does not starve the sweep; the next pass goes on at once.
const MAX_BATCHES_PER_PASS = 50;
/** The channel the `event_outbox_notify` trigger notifies at the commit of new events. */
export const OUTBOX_CHANNEL = 'keyplane_outbox';
const LISTEN_RETRY_MS = 1_000;

/**
 * The outbox relay, in every workers process: a pass runs when PostgreSQL announces new events
 * (LISTEN, fed by an insert trigger, so Redis plays no part in waking it), on a timer, and again
 * at once while a pass finds work. Passes of different processes exclude each other with a
 * transaction-scoped advisory lock (relayOutboxBatch), which PostgreSQL releases the moment a
 * process dies: a killed worker stalls the outbox for at most one timer period, where the old
 * fixed-id BullMQ job stalled it until BullMQ's stalled check (47-90 s in the fault run).
 */
export const outboxRelayModule: WorkerModule = {
  name: 'outbox-relay',
  async start(deps) {
    const { config, log } = deps;
    const deliveries = createQueue(deliverWebhookJob, deps.redis, config);
    const relayDeps: RelayDeps = { pubsub: deps.pubsub, deliveries, config, log };
    let lastSweep = 0;
    let running: Promise<void> | null = null;
    let again = false;
    let stopped = false;

    /** False when it could not run (Redis away: nothing can be handed over; the pass after its return catches up). */
    const passOnce = async (): Promise<boolean> => {
      if (deps.redis.status !== 'ready') return false;
      for (let i = 0; i < MAX_BATCHES_PER_PASS && !stopped; i++) {
        const r = await relayOutboxBatch(deps.orm.em.fork(), relayDeps);
        if (!r) break; // another process is relaying right now
        if (r.events === 0) break;
        if (i === MAX_BATCHES_PER_PASS - 1) again = true;
      }
      if (!stopped && Date.now() - lastSweep >= config.deliverySweepMs) {
        lastSweep = Date.now();
        await sweepDeliveries(deps.orm.em.fork(), relayDeps);
      }
      return true;
    };
    const pass = (): void => {
      if (stopped) return;
      if (running) {
        again = true; // a notice during a pass: go round once more when it ends
        return;
      }
      running = (async () => {
        try {
          let ok = true;
          do {
            again = false;
            ok = await passOnce();
          } while (ok && again && !stopped);
          deps.checks.set('outbox-relay', ok);
        } catch (err) {
          deps.checks.set('outbox-relay', false);
          log.warn({ err }, 'outbox relay pass failed; the next one retries');
        } finally {
          running = null;
        }
      })();
    };

    // One connection listens for the trigger's notices; it reconnects after a loss.
    let listener: pg.Client | null = null;
    let retry: NodeJS.Timeout | null = null;
    const listen = async () => {
      if (stopped) return;
      const client = new pg.Client({ connectionString: config.databaseAppUrl, application_name: 'keyplane-outbox-relay', keepAlive: true });
      client.on('error', (err) => log.debug({ err }, 'outbox listener connection failed'));
      client.on('notification', (n) => {
        if (n.channel === OUTBOX_CHANNEL) pass();
      });
      client.on('end', () => {
        if (listener !== client || stopped) return;
        listener = null;
        retry = setTimeout(() => void listen(), LISTEN_RETRY_MS);
      });
      try {
        await client.connect();
        await client.query(`listen ${OUTBOX_CHANNEL}`);
        listener = client;
        pass(); // whatever committed while no one listened
      } catch (err) {
        log.debug({ err }, 'outbox listener could not listen; retrying');
        await client.end().catch(() => {});
        if (!stopped) retry = setTimeout(() => void listen(), LISTEN_RETRY_MS);
      }
    };
    await listen();
    const timer = setInterval(pass, config.outboxIntervalMs);
    pass();

    deps.onClose(async () => {
      stopped = true;
      clearInterval(timer);
      if (retry) clearTimeout(retry);
      await running;
      await listener?.end().catch(() => {});
      await deliveries.close();
    });
    return [];
  },
};

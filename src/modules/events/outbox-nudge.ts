import type { MikroORM } from '@mikro-orm/postgresql';
import type { FlushEventArgs, TransactionEventArgs } from '@mikro-orm/core';
import type { Logger } from '../../infra/logger.ts';
import type { JobClient } from '../../jobs/job-client.ts';
import { outboxRelayJob } from '../../jobs/outbox-relay.job.ts';

const EVENT_ENTITY = 'EventRecord';

/**
 * Wakes the outbox relay as soon as a transaction that wrote an event row has committed, so
 * events leave within milliseconds instead of the relay's polling period. Best effort: the
 * relay's timer catches up with anything a lost nudge misses.
 */
export function registerOutboxNudge(orm: MikroORM, jobs: JobClient, log: Logger): void {
  let scheduled = false;
  const nudge = () => {
    if (scheduled) return;
    scheduled = true;
    setImmediate(() => {
      scheduled = false;
      jobs.enqueue(outboxRelayJob, {}).catch((err: unknown) => log.debug({ err }, 'outbox nudge failed'));
    });
  };
  // Flushes inside an explicit transaction commit later: remember them until that commit.
  const pending = new WeakSet<object>();
  orm.em.getEventManager().registerSubscriber({
    afterFlush({ em, uow }: FlushEventArgs) {
      if (!uow.getChangeSets().some((cs) => cs.meta.className === EVENT_ENTITY && cs.type === 'create')) return;
      const tx = em.getTransactionContext();
      if (tx) pending.add(tx as object);
      else nudge();
    },
    afterTransactionCommit({ transaction }: TransactionEventArgs) {
      if (transaction && pending.has(transaction as object)) nudge();
    },
  });
}

import type { ReadConnection, ReadRouter } from '../infra/read-router.ts';
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import type { Config } from '../config/config.ts';
import type { JobClient } from '../jobs/job-client.ts';
import type { Logger } from '../infra/logger.ts';
import type { Actor } from './principal/actor.ts';
import type { Reach } from './auth/reach.ts';
import type { EventStream } from './stream/event-stream.ts';
import type { Invalidation } from './verification/key-cache.ts';
import type { KeyVerifier } from './verification/verifier.ts';

/** Process-wide dependencies, built once by the composition root. */
export type AppDeps = {
  orm: MikroORM;
  config: Config;
  log: Logger;
  verifier: KeyVerifier;
  /** Drops cached key records on every replica (Redis pub/sub) and locally. */
  invalidate: (inv: Invalidation) => Promise<void>;
  /** Called for every invalidation this process applies (its own and other replicas'); returns an unsubscribe. */
  onInvalidation: (listener: (inv: Invalidation) => void) => () => void;
  now: () => Date;
  /** Enqueues background jobs (BullMQ). */
  jobs: JobClient;
  /** Credits the keys have left (PostgreSQL's unleased credits plus the unspent lease in Redis); null: unlimited. */
  creditsLeft: (keys: readonly { id: string; credits: number | null; creditsEpoch: number; customerId?: string | null }[]) => Promise<(number | null)[]>;
  /** Credits left in customers' pools (PostgreSQL's unleased credits plus the unspent lease in Redis). */
  poolCreditsLeft: (pools: readonly { id: string; credits: number | null; creditsEpoch: number }[]) => Promise<(number | null)[]>;
  /** Live lifecycle events for subscriptions, across replicas. */
  eventStream: EventStream;
  /** Where list pages and reports are read (the replica, unless the caller wrote recently). */
  reads: ReadRouter;
};

/** Per-request: a forked EntityManager (own identity map) and the caller. */
export type ServiceContext = {
  em: EntityManager;
  actor: Actor;
  deps: AppDeps;
  reach: Reach;
  /** Where this request's list pages and reports are read; absent: the primary. */
  reads?: () => Promise<ReadConnection>;
};

/**
 * Options for the reads of a list page or report: the read replica when one is configured and
 * neither this request nor the caller's recent requests wrote anything; otherwise the primary.
 */
export async function listRead(ctx: ServiceContext): Promise<{ connectionType: ReadConnection }> {
  return { connectionType: ctx.reads ? await ctx.reads() : 'write' };
}

/** The mutation's single flush (one transaction), then cache invalidation on every replica. */
export async function commit(ctx: ServiceContext, invalidations: Invalidation[] = []): Promise<void> {
  await ctx.em.flush();
  await Promise.all(invalidations.map((i) => ctx.deps.invalidate(i)));
}

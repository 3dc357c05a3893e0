import type { EntityManager } from '@mikro-orm/postgresql';
import type { ReadConnection } from '../infra/read-router.ts';
import type { Actor } from '../modules/principal/actor.ts';
import type { Reach } from '../modules/auth/reach.ts';
import type { AppDeps, ServiceContext } from '../modules/service-context.ts';

/** What the HTTP layer hands Yoga per request (authentication happens before Yoga). */
export type ServerContext = { actor: Actor; requestId: string };

/** GraphQL context: always authenticated (unauthenticated requests get a 401 before execution). */
export type Context = {
  actor: Actor;
  em: EntityManager;
  deps: AppDeps;
  requestId: string;
  /** Decides what of the organisation tree this caller may see; batches loads per request. */
  reach: Reach;
  /** Set when the operation is a mutation: every read of the request then goes to the primary. */
  writes?: boolean;
  /** Where this request's list pages and reports are read (decided once, on first use). */
  reads?: () => Promise<ReadConnection>;
};

/** The per-request read decision: the primary for a mutation or a caller that wrote within the bound. */
export function requestReads(ctx: Pick<Context, 'deps' | 'actor' | 'writes'>): () => Promise<ReadConnection> {
  let decided: Promise<ReadConnection> | null = null;
  return () => {
    if (ctx.writes) return Promise.resolve('write');
    decided ??= ctx.deps.reads.connectionFor(ctx.actor.key.id);
    return decided;
  };
}

export function svc(ctx: Context): ServiceContext {
  return { em: ctx.em, actor: ctx.actor, deps: ctx.deps, reach: ctx.reach, ...(ctx.reads ? { reads: ctx.reads } : {}) };
}

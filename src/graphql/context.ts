import type { EntityManager } from '@mikro-orm/postgresql';
import type { Actor } from '../modules/auth/actor.ts';
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
};

export function svc(ctx: Context): ServiceContext {
  return { em: ctx.em, actor: ctx.actor, deps: ctx.deps, reach: ctx.reach };
}

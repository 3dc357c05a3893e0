import type { EntityManager } from '@mikro-orm/postgresql';
import type { Actor } from '../modules/auth/actor.js';
import type { AppDeps, ServiceContext } from '../modules/service-context.js';

/** GraphQL context: always authenticated (unauthenticated requests get a 401 before execution). */
export type Context = {
  actor: Actor;
  em: EntityManager;
  deps: AppDeps;
  requestId: string;
};

export function svc(ctx: Context): ServiceContext {
  return { em: ctx.em, actor: ctx.actor, deps: ctx.deps };
}

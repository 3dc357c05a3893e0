import type { EntityManager } from '@mikro-orm/postgresql';
import type { Actor } from '../modules/auth/actor.ts';
import type { AppDeps, ServiceContext } from '../modules/service-context.ts';

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

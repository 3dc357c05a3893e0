import SchemaBuilder from '@pothos/core';
import ErrorsPlugin from '@pothos/plugin-errors';
import RelayPlugin from '@pothos/plugin-relay';
import ScopeAuthPlugin, { type AuthFailure } from '@pothos/plugin-scope-auth';
import { ForbiddenError } from '../lib/errors.ts';
import { DEFAULT_PAGE, MAX_PAGE } from '../lib/pagination.ts';
import type { OwnedType } from '../modules/auth/reach.ts';
import type { Context } from './context.ts';

/**
 * Plugins, scopes and the Context type; no types are defined here. Scope-auth runs before
 * resolvers; the errors plugin (listed first) turns its ForbiddenError into a payload member.
 */
export const builder = new SchemaBuilder<{
  Context: Context;
  AuthScopes: {
    /** The key may call management operations (not a publishable key). */
    management: boolean;
    /** The key holds this permission somewhere it can act. */
    permission: string;
    /** The object is within the caller's reach (src/modules/auth/reach.ts). */
    reach: { type: OwnedType; obj: { id: string } };
  };
  Scalars: {
    DateTime: { Input: Date; Output: Date };
    JSON: { Input: unknown; Output: unknown };
  };
  DefaultFieldNullability: false;
  /** Every list's connection also counts its whole result (only when asked: one count query). */
  Connection: { totalCount: () => Promise<number> };
}>({
  plugins: [ErrorsPlugin, ScopeAuthPlugin, RelayPlugin],
  defaultFieldNullability: false,
  scopeAuth: {
    // A subscription is refused when it is made, not when its first event would resolve.
    authorizeOnSubscribe: true,
    authScopes: (ctx) => ({
      management: !ctx.actor.isPublishable,
      permission: (p: string) => ctx.actor.has(p),
      reach: ({ type, obj }) => ctx.reach.sees(type, obj),
    }),
    // Say what is missing, as the REST routes do ("Missing permission keys:verify"), not
    // "Not authorized to resolve Mutation.verifyKey".
    unauthorizedError: (_parent, _ctx, _info, result) => {
      const missing = missingScope(result.failure);
      if (missing?.scope === 'permission' && typeof missing.parameter === 'string')
        return new ForbiddenError(`Missing permission ${missing.parameter}`, missing.parameter);
      if (missing?.scope === 'management') return new ForbiddenError('Publishable keys cannot call management operations');
      return new ForbiddenError(result.message);
    },
  },
  errors: { defaultTypes: [] },
  relay: {
    clientMutationId: 'omit',
    cursorType: 'String',
    firstArgOptions: { description: `Page size: 1 to ${MAX_PAGE} (default ${DEFAULT_PAGE}).` },
    afterArgOptions: { description: 'The endCursor of the previous page; omitted: the first page.' },
    lastArgOptions: { description: 'Not supported: lists page forward only (first, after).' },
    beforeArgOptions: { description: 'Not supported: lists page forward only (first, after).' },
    pageInfoFieldOptions: { description: 'Where this page sits: whether more follow, and the cursors to ask for them.' },
    edgesFieldOptions: { description: 'The items of this page, each with its cursor.' },
    cursorFieldOptions: { description: 'Pass as `after` to get the items following this one.' },
    nodeFieldOptions: { description: 'The item.' },
    hasNextPageFieldOptions: { description: 'Whether another page follows (ask with after: endCursor).' },
    hasPreviousPageFieldOptions: { description: 'Whether this page was asked for with a cursor.' },
    startCursorFieldOptions: { description: 'The cursor of the first item; null on an empty page.' },
    endCursorFieldOptions: { description: 'The cursor of the last item; null on an empty page.' },
    defaultConnectionTypeOptions: { description: 'A page of a list (Relay connection).' },
    defaultEdgeTypeOptions: { description: 'One item of a page, with its cursor.' },
    nodeQueryOptions: false,
    nodesQueryOptions: false,
  },
});

/** The scopes a management field needs: not publishable, and holds the permission. */
export function needs(permission: string) {
  return { $all: { management: true, permission } } as const;
}

/**
 * Type options for an organisation-owned object type: before any object of the type is returned
 * (by any field, present or future) reach re-checks it, so a resolver that loads around
 * `Reach.load` fails closed instead of leaking. Loaders return null for what is out of reach, so
 * this check only fires on a bug.
 */
export function reachable<T extends { id: string }>(type: OwnedType) {
  return { runScopesOnType: true, authScopes: (obj: T) => ({ reach: { type, obj } }) } as const;
}

/** The first plain scope that failed (inside $all / $any), with its parameter. */
function missingScope(failure: AuthFailure): { scope: string; parameter: unknown } | null {
  if (failure.kind === 'AuthScope') return { scope: failure.scope, parameter: failure.parameter };
  if (failure.kind === 'AllAuthScopes' || failure.kind === 'AnyAuthScopes') {
    for (const f of failure.failures) {
      const found = missingScope(f);
      if (found) return found;
    }
  }
  return null;
}

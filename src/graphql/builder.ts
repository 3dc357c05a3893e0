import SchemaBuilder from '@pothos/core';
import ErrorsPlugin from '@pothos/plugin-errors';
import RelayPlugin from '@pothos/plugin-relay';
import ScopeAuthPlugin from '@pothos/plugin-scope-auth';
import { ForbiddenError } from '../lib/errors.ts';
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
  };
  Scalars: {
    DateTime: { Input: Date; Output: Date };
    JSON: { Input: unknown; Output: unknown };
  };
  DefaultFieldNullability: false;
}>({
  plugins: [ErrorsPlugin, ScopeAuthPlugin, RelayPlugin],
  defaultFieldNullability: false,
  scopeAuth: {
    authScopes: (ctx) => ({
      management: !ctx.actor.isPublishable,
      permission: (p: string) => ctx.actor.has(p),
    }),
    unauthorizedError: (_parent, _ctx, _info, result) => new ForbiddenError(result.message),
  },
  errors: { defaultTypes: [] },
  relay: {
    clientMutationId: 'omit',
    cursorType: 'String',
    nodeQueryOptions: false,
    nodesQueryOptions: false,
  },
});

/** The scopes a management field needs: not publishable, and holds the permission. */
export function needs(permission: string) {
  return { $all: { management: true, permission } } as const;
}

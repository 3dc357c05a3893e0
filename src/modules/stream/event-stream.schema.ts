import { GraphQLError } from 'graphql';
import { builder, needs } from '../../graphql/builder.ts';
import { ValidationError } from '../../lib/errors.ts';
import { invalidEventPattern } from '../events/event-filter.ts';
import { EventRef } from '../events/event.schema.ts';
import type { StreamItem } from './event-stream.ts';

const KeyEventsFilter = builder.inputType('KeyEventsFilter', {
  fields: (t) => ({
    types: t.stringList({ description: 'Exact types or families such as api_key.*; omitted: every type.' }),
    keyId: t.id({ description: 'Only events about this key (ApiKey.id).' }),
  }),
});

builder.subscriptionField('keyEvents', (t) =>
  t.field({
    type: EventRef,
    authScopes: needs('events:read'),
    description:
      'Lifecycle events of the calling key’s organization and the sub-accounts it reaches, as they commit (graphql-ws or SSE). Ends with an UNAUTHENTICATED error when the key is revoked, expires or its user is disabled.',
    args: { filter: t.arg({ type: KeyEventsFilter }) },
    subscribe: (_r, args, ctx) => {
      const types = args.filter?.types ?? [];
      if (types.length > 50) throw ValidationError.field('filter.types', 'at most 50 entries');
      types.forEach((ty, i) => {
        const why = invalidEventPattern(ty);
        if (why) throw ValidationError.field(`filter.types.${i}`, why);
      });
      const keyId = args.filter?.keyId ? String(args.filter.keyId) : null;
      if (keyId && keyId.length > 64) throw ValidationError.field('filter.keyId', 'at most 64 characters');
      return ctx.deps.eventStream.subscribe(ctx.actor, { types, keyId });
    },
    resolve: (item: StreamItem) => {
      if ('closed' in item) throw new GraphQLError(`Subscription closed: ${item.closed}`, { extensions: { code: 'UNAUTHENTICATED' } });
      return item.event;
    },
  }),
);

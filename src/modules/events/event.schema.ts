import { counted } from '../../graphql/connection.ts';
import { builder, needs, reachable } from '../../graphql/builder.ts';
import { svc } from '../../graphql/context.ts';
import { eventTypeCatalogue, type EventTypeInfo } from './event-catalog.ts';
import { listEvents } from './event-feed.service.ts';

/**
 * What the `Event` type resolves from: an event row, or its wire form (`toEventJson`, with
 * `occurredAt` as a string), so queries, subscriptions and webhooks share one GraphQL type.
 */
export type EventShape = {
  id: string;
  type: string;
  occurredAt: Date | string;
  organizationId: string;
  keyId?: string | null;
  data: Record<string, unknown>;
};

export const EventRef = builder.objectRef<EventShape>('Event').implement({
  description: 'A lifecycle event (api_key.*, user.*, role.*, organization.*, webhook_endpoint.*). Never carries a secret.',
  ...reachable<EventShape>('Event'),
  fields: (t) => ({
    id: t.exposeID('id'),
    type: t.exposeString('type', { description: 'e.g. api_key.created' }),
    occurredAt: t.field({ type: 'DateTime', resolve: (e) => (e.occurredAt instanceof Date ? e.occurredAt : new Date(e.occurredAt)) }),
    organizationId: t.exposeID('organizationId'),
    apiKeyId: t.id({ nullable: true, description: 'The API key concerned (ApiKey.id, key_…), if any.', resolve: (e) => e.keyId ?? null }),
    keyId: t.id({
      nullable: true,
      description: 'The API key concerned (ApiKey.id), if any.',
      deprecationReason: 'Named like ApiKey.keyId (the id inside a token) but holds ApiKey.id: use apiKeyId.',
      resolve: (e) => e.keyId ?? null,
    }),
    data: t.expose('data', { type: 'JSON' }),
  }),
});

export const EventFilterInput = builder.inputType('EventFilter', {
  fields: (t) => ({
    types: t.stringList({ description: 'Event types, or a family such as api_key.*; omitted: every type.' }),
    keyId: t.id({ description: 'Only events about this key (ApiKey.id).' }),
    since: t.field({ type: 'DateTime', description: 'Inclusive.' }),
    organizationId: t.id({ description: 'Default: the calling key’s organization.' }),
  }),
});

export const EventOrderEnum = builder.enumType('EventOrder', {
  description: 'The order of the events feed. A cursor continues the order it came from.',
  values: {
    OLDEST_FIRST: { description: 'Commit order: the polling feed (after: endCursor never skips an event).' },
    NEWEST_FIRST: { description: 'Most recent first; pages go back in time (e.g. the last few events of a type).' },
  } as const,
});

builder.queryField('events', (t) =>
  t.connection(
    {
      type: EventRef,
      authScopes: needs('events:read'),
      description: 'Events of one organization, in commit order by default; poll with after: pageInfo.endCursor.',
      args: { filter: t.arg({ type: EventFilterInput }), order: t.arg({ type: EventOrderEnum, defaultValue: 'OLDEST_FIRST' }) },
      resolve: (_r, args, ctx) => listEvents(svc(ctx), args.filter, args, args.order ?? 'OLDEST_FIRST'),
    },
    { name: 'EventConnection', ...counted },
    { name: 'EventEdge' },
  ),
);

const EventTypeInfoRef = builder.objectRef<EventTypeInfo>('EventTypeInfo').implement({
  description: 'One event type of the catalogue: what it means and the JSON Schema of its events.',
  fields: (t) => ({
    type: t.exposeString('type', { description: 'e.g. api_key.revoked: the `type` field of its events and the name webhook filters take.' }),
    description: t.exposeString('description'),
    schema: t.expose('schema', {
      type: 'JSON',
      description: 'A self-contained JSON Schema (2020-12) of the whole event as webhooks and subscriptions deliver it.',
    }),
  }),
});

builder.queryField('eventTypes', (t) =>
  t.field({
    type: [EventTypeInfoRef],
    authScopes: needs('events:read'),
    description: 'Every event type Keyplane emits, with its JSON Schema: for choosing webhook filters and building receivers.',
    resolve: () => eventTypeCatalogue(),
  }),
);

import { GraphQLError } from 'graphql';
import { builder, needs } from '../../graphql/builder.ts';
import { assertMayVerify } from './verify.service.ts';
import { invalidationFeed, type KeyInvalidationItem } from './invalidation-feed.ts';

const KeyInvalidationScope = builder.enumType('KeyInvalidationScope', {
  values: {
    READY: { description: 'First message: from now on every change is delivered; drop everything cached before it.' },
    KEY: { description: 'This key changed (updated, rotated, revoked, expired, deleted): drop it (keyId is the public key id).' },
    USER: { description: 'This user changed (disabled, roles assigned): drop every key acting as them.' },
    ORGANIZATION: { description: 'Roles, catalogue or settings of this organisation changed: drop every key.' },
    ALL: { description: 'Drop every cached key (a change above the caller’s organisation, or to the caller’s own key).' },
  } as const,
});

type Invalidated = Extract<KeyInvalidationItem, { scope: string }>;
const KeyInvalidation = builder.objectRef<Invalidated>('KeyInvalidation').implement({
  description: 'A change that affects cached verifications of keys the caller can verify (the SDK’s local verification).',
  fields: (t) => ({
    scope: t.field({ type: KeyInvalidationScope, resolve: (i) => i.scope }),
    keyId: t.string({ nullable: true, resolve: (i) => i.keyId }),
    userId: t.id({ nullable: true, resolve: (i) => i.userId }),
    organizationId: t.id({ nullable: true, resolve: (i) => i.organizationId }),
    at: t.field({ type: 'DateTime', resolve: (i) => i.at }),
  }),
});

builder.subscriptionField('keyInvalidations', (t) =>
  t.field({
    type: KeyInvalidation,
    authScopes: needs('keys:verify'),
    description:
      'Key-cache invalidations for keys the caller can verify (its organisation and below), for hosts that verify locally (the SDK). Starts with READY. Ends with an UNAUTHENTICATED error when the caller’s key may no longer verify.',
    subscribe: (_r, _args, ctx) => {
      assertMayVerify(ctx.actor);
      return invalidationFeed(ctx.deps).subscribe(ctx.actor);
    },
    resolve: (item: KeyInvalidationItem) => {
      if ('closed' in item) throw new GraphQLError(`Subscription closed: ${item.closed}`, { extensions: { code: 'UNAUTHENTICATED' } });
      return item;
    },
  }),
);

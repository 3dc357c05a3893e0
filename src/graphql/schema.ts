import { lexicographicSortSchema } from 'graphql';
import { describeSchema } from './descriptions.ts';
import { builder } from './builder.ts';
import './scalars.ts';
import './errors.ts';
import '../modules/orgs/organization.schema.ts';
import '../modules/catalog/catalog.schema.ts';
import '../modules/users/user.schema.ts';
import '../modules/roles/role.schema.ts';
import '../modules/keys/api-key.schema.ts';
import '../modules/customers/customer.schema.ts';
import '../modules/verification/verify.schema.ts';
import '../modules/usage/usage.schema.ts';
import '../modules/audit/audit.schema.ts';
import '../modules/events/event.schema.ts';
import '../modules/notifications/notification.schema.ts';
import '../modules/webhooks/webhook.schema.ts';
import '../modules/stream/event-stream.schema.ts';
import '../modules/verification/invalidation.schema.ts';
import '../modules/viewer/viewer.schema.ts';
import '../modules/console/console.schema.ts';

builder.queryType({});
builder.mutationType({});
builder.subscriptionType({});

export const schema = describeSchema(lexicographicSortSchema(builder.toSchema()));

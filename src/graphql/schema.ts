import { lexicographicSortSchema } from 'graphql';
import { builder } from './builder.js';
import './scalars.js';
import './errors.js';
import '../modules/orgs/organization.schema.js';
import '../modules/catalog/catalog.schema.js';
import '../modules/users/user.schema.js';
import '../modules/roles/role.schema.js';
import '../modules/keys/api-key.schema.js';
import '../modules/keys/verify.schema.js';
import '../modules/usage/usage.schema.js';
import '../modules/audit/audit.schema.js';
import '../modules/events/event.schema.js';
import '../modules/notifications/notification.schema.js';
import '../modules/webhooks/webhook.schema.js';
import '../modules/events/event-stream.schema.js';
import '../modules/viewer/viewer.schema.js';
import '../modules/console/console.schema.js';

builder.queryType({});
builder.mutationType({});
builder.subscriptionType({});

export const schema = lexicographicSortSchema(builder.toSchema());

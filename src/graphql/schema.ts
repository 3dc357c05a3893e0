import { lexicographicSortSchema } from 'graphql';
import { builder } from './builder.js';
import './scalars.js';
import './errors.js';
import '../modules/orgs/organization.schema.js';
import '../modules/catalog/catalog.schema.js';
import '../modules/users/user.schema.js';
import '../modules/roles/role.schema.js';
import '../modules/keys/api-key.schema.js';
import '../modules/audit/audit.schema.js';
import '../modules/events/event.schema.js';
import '../modules/viewer/viewer.schema.js';

builder.queryType({});
builder.mutationType({});

export const schema = lexicographicSortSchema(builder.toSchema());

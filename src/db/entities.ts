import { ApiKey } from '../modules/keys/api-key.entity.js';
import { AuditEntry } from '../modules/audit/audit-entry.entity.js';
import { EventRecord } from '../modules/events/event.entity.js';
import { Organization } from '../modules/orgs/organization.entity.js';
import { ResourceDefinition } from '../modules/catalog/resource.entity.js';
import { Role, RoleAssignment } from '../modules/roles/role.entity.js';
import { User } from '../modules/users/user.entity.js';

/** Every entity the ORM knows; add new domains' entities here. */
export const entities = [Organization, User, ResourceDefinition, Role, RoleAssignment, ApiKey, EventRecord, AuditEntry];

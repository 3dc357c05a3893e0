import { ApiKey } from '../modules/keys/api-key.entity.js';
import { AuditEntry } from '../modules/audit/audit-entry.entity.js';
import { ConsoleSession } from '../modules/console/console-session.entity.js';
import { EventRecord } from '../modules/events/event.entity.js';
import { Notification } from '../modules/notifications/notification.entity.js';
import { Organization } from '../modules/orgs/organization.entity.js';
import { ResourceDefinition } from '../modules/catalog/resource.entity.js';
import { Role, RoleAssignment } from '../modules/roles/role.entity.js';
import { User } from '../modules/users/user.entity.js';
import { Delivery, DeliveryAttempt } from '../modules/webhooks/delivery.entity.js';
import { WebhookEndpoint } from '../modules/webhooks/webhook-endpoint.entity.js';
import { KeyVerification, UsageBucket } from '../modules/usage/usage.entity.js';

/** Every entity the ORM knows; add new domains' entities here. */
export const entities = [Organization, User, ResourceDefinition, Role, RoleAssignment, ApiKey, EventRecord, AuditEntry, WebhookEndpoint, Delivery, DeliveryAttempt, Notification, UsageBucket, KeyVerification, ConsoleSession];

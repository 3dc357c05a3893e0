import { ApiKey } from '../modules/keys/api-key.entity.ts';
import { AuditEntry } from '../modules/audit/audit-entry.entity.ts';
import { ConsoleSession } from '../modules/console/console-session.entity.ts';
import { Customer } from '../modules/customers/customer.entity.ts';
import { EventRecord } from '../modules/events/event.entity.ts';
import { Notification } from '../modules/notifications/notification.entity.ts';
import { Organization } from '../modules/orgs/organization.entity.ts';
import { ResourceDefinition } from '../modules/catalog/resource.entity.ts';
import { Role, RoleAssignment } from '../modules/roles/role.entity.ts';
import { User } from '../modules/users/user.entity.ts';
import { Delivery, DeliveryAttempt } from '../modules/webhooks/delivery.entity.ts';
import { WebhookEndpoint } from '../modules/webhooks/webhook-endpoint.entity.ts';
import { KeyVerification, UsageBucket } from '../modules/usage/usage.entity.ts';

/** Every entity the ORM knows; add new domains' entities here. */
export const entities = [
  Organization,
  User,
  ResourceDefinition,
  Role,
  RoleAssignment,
  ApiKey,
  EventRecord,
  AuditEntry,
  WebhookEndpoint,
  Delivery,
  DeliveryAttempt,
  Notification,
  UsageBucket,
  KeyVerification,
  ConsoleSession,
  Customer,
];

import { ApiKey } from './api-key.entity.ts';
import { AuditEntry } from './audit-entry.entity.ts';
import { ConsoleSession } from './console-session.entity.ts';
import { Customer } from './customer.entity.ts';
import { EventRecord } from './event.entity.ts';
import { Notification } from './notification.entity.ts';
import { Organization } from './organization.entity.ts';
import { ResourceDefinition } from './resource.entity.ts';
import { Role, RoleAssignment } from './role.entity.ts';
import { User } from './user.entity.ts';
import { Delivery, DeliveryAttempt } from './delivery.entity.ts';
import { WebhookEndpoint } from './webhook-endpoint.entity.ts';
import { KeyVerification, UsageBucket } from './usage.entity.ts';

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

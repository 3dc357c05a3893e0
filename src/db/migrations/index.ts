import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261123000000_foundation } from './Migration20261123000000_foundation.ts';
import { Migration20261123010000_keys } from './Migration20261123010000_keys.ts';
import { Migration20261123020000_usage } from './Migration20261123020000_usage.ts';
import { Migration20261123030000_webhooks } from './Migration20261123030000_webhooks.ts';
import { Migration20261123040000_expiry } from './Migration20261123040000_expiry.ts';
import { Migration20261123050000_console } from './Migration20261123050000_console.ts';
import { Migration20261123060000_console_idle } from './Migration20261123060000_console_idle.ts';
import { Migration20261123070000_usage_compaction } from './Migration20261123070000_usage_compaction.ts';
import { Migration20261204000000_outbox_notify } from './Migration20261204000000_outbox_notify.ts';
import { Migration20261204000001_endpoint_rate } from './Migration20261204000001_endpoint_rate.ts';
import { Migration20261204010000_leaks } from './Migration20261204010000_leaks.ts';
import { Migration20261204020000_customers } from './Migration20261204020000_customers.ts';
import { Migration20261204030000_credit_usage } from './Migration20261204030000_credit_usage.ts';
import { Migration20261204040000_idempotency } from './Migration20261204040000_idempotency.ts';
import { Migration20261204050000_key_policy } from './Migration20261204050000_key_policy.ts';
import { Migration20261204060000_calendar_refill } from './Migration20261204060000_calendar_refill.ts';
import { Migration20261205000000_delivery_batch } from './Migration20261205000000_delivery_batch.ts';
import { Migration20261205010000_partitions } from './Migration20261205010000_partitions.ts';
import { Migration20261205020000_event_partitions } from './Migration20261205020000_event_partitions.ts';

/** Explicit, ordered list: no glob loading, works the same under Node, vitest and a bundler. */
export const migrationsList: MigrationObject[] = [
  { name: 'Migration20261123000000_foundation', class: Migration20261123000000_foundation },
  { name: 'Migration20261123010000_keys', class: Migration20261123010000_keys },
  { name: 'Migration20261123020000_usage', class: Migration20261123020000_usage },
  { name: 'Migration20261123030000_webhooks', class: Migration20261123030000_webhooks },
  { name: 'Migration20261123040000_expiry', class: Migration20261123040000_expiry },
  { name: 'Migration20261123050000_console', class: Migration20261123050000_console },
  { name: 'Migration20261123060000_console_idle', class: Migration20261123060000_console_idle },
  { name: 'Migration20261123070000_usage_compaction', class: Migration20261123070000_usage_compaction },
  { name: 'Migration20261204000000_outbox_notify', class: Migration20261204000000_outbox_notify },
  { name: 'Migration20261204000001_endpoint_rate', class: Migration20261204000001_endpoint_rate },
  { name: 'Migration20261204010000_leaks', class: Migration20261204010000_leaks },
  { name: 'Migration20261204020000_customers', class: Migration20261204020000_customers },
  { name: 'Migration20261204030000_credit_usage', class: Migration20261204030000_credit_usage },
  { name: 'Migration20261204040000_idempotency', class: Migration20261204040000_idempotency },
  { name: 'Migration20261204050000_key_policy', class: Migration20261204050000_key_policy },
  { name: 'Migration20261204060000_calendar_refill', class: Migration20261204060000_calendar_refill },
  { name: 'Migration20261205000000_delivery_batch', class: Migration20261205000000_delivery_batch },
  { name: 'Migration20261205010000_partitions', class: Migration20261205010000_partitions },
  { name: 'Migration20261205020000_event_partitions', class: Migration20261205020000_event_partitions },
];

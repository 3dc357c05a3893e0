import { Migration } from '@mikro-orm/migrations';
import { type PartitionedTableSpec, partitionSql, unpartitionSql } from './Migration20261205010000_partitions.ts';

/**
 * Events, deliveries and delivery attempts partitioned by month on the event's time, so a month
 * of all three leaves together. A delivery and its attempts carry their event's `occurred_at`
 * (`event_occurred_at`); its uniqueness per (event, endpoint) includes it, as a partitioned
 * table's unique keys must. The foreign keys between the three go (a partition could not be
 * dropped while another table's partition referred to it); the code writes them together.
 */
const TABLES: PartitionedTableSpec[] = [
  {
    name: 'event',
    column: 'occurred_at',
    pk: 'seq, occurred_at',
    seq: { column: 'seq', sequence: 'event_seq_seq' },
    after: `
alter table event add unique (id, occurred_at);
create index event_org_idx on event(organization_id, seq);
create index event_unrelayed_idx on event(seq) where relayed_at is null;
create index event_key_idx on event(key_id, seq) where key_id is not null;
create index event_org_type_idx on event(organization_id, type, seq);
alter table event add foreign key (organization_id) references organization(id) deferrable initially deferred;
create trigger event_outbox_notify after insert on event for each statement execute function event_outbox_notify();
-- seq drawn under a transaction-scoped lock, so seq order is commit order (Migration20261123010000_keys).
create trigger event_assign_seq before insert on event for each row execute function event_assign_seq();`,
  },
  {
    name: 'delivery',
    column: 'event_occurred_at',
    pk: 'id, event_occurred_at',
    after: `
alter table delivery add unique (event_id, endpoint_id, event_occurred_at);
create index delivery_org_idx on delivery(organization_id, created_at, id);
create index delivery_endpoint_idx on delivery(endpoint_id, created_at, id);
create index delivery_pending_idx on delivery(next_attempt_at) where status = 'PENDING';
alter table delivery add foreign key (organization_id) references organization(id) deferrable initially deferred;
alter table delivery add foreign key (endpoint_id) references webhook_endpoint(id) deferrable initially deferred;`,
  },
  {
    name: 'delivery_attempt',
    column: 'event_occurred_at',
    pk: 'id, event_occurred_at',
    seq: { column: 'id', sequence: 'delivery_attempt_id_seq' },
    after: `
alter table delivery_attempt add unique (delivery_id, attempt, event_occurred_at);`,
  },
];

export class Migration20261205020000_event_partitions extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
insert into partition_policy values
  ('event', 'occurred_at', 'month', 3, 30),
  ('delivery', 'event_occurred_at', 'month', 3, 30),
  ('delivery_attempt', 'event_occurred_at', 'month', 3, 30);

alter table delivery add column event_occurred_at timestamptz;
update delivery d set event_occurred_at = e.occurred_at from event e where e.id = d.event_id;
update delivery set event_occurred_at = created_at where event_occurred_at is null;
-- The code always gives the event's time; the default serves hand-written rows (a fresh event's time is about now).
alter table delivery alter column event_occurred_at set not null, alter column event_occurred_at set default now();
alter table delivery_attempt add column event_occurred_at timestamptz;
update delivery_attempt a set event_occurred_at = d.event_occurred_at from delivery d where d.id = a.delivery_id;
update delivery_attempt set event_occurred_at = attempted_at where event_occurred_at is null;
alter table delivery_attempt alter column event_occurred_at set not null, alter column event_occurred_at set default now();
`);
    // Attempts first: each copy drops the old table, whose foreign keys point at the next one's.
    for (const t of [...TABLES].reverse()) this.addSql(partitionSql(t));
  }

  override async down(): Promise<void> {
    for (const t of TABLES) this.addSql(unpartitionSql(t));
    this.addSql(`
alter table delivery drop column event_occurred_at;
alter table delivery_attempt drop column event_occurred_at;
delete from partition_policy where parent in ('event', 'delivery', 'delivery_attempt');`);
  }
}

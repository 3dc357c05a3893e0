import { Migration } from '@mikro-orm/migrations';

export class Migration20261123040000_expiry extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
-- One row per warning sent. The primary key makes a second warning for the same threshold in the
-- same inactivity period (identified by the key's last_activity_at) impossible, even when two
-- sweeps race: the loser's insert does nothing and it writes no event.
create table key_expiry_warning (
  key_id text not null references api_key(id) on delete cascade deferrable initially deferred,
  period_start timestamptz not null,
  threshold int not null check (threshold > 0),
  days_left int not null,
  sent_at timestamptz not null,
  primary key (key_id, period_start, threshold)
);

-- The sweep's second walk: active keys whose validity window has ended.
create index api_key_active_valid_until_idx on api_key(valid_until, id)
  where status = 'ACTIVE' and deleted_at is null and valid_until is not null;

-- In-app notifications belong to an organisation; whoever holds keys:read there sees them.
create table notification (
  id text primary key,
  organization_id text not null references organization(id) deferrable initially deferred,
  type text not null,
  key_id text,
  event_id text,
  title text not null,
  data jsonb not null default '{}',
  created_at timestamptz not null default now()
);
create index notification_org_idx on notification(organization_id, created_at desc, id desc);
create unique index notification_event_uq on notification(event_id) where event_id is not null;

-- Read state is per user: one admin reading a notification leaves it unread for the others.
create table notification_read (
  notification_id text not null references notification(id) on delete cascade deferrable initially deferred,
  user_id text not null references app_user(id) deferrable initially deferred,
  read_at timestamptz not null default now(),
  primary key (notification_id, user_id)
);
`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists notification_read, notification, key_expiry_warning cascade;
drop index if exists api_key_active_valid_until_idx;`);
  }
}

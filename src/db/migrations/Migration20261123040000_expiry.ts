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

-- The sweep's walks: active keys whose validity window has ended, and each organisation's
-- active keys from its own inactivity horizon (so one organisation's short period never makes
-- the sweep read another's keys).
create index api_key_active_valid_until_idx on api_key(valid_until, id)
  where status = 'ACTIVE' and deleted_at is null and valid_until is not null;
create index api_key_org_activity_idx on api_key(organization_id, last_activity_at, id)
  where status = 'ACTIVE' and deleted_at is null;

-- The previous whole-deployment sweep, for the next one's incremental pass. swept_until null:
-- the next sweep must be a full one. A change to an organisation's expiry settings makes keys due
-- at instants no incremental slice looks at, so it clears swept_until and moves the generation
-- (a sweep that started before the change does not record its instant).
create table expiry_sweep_state (
  id int primary key check (id = 1),
  swept_until timestamptz,
  full_sweep_at timestamptz,
  settings_generation bigint not null default 0
);

create function organization_expiry_settings_changed() returns trigger language plpgsql as $$
begin
  insert into expiry_sweep_state (id, settings_generation) values (1, 1)
  on conflict (id) do update set swept_until = null, settings_generation = expiry_sweep_state.settings_generation + 1;
  return null;
end $$;
create trigger organization_expiry_settings_changed after update of inactivity_days, warning_days on organization
  for each row when (old.inactivity_days is distinct from new.inactivity_days or old.warning_days is distinct from new.warning_days)
  execute function organization_expiry_settings_changed();

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
    this.addSql(`drop trigger if exists organization_expiry_settings_changed on organization;
drop function if exists organization_expiry_settings_changed();
drop table if exists notification_read, notification, expiry_sweep_state, key_expiry_warning cascade;
drop index if exists api_key_active_valid_until_idx, api_key_org_activity_idx;`);
  }
}

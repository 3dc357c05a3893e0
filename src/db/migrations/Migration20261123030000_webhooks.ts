import { Migration } from '@mikro-orm/migrations';

export class Migration20261123030000_webhooks extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
create table webhook_endpoint (
  id text primary key,
  organization_id text not null references organization(id) deferrable initially deferred,
  kind text not null default 'WEBHOOK' check (kind in ('WEBHOOK','ZAPIER')),
  url text not null check (length(url) <= 2048),
  description text,
  event_types text[] not null default '{}',
  include_sub_accounts boolean not null default false,
  enabled boolean not null default true,
  disabled_reason text check (disabled_reason in ('MANUAL','GONE','FAILING')),
  disabled_at timestamptz,
  failing_since timestamptz,
  secret_sealed text not null,
  previous_secret_sealed text,
  previous_secret_expires_at timestamptz,
  secret_rotated_at timestamptz,
  created_by_key_id text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  deleted_at timestamptz
);
create index webhook_endpoint_org_idx on webhook_endpoint(organization_id, created_at, id) where deleted_at is null;

create table delivery (
  id text primary key,
  organization_id text not null references organization(id) deferrable initially deferred,
  endpoint_id text not null references webhook_endpoint(id) deferrable initially deferred,
  event_id text not null references event(id) deferrable initially deferred,
  event_type text not null,
  msg_id text not null,
  status text not null default 'PENDING' check (status in ('PENDING','SUCCEEDED','FAILED')),
  round int not null default 0,
  round_attempts int not null default 0,
  attempt_count int not null default 0,
  next_attempt_at timestamptz,
  last_attempt_at timestamptz,
  last_status_code int,
  last_error text,
  succeeded_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (event_id, endpoint_id)
);
create index delivery_org_idx on delivery(organization_id, created_at, id);
create index delivery_endpoint_idx on delivery(endpoint_id, created_at, id);
create index delivery_pending_idx on delivery(next_attempt_at) where status = 'PENDING';

create table delivery_attempt (
  id bigserial primary key,
  delivery_id text not null references delivery(id) on delete cascade deferrable initially deferred,
  attempt int not null,
  round int not null,
  attempted_at timestamptz not null,
  status_code int,
  duration_ms int not null,
  success boolean not null,
  response_excerpt text,
  error_code text,
  error_message text,
  unique (delivery_id, attempt)
);
`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists delivery_attempt, delivery, webhook_endpoint cascade;`);
  }
}

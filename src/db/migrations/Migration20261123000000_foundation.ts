import { Migration } from '@mikro-orm/migrations';

export class Migration20261123000000_foundation extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
create table organization (
  id text primary key,
  name text not null,
  parent_id text references organization(id) deferrable initially deferred,
  path text not null,
  depth int not null default 0,
  inactivity_days int not null default 90 check (inactivity_days between 0 and 3650),
  warning_days int[] not null default '{15,7,1}',
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index organization_parent_idx on organization(parent_id);
create index organization_path_idx on organization(path text_pattern_ops);

create table app_user (
  id text primary key,
  organization_id text not null references organization(id) deferrable initially deferred,
  name text not null,
  email text,
  kind text not null check (kind in ('HUMAN','SERVICE')),
  status text not null default 'ACTIVE' check (status in ('ACTIVE','DISABLED','DELETED')),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index app_user_org_idx on app_user(organization_id, created_at, id);
create unique index app_user_email_uq on app_user(organization_id, lower(email)) where email is not null and status <> 'DELETED';

create table resource_definition (
  id text primary key,
  organization_id text not null references organization(id) deferrable initially deferred,
  name text not null,
  description text,
  actions text[] not null,
  public_actions text[] not null default '{}',
  sensitive_fields text[] not null default '{}',
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (organization_id, name)
);

create table role (
  id text primary key,
  organization_id text not null references organization(id) deferrable initially deferred,
  name text not null,
  description text,
  permissions text[] not null default '{}',
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (organization_id, name)
);

create table role_assignment (
  id text primary key,
  user_id text not null references app_user(id) deferrable initially deferred,
  role_id text not null references role(id) on delete cascade deferrable initially deferred,
  resource_limits jsonb,
  created_at timestamptz not null default now(),
  unique (user_id, role_id)
);
create index role_assignment_role_idx on role_assignment(role_id);

create table api_key (
  id text primary key,
  key_id text not null unique,
  organization_id text not null references organization(id) deferrable initially deferred,
  user_id text not null references app_user(id) deferrable initially deferred,
  kind text not null check (kind in ('SECRET','PUBLISHABLE','INTEGRATION')),
  name text not null,
  description text,
  start text not null,
  secret_hash bytea not null,
  previous_secret_hash bytea,
  previous_secret_expires_at timestamptz,
  status text not null default 'ACTIVE' check (status in ('ACTIVE','REVOKED','EXPIRED')),
  permissions jsonb,
  valid_from timestamptz,
  valid_until timestamptz,
  allowed_ips text[] not null default '{}',
  sub_accounts jsonb not null default '{"mode":"NONE"}',
  rate_limit jsonb,
  credits int,
  credits_refill jsonb,
  metadata jsonb not null default '{}',
  last_used_at timestamptz,
  last_used_ip text,
  last_activity_at timestamptz not null default now(),
  rotated_at timestamptz,
  revoked_at timestamptz,
  revoked_reason text,
  deleted_at timestamptz,
  created_by_user_id text,
  created_by_key_id text,
  source text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index api_key_org_idx on api_key(organization_id, created_at, id) where deleted_at is null;
create index api_key_user_idx on api_key(user_id);
create index api_key_active_activity_idx on api_key(last_activity_at, id) where status = 'ACTIVE' and deleted_at is null;

create table event (
  seq bigserial primary key,
  id text not null unique,
  type text not null,
  organization_id text not null references organization(id) deferrable initially deferred,
  key_id text,
  occurred_at timestamptz not null default now(),
  data jsonb not null,
  relayed_at timestamptz
);
create index event_org_idx on event(organization_id, seq);
create index event_unrelayed_idx on event(seq) where relayed_at is null;

create table audit_entry (
  seq bigserial primary key,
  id text not null unique,
  organization_id text not null references organization(id) deferrable initially deferred,
  actor_user_id text,
  actor_key_id text,
  actor_key_name text,
  action text not null,
  target_type text not null,
  target_id text,
  changes jsonb not null default '{}',
  ip text,
  user_agent text,
  request_id text,
  occurred_at timestamptz not null default now()
);
create index audit_entry_org_idx on audit_entry(organization_id, seq);

create function audit_entry_append_only() returns trigger language plpgsql as $$
begin
  raise exception 'audit_entry is append-only' using errcode = 'insufficient_privilege';
end $$;
create trigger audit_entry_no_update before update or delete on audit_entry
  for each row execute function audit_entry_append_only();
create trigger audit_entry_no_truncate before truncate on audit_entry
  for each statement execute function audit_entry_append_only();
`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists audit_entry, event, api_key, role_assignment, role, resource_definition, app_user, organization cascade;
drop function if exists audit_entry_append_only();`);
  }
}

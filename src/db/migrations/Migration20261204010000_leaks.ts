import { Migration } from '@mikro-orm/migrations';

export class Migration20261204010000_leaks extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
-- What happens to a key found leaked (secret scanning, a public report): REVOKE it at once or
-- only NOTIFY. Null: as the parent organisation says (a root without a setting: REVOKE).
alter table organization add column leaked_key_policy text check (leaked_key_policy in ('REVOKE', 'NOTIFY'));

-- When the key was first found leaked (null: never).
alter table api_key add column leaked_at timestamptz;

-- Each report of a leaked key, once per key, source and place: a replayed report changes nothing.
create table key_leak (
  id text primary key,
  api_key_id text not null references api_key(id) on delete cascade,
  organization_id text not null references organization(id) on delete cascade,
  -- Who told us: 'github' (secret-scanning partner program) or 'report' (anyone, unauthenticated).
  reporter text not null check (reporter in ('github', 'report')),
  token_type text,
  url text,
  -- Where GitHub found it (content, commit, issue, …).
  source text,
  action text not null check (action in ('REVOKED', 'NOTIFIED', 'ALREADY_INACTIVE')),
  reported_at timestamptz not null default now(),
  -- The url (or '' when none) identifies the place: one row per key, reporter and place.
  place text not null
);
create unique index key_leak_place_idx on key_leak (api_key_id, reporter, place);
create index key_leak_org_idx on key_leak (organization_id, reported_at desc);
`);
  }

  override async down(): Promise<void> {
    this.addSql(`
drop table if exists key_leak;
alter table api_key drop column if exists leaked_at;
alter table organization drop column if exists leaked_key_policy;
`);
  }
}

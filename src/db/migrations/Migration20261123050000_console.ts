import { Migration } from '@mikro-orm/migrations';

export class Migration20261123050000_console extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
-- A console sign-in: first a one-time link (link_hash, valid for minutes), then, once exchanged,
-- a cookie session (session_hash). Only keyed hashes of either secret are stored.
create table console_session (
  id text primary key,
  organization_id text not null references organization(id) deferrable initially deferred,
  user_id text not null references app_user(id) deferrable initially deferred,
  link_hash bytea not null,
  link_expires_at timestamptz not null,
  return_path text,
  used_at timestamptz,
  session_hash bytea,
  expires_at timestamptz,
  revoked_at timestamptz,
  -- Never wider than the reach of the key that minted it.
  sub_accounts jsonb not null default '{"mode":"NONE"}',
  created_by_user_id text,
  created_by_key_id text,
  created_at timestamptz not null default now()
);
create index console_session_user_idx on console_session(user_id);
`);
  }

  override async down(): Promise<void> {
    this.addSql('drop table if exists console_session;');
  }
}

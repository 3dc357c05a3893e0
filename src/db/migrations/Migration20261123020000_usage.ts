import { Migration } from '@mikro-orm/migrations';

/**
 * Usage metering: per-minute counts by key and outcome, a bounded log of recent verifications,
 * the roll-up's applied-batch ledger, and the credits epoch.
 *
 * Roll-up idempotency: each batch moved out of Redis carries a random id; the worker inserts
 * that id into `usage_batch` in the same transaction as the counts, so a batch re-processed
 * after a crash conflicts there and is skipped, never counted twice.
 *
 * Credits: Redis holds the live counter, PostgreSQL the truth written back by the roll-up. Any
 * write of `credits` other than the roll-up's (which sets `keyplane.credits_sync` for its
 * transaction) bumps `credits_epoch`; verification re-seeds Redis when the cached key's epoch is
 * newer than the counter's, and the roll-up only writes back a counter of the current epoch, so
 * an admin's top-up is never overwritten by an older counter.
 */
export class Migration20261123020000_usage extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
alter table api_key
  add column credits_epoch int not null default 0,
  add column credits_refilled_at timestamptz;

create function api_key_credits_epoch() returns trigger language plpgsql as $$
begin
  if coalesce(current_setting('keyplane.credits_sync', true), '') <> 'on' then
    new.credits_epoch := old.credits_epoch + 1;
    new.credits_refilled_at := null;
  end if;
  return new;
end $$;
create trigger api_key_credits_epoch before update of credits on api_key
  for each row execute function api_key_credits_epoch();

create table usage_bucket (
  api_key_id text not null references api_key(id) on delete cascade deferrable initially deferred,
  organization_id text not null references organization(id) deferrable initially deferred,
  minute timestamptz not null,
  code text not null,
  count bigint not null check (count >= 0),
  primary key (api_key_id, minute, code)
);
create index usage_bucket_org_idx on usage_bucket(organization_id, minute);

create table usage_batch (
  id text primary key,
  applied_at timestamptz not null default now()
);
create index usage_batch_applied_idx on usage_batch(applied_at);

create table key_verification (
  id bigserial primary key,
  api_key_id text not null references api_key(id) on delete cascade deferrable initially deferred,
  organization_id text not null references organization(id) deferrable initially deferred,
  at timestamptz not null,
  ip text,
  permission text,
  code text not null
);
create index key_verification_key_idx on key_verification(api_key_id, at desc, id desc);
create index key_verification_at_idx on key_verification(at);
`);
  }

  override async down(): Promise<void> {
    this.addSql(`
drop table if exists key_verification, usage_batch, usage_bucket;
drop trigger if exists api_key_credits_epoch on api_key;
drop function if exists api_key_credits_epoch();
alter table api_key drop column if exists credits_epoch, drop column if exists credits_refilled_at;
`);
  }
}

import { Migration } from '@mikro-orm/migrations';

export class Migration20261204020000_customers extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
-- An organisation's record of one of its own customers: many keys may belong to one.
create table customer (
  id text primary key,
  organization_id text not null references organization(id) on delete cascade,
  -- The SaaS's own id for the customer, unique within the organisation.
  external_id text not null check (length(external_id) between 1 and 200),
  name text not null check (length(name) between 1 and 200),
  metadata jsonb not null default '{}',
  -- Limits every key of the customer shares, beside each key's own: a rate limit and a credit pool.
  rate_limit jsonb,
  -- The pool's credits not yet leased to the verification tier (as api_key.credits); null: no pool.
  credits int check (credits >= 0),
  credits_epoch int not null default 0,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (organization_id, external_id)
);
create index customer_org_created_idx on customer (organization_id, created_at, id);

-- As for keys: a write of credits other than a lease (keyplane.credits_sync) starts a new grant.
create function customer_credits_epoch() returns trigger language plpgsql as $$
begin
  if coalesce(current_setting('keyplane.credits_sync', true), '') <> 'on' then
    new.credits_epoch := old.credits_epoch + 1;
  end if;
  return new;
end $$;
create trigger customer_credits_epoch before update of credits on customer
  for each row execute function customer_credits_epoch();

alter table api_key add column customer_id text references customer(id) on delete set null;
create index api_key_customer_idx on api_key (customer_id) where customer_id is not null;
`);
  }

  override async down(): Promise<void> {
    this.addSql(`
alter table api_key drop column if exists customer_id;
drop table if exists customer;
drop function if exists customer_credits_epoch();
`);
  }
}

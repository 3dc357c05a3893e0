import { Migration } from '@mikro-orm/migrations';

export class Migration20261204030000_credit_usage extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
-- Credits spent by verification, per key and minute (and the key's customer at the time):
-- what creditUsage reports and bills are made from. Written with the usage counts, exactly once.
create table credit_usage (
  api_key_id text not null references api_key(id) on delete cascade,
  organization_id text not null references organization(id) on delete cascade,
  customer_id text not null default '',
  minute timestamptz not null,
  credits bigint not null check (credits >= 0),
  primary key (api_key_id, minute, customer_id)
);
create index credit_usage_customer_idx on credit_usage (customer_id, minute) where customer_id <> '';
`);
  }

  override async down(): Promise<void> {
    this.addSql('drop table if exists credit_usage;');
  }
}

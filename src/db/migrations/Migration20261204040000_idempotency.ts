import { Migration } from '@mikro-orm/migrations';

export class Migration20261204040000_idempotency extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
-- The first answer to a request sent with an Idempotency-Key, per calling key, for 24 hours: a
-- retry with the same key and body gets it again instead of doing the work twice. An answer that
-- carried a secret is kept as a conflict pointing to what was made (a secret is shown once).
create table idempotency_record (
  caller_id text not null,
  idem_key text not null,
  body_hash bytea not null,
  state text not null check (state in ('PENDING', 'DONE')),
  status int,
  response text,
  created_at timestamptz not null default now(),
  primary key (caller_id, idem_key)
);
create index idempotency_record_created_idx on idempotency_record (created_at);
`);
  }

  override async down(): Promise<void> {
    this.addSql('drop table if exists idempotency_record;');
  }
}

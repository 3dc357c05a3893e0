import { Migration } from '@mikro-orm/migrations';

export class Migration20261205000000_delivery_batch extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
-- The id of the batch job that carries a delivery's first attempt (null: its own job, whose id
-- derives from the pair). The sweep looks for that job before re-creating a lost one.
alter table delivery add column batch_job_id text;
-- Set when an attempt is claimed, cleared when its answer is recorded: while it lies ahead, no
-- other job may claim the delivery (the request may still be on its way); a worker that died
-- mid-request leaves it to pass, and the delivery is attempted again.
alter table delivery add column in_flight_until timestamptz;
`);
  }

  override async down(): Promise<void> {
    this.addSql('alter table delivery drop column if exists batch_job_id, drop column if exists in_flight_until;');
  }
}

import { Migration } from '@mikro-orm/migrations';

export class Migration20261204000001_endpoint_rate extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
-- At most this many delivery attempts per second to one endpoint (null: no limit), so a slow
-- receiver is not flooded; deliveries over it wait for the next second.
alter table webhook_endpoint add column max_deliveries_per_second int check (max_deliveries_per_second between 1 and 10000);
`);
  }

  override async down(): Promise<void> {
    this.addSql('alter table webhook_endpoint drop column if exists max_deliveries_per_second;');
  }
}

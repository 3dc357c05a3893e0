import { Migration } from '@mikro-orm/migrations';

export class Migration20261123070000_usage_compaction extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
-- Minute buckets older than KEYPLANE_USAGE_MINUTE_DAYS are merged into their hour (the bucket at
-- minute 0): this index finds the ones left to merge without scanning the table.
create index usage_bucket_minute_detail_idx on usage_bucket (minute) where date_part('minute', minute at time zone 'UTC') <> 0;
`);
  }

  override async down(): Promise<void> {
    this.addSql('drop index if exists usage_bucket_minute_detail_idx;');
  }
}

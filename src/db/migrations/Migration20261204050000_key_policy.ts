import { Migration } from '@mikro-orm/migrations';

export class Migration20261204050000_key_policy extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
-- Key policies: { maxLifetimeDays, allowedKinds, requireIpAllowlist, rotationDays }, each field
-- null (or absent) = as the parent organisation says. Null: inherit every field.
alter table organization add column key_policy jsonb;
-- The start of the rotation period (created_at or rotated_at) a key was last told is due: once per key and period.
alter table api_key add column rotation_due_notified_at timestamptz;
`);
  }

  override async down(): Promise<void> {
    this.addSql('alter table organization drop column if exists key_policy; alter table api_key drop column if exists rotation_due_notified_at;');
  }
}

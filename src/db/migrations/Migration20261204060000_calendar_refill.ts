import { Migration } from '@mikro-orm/migrations';

export class Migration20261204060000_calendar_refill extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
-- Calendar refills of a customer's pool (as keys have): { amount, period: DAILY | MONTHLY, dayOfMonth }.
alter table customer add column credits_refill jsonb, add column credits_refilled_at timestamptz;
`);
  }

  override async down(): Promise<void> {
    this.addSql('alter table customer drop column if exists credits_refill, drop column if exists credits_refilled_at;');
  }
}

import { Migration } from '@mikro-orm/migrations';

export class Migration20261204000000_outbox_notify extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
-- Wakes the outbox relay at commit of any transaction that wrote events (one notice per
-- statement; PostgreSQL folds identical notices of one transaction into one). The relay no
-- longer depends on Redis to hear of new events.
create or replace function event_outbox_notify() returns trigger language plpgsql as $$
begin
  perform pg_notify('keyplane_outbox', '');
  return null;
end $$;
create trigger event_outbox_notify after insert on event for each statement execute function event_outbox_notify();
`);
  }

  override async down(): Promise<void> {
    this.addSql('drop trigger if exists event_outbox_notify on event; drop function if exists event_outbox_notify();');
  }
}

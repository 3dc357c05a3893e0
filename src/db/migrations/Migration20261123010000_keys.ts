import { Migration } from '@mikro-orm/migrations';

/**
 * Key lifecycle: indexes for the audit log, event feed and key filters, and a commit-ordered
 * event sequence.
 *
 * `event.seq` from a plain bigserial is drawn at insert time, so a transaction that drew seq 10
 * can commit after one that drew 11: a poller that already read 11 would never see 10. The row
 * trigger below draws `seq` under a transaction-scoped advisory lock, held until commit, so seq
 * order is commit order and `seq > cursor` is a gap-free polling feed. The lock covers only the
 * tail of event-writing transactions (from their event insert to commit).
 */
export class Migration20261123010000_keys extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
create function event_assign_seq() returns trigger language plpgsql as $$
begin
  perform pg_advisory_xact_lock(4242010001);
  new.seq := nextval(pg_get_serial_sequence('event', 'seq'));
  return new;
end $$;
create trigger event_assign_seq before insert on event
  for each row execute function event_assign_seq();

create index event_key_idx on event(key_id, seq) where key_id is not null;
create index event_org_type_idx on event(organization_id, type, seq);
create index audit_entry_target_idx on audit_entry(organization_id, target_id, seq);
create index audit_entry_actor_key_idx on audit_entry(organization_id, actor_key_id, seq);
create index api_key_org_user_idx on api_key(organization_id, user_id) where deleted_at is null;
`);
  }

  override async down(): Promise<void> {
    this.addSql(`
drop trigger if exists event_assign_seq on event;
drop function if exists event_assign_seq();
drop index if exists event_key_idx;
drop index if exists event_org_type_idx;
drop index if exists audit_entry_target_idx;
drop index if exists audit_entry_actor_key_idx;
drop index if exists api_key_org_user_idx;
`);
  }
}

import { Migration } from '@mikro-orm/migrations';

export class Migration20261123060000_console_idle extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
-- When a console session last made a request (updated at most about once a minute per session):
-- a session idle longer than KEYPLANE_CONSOLE_IDLE_MINUTES is refused.
alter table console_session add column last_seen_at timestamptz;
update console_session set last_seen_at = used_at where used_at is not null;
-- The pruning job finds rows by when they stopped being usable: a session's end, else its link's.
create index console_session_dead_idx on console_session ((coalesce(expires_at, link_expires_at)));
`);
  }

  override async down(): Promise<void> {
    this.addSql('drop index if exists console_session_dead_idx;');
    this.addSql('alter table console_session drop column if exists last_seen_at;');
  }
}

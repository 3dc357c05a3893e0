import type { MikroORM } from '@mikro-orm/postgresql';

/** Console links and sessions are kept this long after they stopped being usable, then deleted. */
export const CONSOLE_SESSION_RETENTION_MS = 7 * 86_400_000;
const BATCH = 1_000;

/**
 * Deletes console links and sessions that ended more than the retention ago: a session's end is
 * its absolute expiry (revocation and idle timeouts come before it), an unused link's is its own
 * expiry. The audit log keeps who signed in, when and what they changed. Batches keep each
 * transaction short; safe to run from several workers at once (each row is deleted once).
 */
export async function pruneConsoleSessions(orm: MikroORM, now: Date): Promise<{ deleted: number }> {
  const cutoff = new Date(now.getTime() - CONSOLE_SESSION_RETENTION_MS);
  const conn = orm.em.getConnection();
  let deleted = 0;
  for (;;) {
    const rows = await conn.execute<{ id: string }[]>(
      `delete from console_session where id in (
         select id from console_session where coalesce(expires_at, link_expires_at) < ? limit ${BATCH} for update skip locked
       ) returning id`,
      [cutoff],
      'all',
    );
    deleted += rows.length;
    if (rows.length < BATCH) return { deleted };
  }
}

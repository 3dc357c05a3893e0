import { MikroORM } from '@mikro-orm/postgresql';
import pg from 'pg';
import type { Config } from '../config/config.ts';
import { ormConfig } from '../db/orm.config.ts';

/** Creates the database if missing, applies pending migrations, returns a connected ORM. */
export async function initORM(
  databaseUrl: string,
  opts: { migrate?: boolean; poolMax?: number; poolIdleMs?: number; replicaUrl?: string | null } = {},
): Promise<MikroORM> {
  const orm = await MikroORM.init(ormConfig(databaseUrl, { poolMax: opts.poolMax, poolIdleMs: opts.poolIdleMs, replicaUrl: opts.replicaUrl }));
  if (opts.migrate ?? true) {
    await orm.schema.ensureDatabase({ create: true });
    await orm.migrator.up();
  }
  return orm;
}

/**
 * The role the service runs as owns nothing: tables belong to the migration (owner) role, so the
 * service can neither alter them nor disable the audit log's append-only triggers, and it holds no
 * UPDATE, DELETE or TRUNCATE on the audit log at all. Run as the owner after every migration:
 * creates the runtime role when missing (needs CREATEROLE; otherwise create it yourself) and
 * (re)grants exactly what it needs. Idempotent, safe when several processes start at once.
 */
export async function grantRuntimeRole(owner: MikroORM, role: string, password: string | null): Promise<void> {
  const conn = owner.em.getConnection();
  const [{ me } = { me: '' }] = await conn.execute<{ me: string }[]>('select current_user as me');
  // Running as the owner itself (an explicit choice outside production): nothing to grant.
  if (me === role) return;
  const ident = `"${role.replace(/"/g, '""')}"`;
  const [{ exists } = { exists: false }] = await conn.execute<{ exists: boolean }[]>('select exists (select 1 from pg_roles where rolname = ?) as exists', [
    role,
  ]);
  if (!exists) {
    // Another process may create it between the check and here: duplicate_object is fine.
    const pw = password === null ? '' : ` password '${password.replace(/'/g, "''")}'`;
    await conn.execute(`do $$ begin create role ${ident} login${pw}; exception when duplicate_object then null; end $$`);
  }
  const [{ db } = { db: '' }] = await conn.execute<{ db: string }[]>('select current_database() as db');
  await conn.execute(`grant connect on database "${db.replace(/"/g, '""')}" to ${ident}`);
  await conn.execute(`grant usage on schema public to ${ident}`);
  await conn.execute(`grant select, insert, update, delete on all tables in schema public to ${ident}`);
  await conn.execute(`grant usage, select on all sequences in schema public to ${ident}`);
  await conn.execute(`revoke all on table mikro_orm_migrations from ${ident}`);
  await conn.execute(`revoke update, delete, truncate on table audit_entry from ${ident}`);
  // Partitioned tables are reached through their parent (whose grants apply); the partitions
  // themselves, and the policy that bounds their retention, are not the runtime role's to touch.
  await conn.execute(`revoke all on table partition_policy from ${ident}`);
  await conn.execute(`grant execute on function keyplane_maintain_partitions(text, int, timestamptz) to ${ident}`);
  const partitions = await conn.execute<{ name: string }[]>(
    `select c.relname as name from pg_inherits i join pg_class c on c.oid = i.inhrelid join pg_class p on p.oid = i.inhparent
      where p.relkind = 'p' and p.relnamespace = 'public'::regnamespace`,
  );
  for (const { name } of partitions) await conn.execute(`revoke all on table "${name.replace(/"/g, '""')}" from ${ident}`);
}

/**
 * The service's database: migrates (and grants the runtime role) as the owner when asked, then
 * connects as the runtime role (`KEYPLANE_DATABASE_APP_URL`). When that URL names the owner
 * itself, the one ORM is kept.
 */
export async function openDatabase(
  config: Pick<Config, 'databaseUrl' | 'databaseAppUrl' | 'databaseAppRole' | 'databaseAppPassword'> & Partial<Pick<Config, 'databaseReplicaUrl'>>,
  opts: { migrate?: boolean; poolMax?: number } = {},
): Promise<MikroORM> {
  if (opts.migrate ?? true) await migrateDatabase(config);
  return initORM(config.databaseAppUrl, { migrate: false, poolMax: opts.poolMax, replicaUrl: config.databaseReplicaUrl ?? null });
}

/** Any constant: processes migrating one database take turns (see migrateDatabase). */
const MIGRATION_LOCK = 4_242_010_099;

/**
 * Migrations and grants, as the owner, one process at a time: replicas starting together would
 * otherwise race on the same GRANTs ("tuple concurrently updated") or migrations. A session
 * advisory lock on a connection of its own serialises them. Returns how many migrations the
 * database has.
 */
export async function migrateDatabase(config: Pick<Config, 'databaseUrl' | 'databaseAppRole' | 'databaseAppPassword'>): Promise<number> {
  const lock = new pg.Client({ connectionString: config.databaseUrl });
  try {
    await lock.connect();
  } catch (err) {
    // A database that does not exist yet: create it (as `npm start` on a fresh machine does), then lock.
    if ((err as { code?: string }).code !== '3D000') throw err;
    const creator = await initORM(config.databaseUrl, { migrate: false, poolMax: 1 });
    try {
      await creator.schema.ensureDatabase({ create: true });
    } finally {
      await creator.close(true);
    }
    return migrateDatabase(config);
  }
  try {
    await lock.query('select pg_advisory_lock($1)', [MIGRATION_LOCK]);
    const owner = await initORM(config.databaseUrl, { migrate: true, poolMax: 2 });
    try {
      await grantRuntimeRole(owner, config.databaseAppRole, config.databaseAppPassword);
      return (await owner.migrator.getExecuted()).length;
    } finally {
      await owner.close(true);
    }
  } finally {
    await lock.end().catch(() => {});
  }
}

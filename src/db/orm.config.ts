import { defineConfig } from '@mikro-orm/postgresql';
import { Migrator } from '@mikro-orm/migrations';
import { entities } from './entities/index.ts';
import { migrationsList } from './migrations/index.ts';

export function ormConfig(databaseUrl: string, opts: { debug?: boolean; poolMax?: number; poolIdleMs?: number; replicaUrl?: string | null } = {}) {
  return defineConfig({
    clientUrl: databaseUrl,
    // A replica serves only what asks for it (list pages and reports, `connectionType: 'read'`):
    // everything else, and anything in a transaction, stays on the primary.
    ...(opts.replicaUrl ? { replicas: [{ name: 'replica', clientUrl: opts.replicaUrl }], preferReadReplicas: false } : {}),
    entities,
    extensions: [Migrator],
    migrations: { migrationsList, transactional: true, allOrNothing: true, snapshot: false, silent: true },
    debug: opts.debug ?? false,
    // Idle connections close after 10 s (node-postgres's default) unless told otherwise.
    pool: { min: 0, max: opts.poolMax ?? 10, ...(opts.poolIdleMs ? { idleTimeoutMillis: opts.poolIdleMs } : {}) },
    // Entities are plain defineEntity schemas; nothing to discover from the file system.
    discovery: { warnWhenNoEntities: true },
    allowGlobalContext: false,
    forceUtcTimezone: true,
  });
}

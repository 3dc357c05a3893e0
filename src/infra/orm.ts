import { MikroORM } from '@mikro-orm/postgresql';
import { ormConfig } from '../db/orm.config.ts';

/** Creates the database if missing, applies pending migrations, returns a connected ORM. */
export async function initORM(databaseUrl: string, opts: { migrate?: boolean; poolMax?: number } = {}): Promise<MikroORM> {
  const orm = await MikroORM.init(ormConfig(databaseUrl, { poolMax: opts.poolMax }));
  if (opts.migrate ?? true) {
    await orm.schema.ensureDatabase({ create: true });
    await orm.migrator.up();
  }
  return orm;
}

import { loadConfig } from '../config/config.ts';
import { initORM } from '../infra/orm.ts';

const config = loadConfig();
const orm = await initORM(config.databaseUrl);
const executed = await orm.migrator.getExecuted();
console.log(`database migrated (${executed.length} migrations applied)`);
await orm.close(true);

import { loadConfig } from '../config/config.ts';
import { migrateDatabase } from '../infra/orm.ts';

const config = loadConfig();
const executed = await migrateDatabase(config);
console.log(`database migrated (${executed} migrations applied); the service runs as ${config.databaseAppRole}`);

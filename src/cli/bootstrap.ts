import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../config/config.ts';
import { initORM } from '../infra/orm.ts';
import { bootstrapOrganization } from '../modules/orgs/bootstrap.service.ts';

const { values } = parseArgs({ options: { org: { type: 'string' } } });
if (!values.org) {
  console.error('usage: npm run bootstrap -- --org NAME');
  process.exit(2);
}
try {
  const config = loadConfig();
  const orm = await initORM(config.databaseUrl);
  const result = await bootstrapOrganization(orm, config.pepper, values.org);
  await orm.close(true);
  // The one place a secret is printed: to the operator who ran this, once.
  process.stdout.write(JSON.stringify(result) + '\n');
} catch (e) {
  console.error(e instanceof ConfigError ? e.message : e);
  process.exit(1);
}

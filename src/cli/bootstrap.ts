import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../config/config.ts';
import { openDatabase } from '../infra/orm.ts';
import { bootstrapOrganization, rootOrganizationsNamed } from '../modules/bootstrap/bootstrap.service.ts';
import { announceKey } from './announce.ts';

const USAGE = `usage: npm run bootstrap -- --org NAME [--allow-duplicate]
  Creates a root organisation, its owner and an owner key (printed once, as JSON).
  A root organisation of that name already existing is refused unless --allow-duplicate;
  for a new key of an existing organisation: npm run keys -- create --org ID|NAME`;

let values: { org?: string; 'allow-duplicate'?: boolean };
try {
  ({ values } = parseArgs({ options: { org: { type: 'string' }, 'allow-duplicate': { type: 'boolean' } } }));
} catch (e) {
  console.error(`${(e as Error).message}\n\n${USAGE}`);
  process.exit(2);
}
if (!values.org) {
  console.error(USAGE);
  process.exit(2);
}
try {
  const config = loadConfig();
  const orm = await openDatabase(config);
  const existing = await rootOrganizationsNamed(orm, values.org);
  if (existing.length && !values['allow-duplicate']) {
    await orm.close(true);
    console.error(`a root organisation named ${JSON.stringify(values.org.trim())} exists already (${existing.join(', ')}): nothing was created.
To mint a key for it: npm run keys -- create --org ${existing[0]}
To create a second one anyway: add --allow-duplicate`);
    process.exit(3);
  }
  const result = await bootstrapOrganization(orm, config.pepper, values.org);
  await orm.close(true);
  await announceKey(config, result.keyId);
  // The one place a secret is printed: to the operator who ran this, once.
  process.stdout.write(`${JSON.stringify(result)}\n`);
} catch (e) {
  console.error(e instanceof ConfigError ? e.message : e);
  process.exit(1);
}

import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../config/config.ts';
import { openDatabase } from '../infra/orm.ts';
import { issueOperatorKey } from '../modules/bootstrap/bootstrap.service.ts';
import { announceKey } from './announce.ts';

const USAGE = `usage: npm run keys -- create --org ID|NAME [--user USER_ID] [--name NAME]
  Mints a secret key for an existing organisation (by id, or the name of a root organisation),
  acting as its owner (the user holding its owner role) or the given user; prints it once, as JSON.`;

let parsed: { values: { org?: string; user?: string; name?: string }; positionals: string[] };
try {
  parsed = parseArgs({ options: { org: { type: 'string' }, user: { type: 'string' }, name: { type: 'string' } }, allowPositionals: true });
} catch (e) {
  console.error(`${(e as Error).message}\n\n${USAGE}`);
  process.exit(2);
}
const { values, positionals } = parsed;
if (positionals[0] !== 'create' || positionals.length !== 1 || !values.org) {
  console.error(USAGE);
  process.exit(2);
}
try {
  const config = loadConfig();
  const orm = await openDatabase(config);
  let result: Awaited<ReturnType<typeof issueOperatorKey>>;
  try {
    result = await issueOperatorKey(orm, config.pepper, { organization: values.org, userId: values.user, name: values.name });
  } catch (e) {
    await orm.close(true);
    if (e instanceof Error && /^(no |\d+ root|--name|.* has no active user)/.test(e.message)) {
      console.error(e.message);
      process.exit(3);
    }
    throw e;
  }
  await orm.close(true);
  await announceKey(config, result.keyId);
  process.stdout.write(`${JSON.stringify(result)}\n`);
} catch (e) {
  console.error(e instanceof ConfigError ? e.message : e);
  process.exit(1);
}

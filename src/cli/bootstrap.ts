import { parseArgs } from 'node:util';
import { loadConfig } from '../config/config.ts';
import { openDatabase } from '../infra/orm.ts';
import { bootstrapOrganization, rootOrganizationsNamed } from '../modules/bootstrap/bootstrap.service.ts';
import { handOverKey } from './announce.ts';
import { runIfMain, type Command } from './command.ts';

const USAGE = `usage: npm run bootstrap -- --org NAME [--allow-duplicate]
  Creates a root organisation, its owner and an owner key (printed once, as JSON).
  A root organisation of that name already existing is refused unless --allow-duplicate;
  for a new key of an existing organisation: npm run keys -- create --org ID|NAME`;

export const bootstrapCommand: Command = async (io) => {
  let values: { org?: string; 'allow-duplicate'?: boolean };
  try {
    ({ values } = parseArgs({ args: [...io.argv], options: { org: { type: 'string' }, 'allow-duplicate': { type: 'boolean' } } }));
  } catch (e) {
    io.err(`${(e as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  if (!values.org) {
    io.err(`${USAGE}\n`);
    return 2;
  }
  const config = loadConfig(io.env);
  const orm = await openDatabase(config);
  let result: Awaited<ReturnType<typeof bootstrapOrganization>>;
  try {
    const existing = await rootOrganizationsNamed(orm, values.org);
    if (existing.length && !values['allow-duplicate']) {
      io.err(`a root organisation named ${JSON.stringify(values.org.trim())} exists already (${existing.join(', ')}): nothing was created.
To mint a key for it: npm run keys -- create --org ${existing[0]}
To create a second one anyway: add --allow-duplicate
`);
      return 3;
    }
    result = await bootstrapOrganization(orm, config.pepper, values.org);
  } finally {
    await orm.close(true);
  }
  await handOverKey(config, result, io);
  return 0;
};

runIfMain(import.meta, bootstrapCommand);

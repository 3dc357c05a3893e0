import { parseArgs } from 'node:util';
import { loadConfig } from '../config/config.ts';
import { openDatabase } from '../infra/orm.ts';
import { issueOperatorKey } from '../modules/bootstrap/bootstrap.service.ts';
import { handOverKey } from './announce.ts';
import { runIfMain, type Command } from './command.ts';

const USAGE = `usage: npm run keys -- create --org ID|NAME [--user USER_ID] [--name NAME]
  Mints a secret key for an existing organisation (by id, or the name of a root organisation),
  acting as its owner (the user holding its owner role) or the given user; prints it once, as JSON.`;

export const keysCommand: Command = async (io) => {
  let parsed: { values: { org?: string; user?: string; name?: string }; positionals: string[] };
  try {
    parsed = parseArgs({
      args: [...io.argv],
      options: { org: { type: 'string' }, user: { type: 'string' }, name: { type: 'string' } },
      allowPositionals: true,
    });
  } catch (e) {
    io.err(`${(e as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (positionals[0] !== 'create' || positionals.length !== 1 || !values.org) {
    io.err(`${USAGE}\n`);
    return 2;
  }
  const config = loadConfig(io.env);
  const orm = await openDatabase(config);
  let result: Awaited<ReturnType<typeof issueOperatorKey>>;
  try {
    result = await issueOperatorKey(orm, config.pepper, { organization: values.org, userId: values.user, name: values.name });
  } catch (e) {
    // What the operator named does not resolve: said plainly, nothing created.
    if (e instanceof Error && /^(no |\d+ root|--name|.* has no active user)/.test(e.message)) {
      io.err(`${e.message}\n`);
      return 3;
    }
    throw e;
  } finally {
    await orm.close(true);
  }
  await handOverKey(config, result, io);
  return 0;
};

runIfMain(import.meta, keysCommand);

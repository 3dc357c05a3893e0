import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { ConfigError } from '../config/config.ts';

/**
 * What an operator command sees of its process: its arguments, its environment and its two
 * outputs. A command returns its exit code (0 done, 1 failed, 2 usage, 3 refused), so the same
 * code runs as `npm run …` and in a test's process.
 */
export type CommandIo = {
  argv: readonly string[];
  env: NodeJS.ProcessEnv;
  out: (text: string) => void;
  err: (text: string) => void;
};

export type Command = (io: CommandIo) => Promise<number>;

/** Runs `command` with this process's arguments and outputs when `meta` is the entry point (not when imported). */
export function runIfMain(meta: ImportMeta, command: Command): void {
  if (!process.argv[1] || meta.url !== pathToFileURL(realpathSync(process.argv[1])).href) return;
  const io: CommandIo = {
    argv: process.argv.slice(2),
    env: process.env,
    out: (text) => void process.stdout.write(text),
    err: (text) => void process.stderr.write(text),
  };
  command(io).then(
    (code) => process.exit(code),
    (e: unknown) => {
      io.err(`${e instanceof ConfigError ? e.message : e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      process.exit(1);
    },
  );
}

import { parseArgs } from 'node:util';
import { loadConfig } from '../config/config.ts';
import { initORM } from '../infra/orm.ts';
import { planExpiry, type PlannedAction } from '../modules/expiry/expiry-sweep.service.ts';
import { runIfMain, type Command } from './command.ts';

const USAGE = `usage: npm run expiry -- --as-of DATE [--org ORGANIZATION_ID] [--json]

Dry run of the inactivity-expiry sweep: prints the keys a sweep would warn and expire, changing
nothing (one read-only transaction; no migration is run). DATE is YYYY-MM-DD, meaning the end of
that day (UTC), or an ISO 8601 instant such as 2027-03-01T12:00:00Z.`;

/** `YYYY-MM-DD` is the end of that UTC day (everything due on that date); anything else an exact instant. */
export function parseAsOf(text: string): Date | null {
  const day = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (day) {
    const start = new Date(`${text}T00:00:00.000Z`);
    if (Number.isNaN(start.getTime()) || start.toISOString().slice(0, 10) !== text) return null;
    return new Date(start.getTime() + 86_400_000 - 1);
  }
  if (!/^\d{4}-\d{2}-\d{2}T[\d:.]+(Z|[+-]\d{2}:?\d{2})$/.test(text)) return null;
  const at = new Date(text);
  return Number.isNaN(at.getTime()) ? null : at;
}

function describe(a: PlannedAction): string {
  const d = a.decision;
  if (d.action === 'warn') return `${d.daysLeft} day(s) left (warning threshold ${d.threshold})`;
  return d.reason === 'inactivity' ? `unused for ${a.key.inactivityDays} days` : 'validity window ended';
}

function asJson(a: PlannedAction) {
  const d = a.decision;
  return {
    action: d.action,
    id: a.key.id,
    keyId: a.key.keyId,
    name: a.key.name,
    organizationId: a.key.organizationId,
    lastActivityAt: a.key.lastActivityAt.toISOString(),
    expiresAt: d.expiresAt.toISOString(),
    ...(d.action === 'warn' ? { daysLeft: d.daysLeft, threshold: d.threshold } : { reason: d.reason }),
  };
}

const COLUMNS = [7, 25, 26, 28, 25, 25] as const;
const row = (cells: string[]) =>
  cells
    .map((c, i) => (i < COLUMNS.length ? c.padEnd(COLUMNS[i]!) : c))
    .join(' ')
    .trimEnd();

export const expiryCommand: Command = async (io) => {
  const options = { 'as-of': { type: 'string' }, org: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean' } } as const;
  let values: ReturnType<typeof parseArgs<{ options: typeof options }>>['values'];
  try {
    ({ values } = parseArgs({ args: [...io.argv], options }));
  } catch (e) {
    io.err(`${(e as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  if (values.help) {
    io.out(`${USAGE}\n`);
    return 0;
  }
  const now = values['as-of'] ? parseAsOf(values['as-of']) : null;
  if (!now) {
    io.err(`${values['as-of'] ? `invalid --as-of: ${values['as-of']}\n\n${USAGE}` : USAGE}\n`);
    return 2;
  }
  if (values.org !== undefined && !/^[A-Za-z0-9_]{1,64}$/.test(values.org)) {
    io.err(`invalid --org: ${values.org}\n`);
    return 2;
  }
  const config = loadConfig(io.env);
  const orm = await initORM(config.databaseAppUrl, { migrate: false, poolMax: 2 });
  try {
    if (!values.json) {
      io.out(`Expiry dry run as of ${now.toISOString()}: nothing is changed.\n\n`);
      io.out(`${row(['ACTION', 'KEY', 'KEY ID', 'ORGANIZATION', 'LAST ACTIVITY', 'EXPIRES AT', 'NAME / DETAIL'])}\n`);
    }
    const counts = await planExpiry(orm, {
      now,
      organizationId: values.org ?? null,
      onAction: (a) => {
        if (values.json) io.out(`${JSON.stringify(asJson(a))}\n`);
        else
          io.out(
            `${row([
              a.decision.action === 'warn' ? 'WARN' : 'EXPIRE',
              a.key.id,
              a.key.keyId,
              a.key.organizationId,
              a.key.lastActivityAt.toISOString(),
              a.decision.expiresAt.toISOString(),
              `${JSON.stringify(a.key.name)}: ${describe(a)}`,
            ])}\n`,
          );
      },
    });
    if (values.json) io.out(`${JSON.stringify({ summary: { asOf: now.toISOString(), ...counts } })}\n`);
    else io.out(`\n${counts.warn} key(s) would be warned, ${counts.expire} would expire.\n`);
    return 0;
  } finally {
    await orm.close(true);
  }
};

runIfMain(import.meta, expiryCommand);

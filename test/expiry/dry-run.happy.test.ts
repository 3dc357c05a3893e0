import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expiryCommand, parseAsOf } from '../../src/cli/expiry.ts';
import { planExpiry, type PlannedAction } from '../../src/modules/expiry/expiry-sweep.service.ts';
import { runCommand, seedOrg, startTestServer, type TestServer } from '../harness.ts';
import { day, makeKey, sweep } from './helpers.ts';
import { testDatabaseUrl } from '../context.ts';

const run = promisify(execFile);

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

/** Everything the sweep could change for one organisation, to prove the dry run changed none of it. */
async function snapshot(organizationId: string) {
  const em = server.app.orm.em.fork();
  const q = (sql: string) => em.execute(sql, [organizationId]);
  return JSON.stringify([
    await q('select id, status, updated_at from api_key where organization_id = ? order by id'),
    await q('select count(*) from event where organization_id = ?'),
    await q('select count(*) from notification where organization_id = ?'),
    await q('select count(*) from audit_entry where organization_id = ?'),
    await q('select w.* from key_expiry_warning w join api_key k on k.id = w.key_id where k.organization_id = ? order by 1, 2, 3'),
  ]);
}

async function scenario() {
  const org = await seedOrg(server);
  const keys = {
    warn: await makeKey(server, org, { lastActivityAt: day(0), name: 'to-warn' }),
    inactive: await makeKey(server, org, { lastActivityAt: day(-20), name: 'to-expire' }),
    window: await makeKey(server, org, { lastActivityAt: day(60), validUntil: day(70), name: 'window-ended' }),
    quiet: await makeKey(server, org, { lastActivityAt: day(60), name: 'quiet' }),
  };
  return { org, keys };
}

const brief = (a: PlannedAction) =>
  a.decision.action === 'warn' ? `${a.key.name}:warn:${a.decision.threshold}:${a.decision.daysLeft}` : `${a.key.name}:expire:${a.decision.reason}`;

describe('expiry dry run', () => {
  it('lists what a sweep would do, changes nothing, and the sweep then does exactly that', async () => {
    const { org } = await scenario();
    const before = await snapshot(org.organizationId);
    const planned: PlannedAction[] = [];
    const counts = await planExpiry(server.app.orm, { now: day(80), organizationId: org.organizationId, onAction: (a) => void planned.push(a) });
    expect(planned.map(brief).sort()).toEqual(['to-expire:expire:inactivity', 'to-warn:warn:15:10', 'window-ended:expire:validity_window']);
    expect(counts).toEqual({ warn: 1, expire: 2 });
    expect(await snapshot(org.organizationId)).toBe(before);

    const result = await sweep(server, day(80), { organizationId: org.organizationId });
    expect(result).toMatchObject({ warned: 1, expired: 2 });
    const events = await server.app.orm.em
      .fork()
      .execute<{ type: string; data: any }[]>(`select type, data from event where organization_id = ? and type like 'api_key.expir%'`, [org.organizationId]);
    const done = events.map((e) =>
      e.type === 'api_key.expired' ? `${e.data.apiKey.name}:expire:${e.data.reason}` : `${e.data.apiKey.name}:warn:${e.data.threshold}:${e.data.daysLeft}`,
    );
    expect(done.sort()).toEqual(planned.map(brief).sort());
  });

  it('npm run expiry prints the same plan (JSON and table) without changing anything', async () => {
    const { org, keys } = await scenario();
    const before = await snapshot(org.organizationId);
    const env = { ...process.env, DATABASE_URL: testDatabaseUrl(), NODE_ENV: 'test', KEYPLANE_LOG_LEVEL: 'silent' };
    const args = ['run', '-s', 'expiry', '--', '--as-of', day(80).toISOString(), '--org', org.organizationId];

    const json = await run('npm', [...args, '--json'], { env, cwd: process.cwd() });
    const lines = json.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.at(-1)).toEqual({ summary: { asOf: day(80).toISOString(), warn: 1, expire: 2 } });
    const actions = lines.slice(0, -1);
    expect(actions.find((a) => a.id === keys.warn.id)).toEqual({
      action: 'warn',
      id: keys.warn.id,
      keyId: keys.warn.keyId,
      name: 'to-warn',
      organizationId: org.organizationId,
      lastActivityAt: day(0).toISOString(),
      expiresAt: day(90).toISOString(),
      daysLeft: 10,
      threshold: 15,
    });
    expect(actions.find((a) => a.id === keys.inactive.id)).toMatchObject({ action: 'expire', reason: 'inactivity', expiresAt: day(70).toISOString() });
    expect(actions.find((a) => a.id === keys.window.id)).toMatchObject({ action: 'expire', reason: 'validity_window', expiresAt: day(70).toISOString() });
    expect(actions.some((a) => a.id === keys.quiet.id)).toBe(false);

    // The table in this process (the same command npm ran above).
    const table = await runCommand(expiryCommand, args.slice(4), env);
    expect(table.code).toBe(0);
    expect(table.out).toContain(`Expiry dry run as of ${day(80).toISOString()}: nothing is changed.`);
    expect(table.out).toMatch(new RegExp(`WARN +${keys.warn.id} +${keys.warn.keyId} .*"to-warn": 10 day\\(s\\) left \\(warning threshold 15\\)`));
    expect(table.out).toMatch(new RegExp(`EXPIRE +${keys.inactive.id} .*"to-expire": unused for 90 days`));
    expect(table.out).toMatch(new RegExp(`EXPIRE +${keys.window.id} .*"window-ended": validity window ended`));
    expect(table.out).not.toContain(keys.quiet.id);
    expect(table.out).toContain('1 key(s) would be warned, 2 would expire.');
    // Never a secret in the output.
    for (const k of Object.values(keys)) expect(table.out + json.stdout).not.toContain(k.token.slice(-20));

    expect(await snapshot(org.organizationId)).toBe(before);
  });

  it('reads a date as the end of that UTC day and an ISO instant exactly', () => {
    expect(parseAsOf('2027-03-01')?.toISOString()).toBe('2027-03-01T23:59:59.999Z');
    expect(parseAsOf('2027-03-01T12:00:00Z')?.toISOString()).toBe('2027-03-01T12:00:00.000Z');
    expect(parseAsOf('2027-03-01T12:00:00+02:00')?.toISOString()).toBe('2027-03-01T10:00:00.000Z');
  });
});

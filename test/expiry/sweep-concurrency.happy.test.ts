import type { MikroORM } from '@mikro-orm/postgresql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initORM } from '../../src/infra/orm.ts';
import { recordEvent } from '../../src/modules/events/event.service.ts';
import { sweepExpiry } from '../../src/modules/expiry/expiry-sweep.service.ts';
import { seedOrg, startTestServer, type TestServer } from '../harness.ts';
import { day, expiryEvents, makeKey, summary, type TestKey } from './helpers.ts';
import { testDatabaseUrl } from '../context.ts';

let server: TestServer;
/** A second ORM (own pool): a second worker process as far as PostgreSQL can tell. */
let other: MikroORM;
beforeAll(async () => {
  server = await startTestServer();
  other = await initORM(testDatabaseUrl(), { migrate: false });
});
afterAll(async () => {
  await other.close(true);
  await server.close();
});

const noop = async () => {};
/** A second after the day starts: every key below (spread over milliseconds of day 0) is due. */
const at = (d: number) => new Date(day(d).getTime() + 1000);

async function keysAtDayZero(org: { organizationId: string; userId: string }, n: number): Promise<TestKey[]> {
  const keys: TestKey[] = [];
  // Spread over a few milliseconds so the keyset order interleaves the batches of both sweeps.
  for (let i = 0; i < n; i++) keys.push(await makeKey(server, org, { lastActivityAt: new Date(day(0).getTime() + i) }));
  return keys;
}

describe('concurrent sweeps', () => {
  it('two workers sweeping at once send each warning and each expiry exactly once', async () => {
    const org = await seedOrg(server);
    const keys = await keysAtDayZero(org, 60);
    const run = (orm: MikroORM, now: Date, batchSize: number) => sweepExpiry({ orm, invalidate: noop }, { now, batchSize, organizationId: org.organizationId });

    const warned = await Promise.all([run(server.app.orm, at(75), 7), run(other, at(75), 5), run(server.app.orm, at(75), 11), run(other, at(75), 60)]);
    expect(warned.reduce((n, r) => n + r.warned, 0)).toBe(60);
    for (const k of keys) expect(summary(await expiryEvents(server.app.orm, k.id))).toEqual(['warn:15']);

    const expired = await Promise.all([run(server.app.orm, at(90), 7), run(other, at(90), 5), run(other, at(90), 13)]);
    expect(expired.reduce((n, r) => n + r.expired, 0)).toBe(60);
    const em = server.app.orm.em.fork();
    for (const k of keys) expect(summary(await expiryEvents(server.app.orm, k.id))).toEqual(['warn:15', 'expired:inactivity']);
    const [audits] = await em.execute<{ n: string }[]>(
      `select count(*) as n from audit_entry where action = 'api_key.expire' and target_id = any(array[?]::text[])`,
      [keys.map((k) => k.id)],
    );
    expect(Number(audits!.n)).toBe(60);
    const [notes] = await em.execute<{ n: string }[]>(`select count(*) as n from notification where key_id = any(array[?]::text[])`, [keys.map((k) => k.id)]);
    expect(Number(notes!.n)).toBe(120);
  });

  it('the warning table refuses a second warning for the same key, period and threshold', async () => {
    const org = await seedOrg(server);
    const key = await makeKey(server, org, { lastActivityAt: day(0) });
    const em = server.app.orm.em.fork();
    const insert = `insert into key_expiry_warning (key_id, period_start, threshold, days_left, sent_at)
                    select id, last_activity_at, 7, 7, now() from api_key where id = ?`;
    await em.execute(insert, [key.id]);
    await expect(em.execute(insert, [key.id])).rejects.toThrow(/duplicate key|unique/i);
  });

  it('does not deadlock with mutations that write events and update the same keys meanwhile', async () => {
    const org = await seedOrg(server);
    const keys = await keysAtDayZero(org, 40);
    // A mutation's shape: its event insert (which takes the event-sequence lock), then the key row.
    const mutate = (orm: MikroORM, k: TestKey, i: number) =>
      orm.em.fork().transactional(async (em) => {
        recordEvent(em, { type: 'api_key.updated', organizationId: org.organizationId, keyId: k.id, data: { i } });
        await em.flush();
        await em.execute('update api_key set description = ? where id = ?', [`touched ${i}`, k.id]);
      });
    const results = await Promise.allSettled([
      sweepExpiry({ orm: server.app.orm, invalidate: noop }, { now: at(90), batchSize: 4, organizationId: org.organizationId }),
      ...keys.map((k, i) => mutate(i % 2 ? other : server.app.orm, k, i)),
      sweepExpiry({ orm: other, invalidate: noop }, { now: at(90), batchSize: 3, organizationId: org.organizationId }),
    ]);
    expect(results.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason))).toEqual([]);
    for (const k of keys) expect(summary(await expiryEvents(server.app.orm, k.id))).toEqual(['expired:inactivity']);
    const rows = await server.app.orm.em
      .fork()
      .execute<{ description: string | null }[]>('select description from api_key where id = any(array[?]::text[])', [keys.map((k) => k.id)]);
    expect(rows.every((r) => r.description?.startsWith('touched'))).toBe(true);
  });
});

import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { seedOrg, startTestServer, success, gql, type TestServer } from '../harness.ts';
import { UpdateOrganization } from '../ops.ts';
import { day as dayOf, expiryEvents, keyStatus, makeKey, summary, sweep } from './helpers.ts';
import { testDatabaseUrl } from '../context.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());
beforeEach(async () => {
  await server.app.orm.em.fork().execute('delete from expiry_sweep_state');
});

const MINUTE = 60_000;
// Years before the other files' scenarios, so no other key crosses a threshold inside these minutes.
const day = (n: number) => dayOf(n - 1000);
const plus = (d: Date, ms: number) => new Date(d.getTime() + ms);

describe('incremental sweeps', () => {
  it('minute by minute: each key warned once, in the minute it crosses its threshold, reading only those keys', async () => {
    const org = await seedOrg(server);
    const keys = [];
    for (let i = 0; i < 30; i++) keys.push(await makeKey(server, org, { lastActivityAt: plus(day(0), i * MINUTE + 30_000) }));
    const first = await sweep(server, plus(day(75), -MINUTE));
    expect(first.mode).toBe('full');
    const modes = new Set<string>();
    let read = 0;
    for (let m = 0; m <= 31; m++) {
      const r = await sweep(server, plus(day(75), m * MINUTE));
      modes.add(r.mode);
      read += r.candidates;
      expect(r.warned).toBe(m >= 1 && m <= 30 ? 1 : 0);
    }
    expect([...modes]).toEqual(['incremental']);
    expect(read).toBe(30);
    for (const [i, k] of keys.entries()) {
      const events = await expiryEvents(server.app.orm, k.id);
      expect(summary(events)).toEqual(['warn:15']);
      // Sent by the first sweep after the crossing (30 s after the minute).
      expect(new Date(events[0]!.occurred_at).getTime()).toBe(plus(day(75), (i + 1) * MINUTE).getTime());
    }
  });

  it('runs a full pass once the last one is older than fullSweepEveryMs, or after a long gap', async () => {
    const t0 = day(40);
    expect((await sweep(server, t0)).mode).toBe('full');
    expect((await sweep(server, plus(t0, MINUTE))).mode).toBe('incremental');
    expect((await sweep(server, plus(t0, 59 * MINUTE))).mode).toBe('incremental');
    expect((await sweep(server, plus(t0, 60 * MINUTE))).mode).toBe('full');
    expect((await sweep(server, plus(t0, 61 * MINUTE))).mode).toBe('incremental');
    expect((await sweep(server, plus(t0, 10 * 24 * 60 * MINUTE))).mode).toBe('full');
    // The clock went back: full.
    expect((await sweep(server, t0)).mode).toBe('full');
    // A sweep of one organisation is always full and leaves the deployment's state alone.
    expect((await sweep(server, plus(t0, MINUTE), { organizationId: 'org_none' })).mode).toBe('full');
    expect((await sweep(server, plus(t0, 2 * MINUTE))).mode).toBe('incremental');
  });

  it('a key held by another transaction is skipped, and the next sweep is a full one that handles it', async () => {
    const org = await seedOrg(server);
    const key = await makeKey(server, org, { lastActivityAt: day(0) });
    await sweep(server, plus(day(75), -MINUTE));
    const holder = new pg.Client({ connectionString: testDatabaseUrl() });
    await holder.connect();
    try {
      await holder.query('begin');
      await holder.query('select id from api_key where id = $1 for update', [key.id]);
      const r = await sweep(server, plus(day(75), MINUTE));
      expect(r).toMatchObject({ mode: 'incremental', skipped: 1, warned: 0 });
    } finally {
      await holder.query('rollback');
      await holder.end();
    }
    expect(await expiryEvents(server.app.orm, key.id)).toEqual([]);
    const next = await sweep(server, plus(day(75), 2 * MINUTE));
    expect(next).toMatchObject({ mode: 'full', warned: 1 });
    expect(summary(await expiryEvents(server.app.orm, key.id))).toEqual(['warn:15']);
  });

  it('after an organisation’s expiry settings change, the next sweep is a full one', async () => {
    const org = await seedOrg(server);
    const key = await makeKey(server, org, { lastActivityAt: day(0) });
    await sweep(server, day(40));
    expect((await sweep(server, plus(day(40), MINUTE / 2))).mode).toBe('incremental');
    // Thirty days instead of ninety: the key has been past due since day 30.
    const updated = success(
      (await gql(server, org.token, UpdateOrganization, { input: { id: org.organizationId, inactivityDays: 30, warningDays: [7, 1] } })).data
        ?.updateOrganization,
      'UpdateOrganizationSuccess',
    );
    expect(updated.organization.inactivityDays).toBe(30);
    const r = await sweep(server, plus(day(40), MINUTE));
    expect(r.mode).toBe('full');
    expect(summary(await expiryEvents(server.app.orm, key.id))).toEqual(['expired:inactivity']);
    expect(await keyStatus(server.app.orm, key.id)).toBe('EXPIRED');
  });
});

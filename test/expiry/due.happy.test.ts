import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { daysLeft, decideExpiry, inactivityExpiry, keyExpiresAt, nextDueAt, type ExpirySettings } from '../../src/modules/keys/key-expiry.ts';
import { candidateBatches } from '../../src/modules/expiry/expiry-sweep.service.ts';
import { seedOrg, startTestServer, type TestServer } from '../harness.ts';
import { day, makeKey, setSettings } from './helpers.ts';

const DEFAULTS: ExpirySettings = { inactivityDays: 90, warningDays: [15, 7, 1] };
const at = (d: number) => day(d);

describe('due computation (pure)', () => {
  it('inactivity expiry is last activity + inactivity days, off at 0', () => {
    expect(inactivityExpiry(at(0), 90)).toEqual(at(90));
    expect(inactivityExpiry(at(0), 0)).toBeNull();
  });

  it('expiresAt is the earlier of validUntil and the inactivity expiry', () => {
    expect(keyExpiresAt({ lastActivityAt: at(0), validUntil: null }, 90)).toEqual(at(90));
    expect(keyExpiresAt({ lastActivityAt: at(0), validUntil: at(30) }, 90)).toEqual(at(30));
    expect(keyExpiresAt({ lastActivityAt: at(0), validUntil: at(120) }, 90)).toEqual(at(90));
    expect(keyExpiresAt({ lastActivityAt: at(0), validUntil: at(120) }, 0)).toEqual(at(120));
    expect(keyExpiresAt({ lastActivityAt: at(0), validUntil: null }, 0)).toBeNull();
  });

  it('counts whole days left, rounding up', () => {
    expect(daysLeft(at(90), at(83))).toBe(7);
    expect(daysLeft(at(90), new Date(at(83).getTime() + 60_000))).toBe(7);
    expect(daysLeft(at(90), new Date(at(90).getTime() - 1))).toBe(1);
    expect(daysLeft(at(90), at(91))).toBe(0);
  });

  it('on time: 15, 7 and 1 days before, then expiry; nothing in between', () => {
    const key = { lastActivityAt: at(0), validUntil: null };
    let sent: number | null = null;
    const seen: string[] = [];
    for (let d = 0; d <= 95; d += 0.25) {
      const r = decideExpiry(key, DEFAULTS, at(d), sent);
      if (r.action === 'warn') {
        seen.push(`${d}:warn:${r.threshold}:${r.daysLeft}`);
        sent = r.threshold;
      } else if (r.action === 'expire') {
        seen.push(`${d}:expire:${r.reason}`);
        break;
      }
    }
    expect(seen).toEqual(['75:warn:15:15', '83:warn:7:7', '89:warn:1:1', '90:expire:inactivity']);
  });

  it('late: only the most urgent due warning, or expiry', () => {
    const key = { lastActivityAt: at(0), validUntil: null };
    expect(decideExpiry(key, DEFAULTS, at(85), 15)).toMatchObject({ action: 'warn', threshold: 7, daysLeft: 5 });
    expect(decideExpiry(key, DEFAULTS, at(85), null)).toMatchObject({ action: 'warn', threshold: 7 });
    expect(decideExpiry(key, DEFAULTS, at(89.5), null)).toMatchObject({ action: 'warn', threshold: 1, daysLeft: 1 });
    expect(decideExpiry(key, DEFAULTS, at(85), 7)).toEqual({ action: 'none', nextDueAt: at(89) });
    expect(decideExpiry(key, DEFAULTS, at(100), null)).toEqual({ action: 'expire', reason: 'inactivity', expiresAt: at(90) });
  });

  it('validity window: expires at validUntil; suppresses inactivity warnings when it ends first', () => {
    expect(decideExpiry({ lastActivityAt: at(0), validUntil: at(80) }, DEFAULTS, at(75), null)).toEqual({ action: 'none', nextDueAt: at(80) });
    expect(decideExpiry({ lastActivityAt: at(0), validUntil: at(80) }, DEFAULTS, at(80), null)).toMatchObject({ action: 'expire', reason: 'validity_window' });
    // Window ends after the inactivity expiry: inactivity wins, with its warnings.
    expect(decideExpiry({ lastActivityAt: at(0), validUntil: at(95) }, DEFAULTS, at(75), null)).toMatchObject({ action: 'warn', threshold: 15 });
    expect(decideExpiry({ lastActivityAt: at(0), validUntil: at(95) }, DEFAULTS, at(100), 1)).toMatchObject({
      action: 'expire',
      reason: 'inactivity',
      expiresAt: at(90),
    });
    expect(decideExpiry({ lastActivityAt: at(0), validUntil: at(10) }, { inactivityDays: 0, warningDays: [15] }, at(10), null)).toMatchObject({
      action: 'expire',
      reason: 'validity_window',
    });
  });

  it('inactivity off and no window: never anything', () => {
    const r = decideExpiry({ lastActivityAt: at(0), validUntil: null }, { inactivityDays: 0, warningDays: [15, 7, 1] }, at(10_000), null);
    expect(r).toEqual({ action: 'none', nextDueAt: null });
  });

  it('custom and odd warning days: unordered, larger than the inactivity period, empty', () => {
    const key = { lastActivityAt: at(0), validUntil: null };
    expect(nextDueAt(key, { inactivityDays: 60, warningDays: [3, 30] }, null)).toEqual(at(30));
    expect(nextDueAt(key, { inactivityDays: 60, warningDays: [3, 30] }, 30)).toEqual(at(57));
    expect(decideExpiry(key, { inactivityDays: 10, warningDays: [15] }, at(0), null)).toMatchObject({ action: 'warn', threshold: 15, daysLeft: 10 });
    expect(decideExpiry(key, { inactivityDays: 10, warningDays: [] }, at(9.9), null)).toMatchObject({ action: 'none' });
    expect(decideExpiry(key, { inactivityDays: 10, warningDays: [] }, at(10), null)).toMatchObject({ action: 'expire' });
  });
});

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

describe('the sweep’s SQL pre-filter agrees with the pure function', () => {
  it('selects exactly the keys decideExpiry acts on, over settings, windows, sent warnings and instants', async () => {
    const settings: ExpirySettings[] = [
      { inactivityDays: 90, warningDays: [15, 7, 1] },
      { inactivityDays: 60, warningDays: [30, 3] },
      { inactivityDays: 10, warningDays: [15] },
      { inactivityDays: 5, warningDays: [] },
      { inactivityDays: 0, warningDays: [15, 7, 1] },
    ];
    type Case = { id: string; orgId: string; s: ExpirySettings; lastActivityAt: Date; validUntil: Date | null; sent: number | null };
    const cases: Case[] = [];
    const orgs: string[] = [];
    const em = server.app.orm.em.fork();
    for (const s of settings) {
      const org = await seedOrg(server);
      orgs.push(org.organizationId);
      await setSettings(server.app.orm, org.organizationId, s);
      for (const last of [0, 20, 50, 75.5]) {
        for (const valid of [null, 40, 95, 200]) {
          for (const sent of [null, ...s.warningDays]) {
            // Sub-millisecond activity times: what PostgreSQL's now() gives the usage roll-up.
            const k = await makeKey(server, org, { lastActivityAt: at(last), validUntil: valid === null ? null : at(valid) });
            await em.execute(`update api_key set last_activity_at = last_activity_at + interval '123 microseconds' where id = ?`, [k.id]);
            if (sent !== null)
              await em.execute(
                `insert into key_expiry_warning (key_id, period_start, threshold, days_left, sent_at) select id, last_activity_at, ?, 0, now() from api_key where id = ?`,
                [sent, k.id],
              );
            const lastActivityAt = new Date(at(last).getTime() + 1); // the µs round up past the ms
            cases.push({ id: k.id, orgId: org.organizationId, s, lastActivityAt, validUntil: valid === null ? null : at(valid), sent });
          }
        }
      }
    }
    let compared = 0;
    for (const d of [0, 9, 15, 29, 30, 45, 55, 57, 60, 70, 75, 76, 83, 85, 90, 91, 100, 120, 150]) {
      for (const orgId of orgs) {
        const now = new Date(at(d).getTime() + 5);
        const sql = new Set<string>();
        for await (const batch of candidateBatches(server.app.orm.em.fork(), { now, organizationId: orgId, batchSize: 17 }))
          for (const k of batch) sql.add(k.id);
        const ts = new Set(cases.filter((c) => c.orgId === orgId && decideExpiry(c, c.s, now, c.sent).action !== 'none').map((c) => c.id));
        expect(
          [...sql].filter((id) => !ts.has(id)),
          `extra at day ${d}`,
        ).toEqual([]);
        expect(
          [...ts].filter((id) => !sql.has(id)),
          `missing at day ${d}`,
        ).toEqual([]);
        compared += ts.size;
      }
      // The same over every organisation at once, in small batches (the cursor crosses organisations).
      const now = new Date(at(d).getTime() + 5);
      const mine = new Set(orgs);
      const all = new Set<string>();
      for await (const batch of candidateBatches(server.app.orm.em.fork(), { now, batchSize: 7 }))
        for (const k of batch) if (mine.has(k.organizationId)) all.add(k.id);
      const expected = cases.filter((c) => decideExpiry(c, c.s, now, c.sent).action !== 'none').map((c) => c.id);
      expect([...all].sort(), `all organisations at day ${d}`).toEqual(expected.sort());
    }
    expect(compared).toBeGreaterThan(200);

    // Incremental passes: every key that became due between two sweeps, and nothing not due.
    const days = [0, 15, 29.99, 30, 57, 60, 74.9, 75.5, 83, 89, 90, 90.001, 100, 150];
    let crossed = 0;
    for (let i = 1; i < days.length; i++) {
      const since = new Date(at(days[i - 1]!).getTime() + 5);
      const now = new Date(at(days[i]!).getTime() + 5);
      for (const orgId of orgs) {
        const sql = new Set<string>();
        for await (const batch of candidateBatches(server.app.orm.em.fork(), { now, since, organizationId: orgId, batchSize: 11 }))
          for (const k of batch) sql.add(k.id);
        const mine = cases.filter((c) => c.orgId === orgId);
        const dueNow = new Set(mine.filter((c) => decideExpiry(c, c.s, now, c.sent).action !== 'none').map((c) => c.id));
        // A key whose last activity is after `now` does not exist yet at `now`.
        const newlyDue = mine
          .filter((c) => c.lastActivityAt.getTime() <= now.getTime() && dueNow.has(c.id) && decideExpiry(c, c.s, since, c.sent).action === 'none')
          .map((c) => c.id);
        expect(
          newlyDue.filter((id) => !sql.has(id)),
          `missed between days ${days[i - 1]} and ${days[i]}`,
        ).toEqual([]);
        expect(
          [...sql].filter((id) => !dueNow.has(id)),
          `not due at day ${days[i]}`,
        ).toEqual([]);
        crossed += newlyDue.length;
      }
    }
    expect(crossed).toBeGreaterThan(50);
  });
});

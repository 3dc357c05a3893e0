import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { seedOrg, startTestServer, type TestServer } from '../harness.ts';
import { day, expiryEvents, keyStatus, makeKey, setSettings, summary, sweep as sweepAt, useKey } from './helpers.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

// Every scenario twice: with a full inactivity pass each time, and incremental passes from the
// previous sweep's instant (the first sweep of a scenario is full: no previous sweep).
describe.each([
  { mode: 'full', fullSweepEveryMs: 0 },
  { mode: 'incremental', fullSweepEveryMs: Number.MAX_SAFE_INTEGER },
])('inactivity expiry sweep ($mode)', ({ fullSweepEveryMs }) => {
  beforeEach(async () => {
    await server.app.orm.em.fork().execute('delete from expiry_sweep_state');
  });
  const sweep = (s: TestServer, now: Date, opts: Parameters<typeof sweepAt>[2] = {}) => sweepAt(s, now, { fullSweepEveryMs, ...opts });

  it('walks a key through days 75, 83, 89 and 90: exactly three warnings, then expiry', async () => {
    const org = await seedOrg(server);
    const key = await makeKey(server, org, { lastActivityAt: day(0) });
    const orm = server.app.orm;

    for (const d of [0, 30, 74.9]) await sweep(server, day(d));
    expect(await expiryEvents(orm, key.id)).toEqual([]);

    await sweep(server, day(75));
    await sweep(server, day(75.5)); // a second sweep the same day sends nothing new
    await sweep(server, day(83));
    await sweep(server, day(89));
    await sweep(server, day(89.99));
    const warnings = await expiryEvents(orm, key.id);
    expect(summary(warnings)).toEqual(['warn:15', 'warn:7', 'warn:1']);
    expect(warnings.map((e) => e.data.threshold)).toEqual([15, 7, 1]);
    expect(warnings.every((e) => e.data.expiresAt === day(90).toISOString())).toBe(true);
    expect(warnings[0]!.data.apiKey).toMatchObject({ id: key.id, keyId: key.keyId, name: key.name, status: 'ACTIVE' });
    expect(warnings.map((e) => new Date(e.occurred_at).getTime())).toEqual([day(75), day(83), day(89)].map((d) => d.getTime()));
    expect(await keyStatus(orm, key.id)).toBe('ACTIVE');

    // Warm the verifier's cache: the expiry must reach it (invalidation), not wait for its TTL.
    expect((await server.app.deps.verifier.verify({ token: key.token })).code).toBe('VALID');
    const result = await sweep(server, day(90));
    expect(result.expired).toBeGreaterThanOrEqual(1);
    const all = await expiryEvents(orm, key.id);
    expect(summary(all)).toEqual(['warn:15', 'warn:7', 'warn:1', 'expired:inactivity']);
    expect(all[3]!.data).toMatchObject({ reason: 'inactivity', inactivityDays: 90, expiredAt: day(90).toISOString(), apiKey: { status: 'EXPIRED' } });
    expect(await keyStatus(orm, key.id)).toBe('EXPIRED');
    expect((await server.app.deps.verifier.verify({ token: key.token })).code).toBe('EXPIRED');

    // Nothing more, ever.
    await sweep(server, day(91));
    await sweep(server, day(150));
    expect(await expiryEvents(orm, key.id)).toHaveLength(4);
  });

  it('restarts the clock when the key is used: day 80 use means a new period ending on day 170', async () => {
    const org = await seedOrg(server);
    const key = await makeKey(server, org, { lastActivityAt: day(0) });
    const orm = server.app.orm;
    await sweep(server, day(75));
    await useKey(orm, key.id, day(80));
    for (const d of [83, 89, 90, 120, 154.9]) await sweep(server, day(d));
    expect(summary(await expiryEvents(orm, key.id))).toEqual(['warn:15']);
    expect(await keyStatus(orm, key.id)).toBe('ACTIVE');

    for (const d of [155, 163, 169, 170]) await sweep(server, day(d));
    const events = await expiryEvents(orm, key.id);
    expect(summary(events)).toEqual(['warn:15', 'warn:15', 'warn:7', 'warn:1', 'expired:inactivity']);
    expect(events[1]!.data.expiresAt).toBe(day(170).toISOString());
    expect(events[1]!.data.lastActivityAt).toBe(day(80).toISOString());
    expect(await keyStatus(orm, key.id)).toBe('EXPIRED');
  });

  it('keeps only the current period’s warnings', async () => {
    const org = await seedOrg(server);
    const key = await makeKey(server, org, { lastActivityAt: day(0) });
    const orm = server.app.orm;
    await sweep(server, day(75));
    await useKey(orm, key.id, day(80));
    await sweep(server, day(155));
    const rows = await orm.em
      .fork()
      .execute<{ period_start: string; threshold: number }[]>('select period_start, threshold from key_expiry_warning where key_id = ?', [key.id]);
    expect(rows.map((r) => [new Date(r.period_start).toISOString(), r.threshold])).toEqual([[day(80).toISOString(), 15]]);
  });

  it('run ten days late, sends only the most urgent warning due, or expires a key past due', async () => {
    const org = await seedOrg(server);
    const orm = server.app.orm;
    const a = await makeKey(server, org, { lastActivityAt: day(0), name: 'late-warning' });
    const b = await makeKey(server, org, { lastActivityAt: day(-10), name: 'late-expiry' });
    const c = await makeKey(server, org, { lastActivityAt: day(-14), name: 'first-sweep-late' });
    const d = await makeKey(server, org, { lastActivityAt: day(-30), name: 'never-swept' });

    await sweep(server, day(75)); // a: 15 days left; b: 5 left; c: 1 left; d: past due
    expect(summary(await expiryEvents(orm, a.id))).toEqual(['warn:15']);
    expect(summary(await expiryEvents(orm, b.id))).toEqual(['warn:5']);
    expect((await expiryEvents(orm, b.id))[0]!.data.threshold).toBe(7);
    expect(summary(await expiryEvents(orm, c.id))).toEqual(['warn:1']);
    expect(summary(await expiryEvents(orm, d.id))).toEqual(['expired:inactivity']);

    // The next sweep runs ten days late.
    await sweep(server, day(85));
    // a: the 7-day warning (5 days left), not the 15-day one again.
    const aEvents = await expiryEvents(orm, a.id);
    expect(summary(aEvents)).toEqual(['warn:15', 'warn:5']);
    expect(aEvents[1]!.data.threshold).toBe(7);
    // b and c were past due on day 80 and 76: expired, no last warning first.
    expect(summary(await expiryEvents(orm, b.id))).toEqual(['warn:5', 'expired:inactivity']);
    expect(summary(await expiryEvents(orm, c.id))).toEqual(['warn:1', 'expired:inactivity']);
    expect((await expiryEvents(orm, b.id))[1]!.data.expiredAt).toBe(day(80).toISOString());

    await sweep(server, day(89));
    expect(summary(await expiryEvents(orm, a.id))).toEqual(['warn:15', 'warn:5', 'warn:1']);
  });

  it('respects the organisation: inactivityDays 0 never expires; custom warning days', async () => {
    const off = await seedOrg(server);
    await setSettings(server.app.orm, off.organizationId, { inactivityDays: 0 });
    const k1 = await makeKey(server, off, { lastActivityAt: day(0) });
    for (const d of [75, 90, 150]) await sweep(server, day(d), { organizationId: off.organizationId });
    expect(await expiryEvents(server.app.orm, k1.id)).toEqual([]);
    expect(await keyStatus(server.app.orm, k1.id)).toBe('ACTIVE');

    const custom = await seedOrg(server);
    await setSettings(server.app.orm, custom.organizationId, { inactivityDays: 60, warningDays: [30, 3] });
    const k2 = await makeKey(server, custom, { lastActivityAt: day(0) });
    for (const d of [29.9, 30, 45, 57, 59, 59.99]) await sweep(server, day(d));
    expect(summary(await expiryEvents(server.app.orm, k2.id))).toEqual(['warn:30', 'warn:3']);
    await sweep(server, day(60));
    expect(summary(await expiryEvents(server.app.orm, k2.id))).toEqual(['warn:30', 'warn:3', 'expired:inactivity']);
  });

  it('expires a key whose validity window ended, with reason validity_window, even with inactivity expiry off', async () => {
    const org = await seedOrg(server);
    await setSettings(server.app.orm, org.organizationId, { inactivityDays: 0 });
    const key = await makeKey(server, org, { lastActivityAt: day(0), validUntil: day(10) });
    await sweep(server, day(9.99));
    expect(await keyStatus(server.app.orm, key.id)).toBe('ACTIVE');
    await sweep(server, day(10));
    const events = await expiryEvents(server.app.orm, key.id);
    expect(summary(events)).toEqual(['expired:validity_window']);
    expect(events[0]!.data).toMatchObject({ reason: 'validity_window', validUntil: day(10).toISOString(), expiredAt: day(10).toISOString() });
    expect(await keyStatus(server.app.orm, key.id)).toBe('EXPIRED');
  });

  it('sends no inactivity warnings for a key whose validity window ends first', async () => {
    const org = await seedOrg(server);
    const key = await makeKey(server, org, { lastActivityAt: day(0), validUntil: day(80) });
    for (const d of [75, 79]) await sweep(server, day(d));
    expect(await expiryEvents(server.app.orm, key.id)).toEqual([]);
    await sweep(server, day(80));
    expect(summary(await expiryEvents(server.app.orm, key.id))).toEqual(['expired:validity_window']);
  });

  it('writes an audit entry with the system as actor, and an in-app notification per event', async () => {
    const org = await seedOrg(server);
    const key = await makeKey(server, org, { lastActivityAt: day(0) });
    await sweep(server, day(89));
    await sweep(server, day(90));
    const em = server.app.orm.em.fork();
    const audit = await em.execute<{ action: string; actor_user_id: string | null; actor_key_id: string | null; target_type: string; changes: any }[]>(
      'select action, actor_user_id, actor_key_id, target_type, changes from audit_entry where target_id = ?',
      [key.id],
    );
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ action: 'api_key.expire', actor_user_id: null, actor_key_id: null, target_type: 'ApiKey' });
    expect(audit[0]!.changes.status).toEqual({ old: 'ACTIVE', new: 'EXPIRED' });
    expect(audit[0]!.changes.reason.new).toBe('inactivity');
    const events = await expiryEvents(server.app.orm, key.id);
    const notes = await em.execute<{ type: string; event_id: string; organization_id: string; title: string }[]>(
      'select type, event_id, organization_id, title from notification where key_id = ? order by created_at',
      [key.id],
    );
    expect(notes.map((n) => n.event_id)).toEqual(events.map((e) => e.id));
    expect(notes.map((n) => n.type)).toEqual(['api_key.expiring_soon', 'api_key.expired']);
    expect(notes.every((n) => n.organization_id === org.organizationId)).toBe(true);
    expect(notes[0]!.title).toBe(`API key “${key.name}” expires in 1 day unless it is used`);
    expect(notes[1]!.title).toBe(`API key “${key.name}” expired after 90 days unused`);
  });

  it('leaves revoked and deleted keys alone', async () => {
    const org = await seedOrg(server);
    const revoked = await makeKey(server, org, { lastActivityAt: day(0) });
    const deleted = await makeKey(server, org, { lastActivityAt: day(0) });
    const em = server.app.orm.em.fork();
    await em.execute(`update api_key set status = 'REVOKED', revoked_at = now() where id = ?`, [revoked.id]);
    await em.execute(`update api_key set deleted_at = now() where id = ?`, [deleted.id]);
    for (const d of [75, 90]) await sweep(server, day(d));
    expect(await expiryEvents(server.app.orm, revoked.id)).toEqual([]);
    expect(await expiryEvents(server.app.orm, deleted.id)).toEqual([]);
    expect(await keyStatus(server.app.orm, revoked.id)).toBe('REVOKED');
    expect(await keyStatus(server.app.orm, deleted.id)).toBe('ACTIVE');
  });

  it('handles more keys than one batch, in order, each once', async () => {
    const org = await seedOrg(server);
    const keys = [];
    for (let i = 0; i < 23; i++) keys.push(await makeKey(server, org, { lastActivityAt: new Date(day(0).getTime() + i * 1000) }));
    const notYet = await makeKey(server, org, { lastActivityAt: new Date(day(0).getTime() + 60_000) });
    const r = await sweep(server, new Date(day(75).getTime() + 30_000), { batchSize: 5, organizationId: org.organizationId });
    expect(r).toMatchObject({ warned: 23, expired: 0 });
    expect(r.batches).toBe(5);
    for (const k of keys) expect(summary(await expiryEvents(server.app.orm, k.id))).toEqual(['warn:15']);
    // Its 15-day instant is 30 s after the sweep.
    expect(await expiryEvents(server.app.orm, notYet.id)).toEqual([]);
  });
});

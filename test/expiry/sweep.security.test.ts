import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expirySweepJob } from '../../src/jobs/expiry-sweep.job.ts';
import { seedOrg, startTestServer, type TestServer } from '../harness.ts';
import { day, expiryEvents, keyStatus, makeKey, setSettings, summary, sweep } from './helpers.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

describe('expiry sweep security', () => {
  it('each organisation’s events and notifications stay in that organisation, under its own settings', async () => {
    const a = await seedOrg(server);
    const b = await seedOrg(server);
    await setSettings(server.app.orm, b.organizationId, { inactivityDays: 0 });
    const ka = await makeKey(server, a, { lastActivityAt: day(0) });
    const kb = await makeKey(server, b, { lastActivityAt: day(0) });
    await sweep(server, day(90));
    const events = await expiryEvents(server.app.orm, ka.id);
    expect(summary(events)).toEqual(['expired:inactivity']);
    expect(events.every((e) => e.organization_id === a.organizationId)).toBe(true);
    // B turned expiry off: A's sweep never reaches B's key.
    expect(await expiryEvents(server.app.orm, kb.id)).toEqual([]);
    expect(await keyStatus(server.app.orm, kb.id)).toBe('ACTIVE');
    const notes = await server.app.orm.em.fork().execute<{ organization_id: string }[]>('select organization_id from notification where key_id = ?', [ka.id]);
    expect(notes).toEqual([{ organization_id: a.organizationId }]);
  });

  it('the job payload cannot carry a clock: a producer cannot expire keys early', () => {
    expect(expirySweepJob.payload.safeParse({}).success).toBe(true);
    expect(expirySweepJob.payload.safeParse({ now: day(10_000).toISOString() }).success).toBe(false);
    expect(expirySweepJob.payload.safeParse({ organizationId: 'org_x' }).success).toBe(false);
  });

  it('an expired key cannot authenticate: the next request is refused', async () => {
    const org = await seedOrg(server);
    const key = await makeKey(server, org, { lastActivityAt: day(0) });
    const viewer = () =>
      fetch(`${server.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key.token}` },
        body: JSON.stringify({ query: '{ viewer { apiKey { id } } }' }),
      });
    expect((await viewer()).status).toBe(200);
    await sweep(server, day(90), { organizationId: org.organizationId });
    expect((await viewer()).status).toBe(401);
    expect((await server.app.deps.verifier.verify({ token: key.token })).code).toBe('EXPIRED');
  });
});

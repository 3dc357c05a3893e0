import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pruneConsoleSessions } from '../../src/modules/console/console-prune.ts';
import { gql, seedOrg, startTestServer, type TestServer } from '../harness.ts';
import { subscribersOn } from '../events/helpers.ts';
import { ConsoleViewer } from './ops.ts';
import { consoleSocket, mintLink, openLink, signIn, type Browser } from './session.ts';

let server: TestServer;
let offsetMs = 0;
const MINUTE = 60_000;
beforeAll(async () => {
  server = await startTestServer({ app: { now: () => Date.now() + offsetMs }, config: { KEYPLANE_SUBSCRIPTION_RECHECK_SECONDS: '1' } });
});
afterAll(() => server.close());

describe('console session idle timeout', () => {
  it('a session in use stays signed in past the idle time; one left idle longer is signed out', async () => {
    offsetMs = 0;
    const org = await seedOrg(server);
    const browser = await signIn(await mintLink(server, org.token, org.userId));
    const viewerStatus = async () => (await gql(server, { header: browser.headers }, ConsoleViewer)).status;
    expect(await viewerStatus()).toBe(200);
    // Used every 20 minutes for an hour: the 30-minute idle timeout never fires.
    for (let i = 1; i <= 3; i++) {
      offsetMs = i * 20 * MINUTE;
      expect(await viewerStatus(), `after ${i * 20} min`).toBe(200);
    }
    // Then 31 minutes without a request: signed out, and it stays so.
    offsetMs += 31 * MINUTE;
    expect(await viewerStatus()).toBe(401);
    offsetMs += MINUTE;
    expect(await viewerStatus()).toBe(401);
    // Signing in again works.
    const again = await signIn(await mintLink(server, org.token, org.userId));
    expect((await gql(server, { header: again.headers }, ConsoleViewer)).status).toBe(200);
  });

  it('a session opened and never used is signed out after the idle time', async () => {
    offsetMs = 0;
    const org = await seedOrg(server);
    const browser = await signIn(await mintLink(server, org.token, org.userId));
    offsetMs = 29 * MINUTE;
    expect((await gql(server, { header: browser.headers }, ConsoleViewer)).status).toBe(200);
    offsetMs = 29 * MINUTE + 31 * MINUTE;
    expect((await gql(server, { header: browser.headers }, ConsoleViewer)).status).toBe(401);
  });
});

/** A keyEvents subscription over graphql-ws, authenticated by the console session's cookie. */
function subscribe(browser: Browser) {
  const state = { ended: null as string | null };
  const client = consoleSocket(server, browser);
  const connected = new Promise((resolve) => client.on('connected', resolve));
  client.subscribe(
    { query: 'subscription { keyEvents { id type } }' },
    { next: () => {}, error: (e) => (state.ended = `error ${JSON.stringify(e)}`), complete: () => (state.ended ??= 'complete') },
  );
  return { state, client, connected };
}

describe('console session idle timeout, live events', () => {
  it('an open keyEvents subscription ends once its session has been idle past the timeout', async () => {
    offsetMs = 0;
    const org = await seedOrg(server);
    const browser = await signIn(await mintLink(server, org.token, org.userId));
    const sub = subscribe(browser);
    await sub.connected;
    // Subscribing authenticates too (each operation on a socket does): its activity is recorded at minute 0.
    await expect.poll(() => subscribersOn(server, org.organizationId), { timeout: 5000, interval: 50 }).toBeGreaterThan(0);
    // Several re-checks (every second here) while the session is fresh: the stream stays open.
    offsetMs = 10 * MINUTE;
    await new Promise((r) => setTimeout(r, 2500));
    expect(sub.state.ended).toBeNull();
    // Nobody used the console for 31 minutes: the feed alone does not keep the session alive.
    offsetMs = 31 * MINUTE;
    await expect.poll(() => sub.state.ended, { timeout: 5000, interval: 100 }).not.toBeNull();
    expect((await gql(server, { header: browser.headers }, ConsoleViewer)).status).toBe(401);
    await sub.client.dispose();
  });
});

describe('console session pruning', () => {
  it('deletes links and sessions ended more than a week ago, and nothing live', async () => {
    offsetMs = 0;
    const org = await seedOrg(server);
    const conn = server.app.orm.em.getConnection();
    const idOf = (url: string) => new URL(url).searchParams.get('token')!.split('.')[0]!;
    const oldLink = idOf(await mintLink(server, org.token, org.userId));
    const oldSessionUrl = await mintLink(server, org.token, org.userId);
    expect((await openLink(oldSessionUrl)).status).toBe(303);
    const oldSession = idOf(oldSessionUrl);
    const recentLink = idOf(await mintLink(server, org.token, org.userId)); // expired yesterday: kept a while
    const liveUrl = await mintLink(server, org.token, org.userId);
    const live = idOf(liveUrl);
    await conn.execute(`update console_session set link_expires_at = now() - interval '8 days' where id = ?`, [oldLink]);
    await conn.execute(`update console_session set expires_at = now() - interval '8 days' where id = ?`, [oldSession]);
    await conn.execute(`update console_session set link_expires_at = now() - interval '1 day' where id = ?`, [recentLink]);

    const { deleted } = await pruneConsoleSessions(server.app.orm, new Date());
    expect(deleted).toBeGreaterThanOrEqual(2);
    const left = (await conn.execute<{ id: string }[]>(`select id from console_session where id in (?, ?, ?, ?)`, [oldLink, oldSession, recentLink, live]))
      .map((r) => r.id)
      .sort();
    expect(left).toEqual([recentLink, live].sort());
    // The live link still signs in; audit entries of the pruned session remain.
    expect((await openLink(liveUrl)).status).toBe(303);
    const audit = await conn.execute<{ n: string }[]>(`select count(*) as n from audit_entry where action = 'console_session.start' and target_id = ?`, [
      org.userId,
    ]);
    expect(Number(audit[0]!.n)).toBeGreaterThanOrEqual(2);
  });
});

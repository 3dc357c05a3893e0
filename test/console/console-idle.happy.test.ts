import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pruneConsoleSessions } from '../../src/modules/console/console-prune.ts';
import { gql, seedOrg, startTestServer, type TestServer } from '../harness.ts';
import { ConsoleViewer } from './ops.ts';
import { mintLink, openLink, signIn } from './session.ts';

let server: TestServer;
let offsetMs = 0;
const MINUTE = 60_000;
beforeAll(async () => {
  server = await startTestServer({ app: { now: () => Date.now() + offsetMs } });
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
    const left = (await conn.execute<{ id: string }[]>(`select id from console_session where id in (?, ?, ?, ?)`, [oldLink, oldSession, recentLink, live])).map((r) => r.id).sort();
    expect(left).toEqual([recentLink, live].sort());
    // The live link still signs in; audit entries of the pruned session remain.
    expect((await openLink(liveUrl)).status).toBe(303);
    const audit = await conn.execute<{ n: string }[]>(`select count(*) as n from audit_entry where action = 'console_session.start' and target_id = ?`, [org.userId]);
    expect(Number(audit[0]!.n)).toBeGreaterThanOrEqual(2);
  });
});

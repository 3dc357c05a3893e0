import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gql, seedOrg, startTestServer, type TestServer } from '../harness.ts';
import { CreateUser } from '../ops.ts';
import { dropRedisNamespace, startEventWorkers, waitFor, webhookEnv } from '../webhooks/helpers.ts';
import { consoleSocket, mintLink, signIn, type Browser } from './session.ts';

let server: TestServer;
let workers: Awaited<ReturnType<typeof startEventWorkers>>;
beforeAll(async () => {
  server = await startTestServer({ config: webhookEnv('console-events') });
  workers = await startEventWorkers(server.config);
});
afterAll(async () => {
  await workers.close();
  await server.close();
  await dropRedisNamespace(server.config);
});

function subscribe(browser: Browser) {
  const got: { type: string }[] = [];
  const state = { closed: null as string | null, done: false };
  const client = consoleSocket(server, browser);
  client.subscribe<{ keyEvents: { type: string } }>(
    { query: 'subscription { keyEvents { id type organizationId } }' },
    {
      next: (v) => v.data && got.push(v.data.keyEvents),
      error: (e) => (state.closed = JSON.stringify(e)),
      complete: () => (state.done = true),
    },
  );
  return { got, state, client };
}

describe('live events in a console session', () => {
  it('a session’s keyEvents subscription survives re-checks, receives events, and ends at logout', async () => {
    const org = await seedOrg(server);
    const browser = await signIn(await mintLink(server, org.token, org.userId));
    const sub = subscribe(browser);
    await new Promise((r) => setTimeout(r, 300));
    // Longer than the re-check period: the session is re-checked like a key and stays valid.
    await new Promise((r) => setTimeout(r, 1500));
    await gql(server, { header: browser.headers }, CreateUser, { input: { name: 'Live one' } });
    await waitFor(() => sub.got.some((e) => e.type === 'user.created'), 'the user.created event');
    expect(sub.state.done).toBe(false);

    const out = await fetch(`${server.url}/console/logout`, { method: 'POST', headers: browser.headers });
    expect(out.status).toBe(204);
    await gql(server, org.token, CreateUser, { input: { name: 'After logout' } });
    await waitFor(() => sub.state.done || sub.state.closed, 'the stream to end after logout');
    await sub.client.dispose();
  });
});

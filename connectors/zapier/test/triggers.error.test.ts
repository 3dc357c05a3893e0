import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedOrg, startTestServer, type TestServer } from '../../../test/harness.js';
import type { Subscription } from '../src/triggers/events.js';
import { appTester, authData, failure, integrationKey, hookOf } from './helpers.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

const hook = hookOf('api_key_revoked');

describe('REST-hook subscription errors', () => {
  it('a hook URL the SSRF guard refuses fails the subscription with Keyplane’s validation message', async () => {
    const org = await seedOrg(server);
    const auth = authData(server, (await integrationKey(server, org)).token);
    for (const targetUrl of ['http://10.0.0.7/hooks/1', 'http://169.254.169.254/latest/meta-data', 'ftp://hooks.example.com/x']) {
      const f = await failure(appTester(hook.performSubscribe as never, { authData: auth, targetUrl }));
      expect(f, targetUrl).toMatchObject({ name: 'AppError', code: 'VALIDATION', status: 400 });
      expect(f.message, targetUrl).toMatch(/url/i);
    }
  });

  it('no hook URL, or a key without webhooks:write, cannot subscribe', async () => {
    const org = await seedOrg(server);
    const auth = authData(server, (await integrationKey(server, org)).token);
    expect(await failure(appTester(hook.performSubscribe as never, { authData: auth }))).toMatchObject({ code: 'MissingTargetUrl' });

    const readOnly = authData(server, (await integrationKey(server, org, ['events:read', 'webhooks:read'])).token);
    const f = await failure(appTester(hook.performSubscribe as never, { authData: readOnly, targetUrl: 'http://127.0.0.1:9/hook' }));
    expect(f).toMatchObject({ name: 'AppError', code: 'FORBIDDEN', status: 403 });
  });

  it('unsubscribing twice, or with no subscription, ends quietly', async () => {
    const org = await seedOrg(server);
    const auth = authData(server, (await integrationKey(server, org)).token);
    const sub = (await appTester(hook.performSubscribe as never, { authData: auth, targetUrl: 'http://127.0.0.1:9/hook' })) as Subscription;
    expect(await appTester(hook.performUnsubscribe as never, { authData: auth, subscribeData: sub as never })).toEqual({ id: sub.id });
    expect(await appTester(hook.performUnsubscribe as never, { authData: auth, subscribeData: sub as never })).toEqual({ id: sub.id });
    expect(await appTester(hook.performUnsubscribe as never, { authData: auth })).toEqual({ id: null });
  });

  it('listing samples without events:read fails with Keyplane’s code', async () => {
    const org = await seedOrg(server);
    const auth = authData(server, (await integrationKey(server, org, ['keys:read'])).token);
    expect(await failure(appTester(hook.performList as never, { authData: auth }))).toMatchObject({ name: 'AppError', code: 'FORBIDDEN' });
  });
});

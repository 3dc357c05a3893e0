import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bundle, ZObject } from 'zapier-platform-core';
import { seedOrg, startTestServer, type TestServer } from '../../../test/harness.js';
import { startReceiver, type HookReceiver } from '../../../test/webhooks/helpers.js';
import { appTester, authData, failure, integrationKey, method } from './helpers.js';

let server: TestServer;
const receivers: HookReceiver[] = [];
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await Promise.all(receivers.map((r) => r.close()));
  await server.close();
});

describe('the integration key stays with Keyplane', () => {
  it('is sent only to the configured Keyplane origin, never to another URL a step requests', async () => {
    const keyplane = await startReceiver((_req, res) => res.end('{}'));
    const elsewhere = await startReceiver((_req, res) => res.end('{}'));
    receivers.push(keyplane, elsewhere);
    const apiKey = `kp_ik_${'A'.repeat(16)}_${'b'.repeat(50)}`;
    const fetchBoth = async (z: ZObject) => {
      await z.request({ url: `${keyplane.url}/anything`, skipThrowForStatus: true });
      await z.request({ url: `${elsewhere.url}/collect`, skipThrowForStatus: true });
      return null;
    };
    await appTester(fetchBoth as (z: ZObject, b: Bundle) => Promise<null>, { authData: { baseUrl: keyplane.url, apiKey } });
    expect(keyplane.hits[0]!.headers.authorization).toBe(`Bearer ${apiKey}`);
    expect(elsewhere.hits).toHaveLength(1);
    expect(elsewhere.hits[0]!.headers.authorization).toBeUndefined();
    expect(JSON.stringify(elsewhere.hits[0]!.headers)).not.toContain(apiKey);
  });

  it('is not sent at all when the Keyplane URL is refused', async () => {
    // 127.0.0.2 is loopback too, but only localhost, 127.0.0.1 and [::1] may be plain http.
    const trap = http.createServer((_req, res) => res.end('{}'));
    let hits = 0;
    trap.on('request', () => hits++);
    await new Promise<void>((resolve) => trap.listen(0, '127.0.0.2', resolve));
    try {
      const { port } = trap.address() as AddressInfo;
      const f = await failure(appTester(method('authentication.test') as never, { authData: { baseUrl: `http://127.0.0.2:${port}`, apiKey: 'kp_ik_x' } }));
      expect(f).toMatchObject({ code: 'InvalidBaseUrl' });
      expect(hits).toBe(0);
    } finally {
      trap.closeAllConnections();
      await new Promise<void>((resolve) => trap.close(() => resolve()));
    }
  });

  it('never appears in the errors a Zap shows', async () => {
    const org = await seedOrg(server);
    const k = await integrationKey(server, org, ['events:read']);
    const wrong = `${k.token.slice(0, -3)}zzz`;
    const errors = [
      await failure(appTester(method('authentication.test') as never, { authData: authData(server, wrong) })),
      await failure(
        appTester(method('creates.create_api_key.operation.perform') as never, { authData: authData(server, k.token), inputData: { name: 'x' } as never }),
      ),
      await failure(appTester(method('authentication.test') as never, { authData: authData(server, org.token) })),
    ];
    expect(errors.map((e) => e.name)).toEqual(['ExpiredAuthError', 'AppError', 'AppError']);
    for (const secret of [wrong, k.token, k.secret, org.token]) expect(JSON.stringify(errors)).not.toContain(secret);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gql, seedOrg, startTestServer, success, type TestServer } from '../../../test/harness.js';
import { appTester, authData, failure, integrationKey, method } from './helpers.js';

const RevokeKey = `mutation($input: RevokeApiKeyInput!) { revokeApiKey(input: $input) { __typename } }`;

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

const test = (auth: Record<string, string>) => appTester(method('authentication.test') as never, { authData: auth });

describe('Zapier authentication errors', () => {
  it('a key Keyplane refuses (401) asks the user to reconnect', async () => {
    const org = await seedOrg(server);
    const k = await integrationKey(server, org);
    const typo = k.token.slice(0, -1) + (k.token.endsWith('a') ? 'b' : 'a');
    for (const apiKey of [typo, 'not-a-key', `kp_ik_${'A'.repeat(16)}_${'B'.repeat(50)}`]) {
      const f = await failure(test(authData(server, apiKey)));
      expect(f).toMatchObject({ name: 'ExpiredAuthError', message: expect.stringMatching(/Reconnect/) });
    }
  });

  it('a revoked key fails on its next use with the reconnect error', async () => {
    const org = await seedOrg(server);
    const k = await integrationKey(server, org);
    await test(authData(server, k.token));
    const revoked = await gql(server, org.token, RevokeKey, { input: { id: k.apiKeyId, reason: 'left' } });
    success((revoked.data as { revokeApiKey: { __typename: string } }).revokeApiKey, 'RevokeApiKeySuccess');
    expect(await failure(test(authData(server, k.token)))).toMatchObject({ name: 'ExpiredAuthError' });
  });

  it('refuses a secret key: Zapier connects with integration keys only', async () => {
    const org = await seedOrg(server);
    const f = await failure(test(authData(server, org.token)));
    expect(f).toMatchObject({ name: 'AppError', code: 'WrongKeyKind', message: expect.stringMatching(/integration key/) });
  });

  it('refuses a Keyplane URL that is not https (except loopback) or not a plain base URL', async () => {
    const org = await seedOrg(server);
    const k = await integrationKey(server, org);
    for (const baseUrl of ['http://keys.example.com', 'ftp://127.0.0.1/', 'not a url', `http://user:pw@127.0.0.1:${server.port}`, `${server.url}/?x=1`, '']) {
      const f = await failure(test({ baseUrl, apiKey: k.token }));
      expect(f, baseUrl).toMatchObject({ name: 'AppError', code: 'InvalidBaseUrl' });
    }
  });

  it('turns a query the key may not run into a Zapier error with Keyplane’s code and message', async () => {
    const org = await seedOrg(server);
    const k = await integrationKey(server, org, ['events:read']);
    const f = await failure(appTester(method('triggers.list_users.operation.perform') as never, { authData: authData(server, k.token) }));
    expect(f).toMatchObject({ name: 'AppError', code: 'FORBIDDEN' });
    expect(f.message).toMatch(/Missing permission users:read/);
  });
});

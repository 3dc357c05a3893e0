import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedOrg, startTestServer, type TestServer } from '../../../test/harness.js';
import { appTester, authData, integrationKey, method } from './helpers.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

describe('Zapier authentication', () => {
  it('tests the connection with the viewer query and labels it with organisation and key name', async () => {
    const org = await seedOrg(server, 'Acme Zapier');
    const k = await integrationKey(server, org);
    const info = await appTester(method('authentication.test') as never, { authData: authData(server, k.token) });
    expect(info).toEqual({
      id: k.apiKeyId,
      keyId: k.keyId,
      keyName: expect.stringMatching(/^k-/),
      organizationId: org.organizationId,
      organizationName: 'Acme Zapier',
      userId: k.user.id,
      userName: k.user.name,
    });
    const label = await appTester(method('authentication.connectionLabel') as never, { authData: authData(server, k.token), inputData: info as never });
    expect(label).toBe(`Acme Zapier (${(info as { keyName: string }).keyName})`);
  });

  it('accepts the Keyplane URL with a trailing slash or the /graphql path', async () => {
    const org = await seedOrg(server);
    const k = await integrationKey(server, org);
    for (const baseUrl of [`${server.url}/`, `${server.url}/graphql`, `http://localhost:${server.port}`]) {
      const info = (await appTester(method('authentication.test') as never, { authData: { baseUrl, apiKey: k.token } })) as { organizationId: string };
      expect(info.organizationId).toBe(org.organizationId);
    }
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphql } from '../gql/index.ts';
import { gql, seedOrg, startTestServer, type TestServer } from '../harness.ts';

const Viewer = graphql(`
  query Viewer {
    viewer {
      user { id name kind }
      organization { id name }
      apiKey { keyId kind start }
      permissions { permission resourceIds }
    }
  }
`);

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

describe('authentication', () => {
  it('accepts the key as Bearer, X-API-Key and Basic', async () => {
    const org = await seedOrg(server);
    for (const auth of [org.token, { header: { 'x-api-key': org.token } }, { keyId: org.keyId, secret: org.secret }]) {
      const res = await gql(server, auth, Viewer);
      expect(res.status).toBe(200);
      expect(res.data?.viewer.user.id).toBe(org.userId);
      expect(res.data?.viewer.organization.id).toBe(org.organizationId);
      expect(res.data?.viewer.apiKey?.keyId).toBe(org.keyId);
      expect(res.data?.viewer.permissions.map((p) => p.permission)).toContain('keys:write');
    }
  });

  it('shows only a display start of the token, never the secret', async () => {
    const org = await seedOrg(server);
    const res = await gql(server, org.token, Viewer);
    expect(res.data?.viewer.apiKey?.start).toBe(org.token.slice(0, 'kp_sk_'.length + 16 + 1 + 4));
    expect(JSON.stringify(res)).not.toContain(org.secret);
  });

  it('serves health, readiness and metrics', async () => {
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${server.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ postgres: 'ok', redis: 'ok' });
    const org = await seedOrg(server);
    await gql(server, org.token, Viewer);
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    // Labelled by the root field, not the client-chosen operation name (bounded series).
    expect(metrics).toMatch(/keyplane_graphql_operations_total\{operation="viewer",type="query",outcome="ok"\} [1-9]/);
    expect(metrics).toContain('keyplane_http_request_duration_seconds_bucket');
  });
});

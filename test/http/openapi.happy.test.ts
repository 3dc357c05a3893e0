import { compileErrors, validate } from '@readme/openapi-parser';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedOrg, startTestServer, type TestServer } from '../harness.ts';
import { makeKey, makeUser } from '../verify/fixtures.ts';

let server: TestServer;
let doc: any;
beforeAll(async () => {
  server = await startTestServer();
  const res = await fetch(`${server.url}/openapi.json`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('application/json');
  doc = await res.json();
});
afterAll(() => server.close());

/** Checks a live answer against the document: the operation's response schema for its status. */
function conforms(path: string, method: string, status: number, contentType: string | null, body: unknown) {
  const response = doc.paths[path]?.[method]?.responses?.[String(status)];
  expect(response, `${method.toUpperCase()} ${path} ${status} is documented`).toBeDefined();
  const media = response.content?.['application/json'];
  expect(media, `${method.toUpperCase()} ${path} ${status} is JSON`).toBeDefined();
  expect(contentType).toContain('application/json');
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  (addFormats as unknown as (a: Ajv2020) => void)(ajv);
  ajv.addSchema({ $id: 'doc', components: doc.components });
  const schema = JSON.parse(JSON.stringify(media.schema).replaceAll('"#/components/', '"doc#/components/'));
  const check = ajv.compile(schema);
  expect(check(body), `${method.toUpperCase()} ${path} ${status}: ${ajv.errorsText(check.errors)}\n${JSON.stringify(body)}`).toBe(true);
}

async function call(path: string, init: RequestInit = {}) {
  const res = await fetch(`${server.url}${path}`, init);
  const text = await res.text();
  return { status: res.status, type: res.headers.get('content-type'), body: text ? JSON.parse(text) : null };
}

const json = (token: string | null, body: unknown): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
  body: JSON.stringify(body),
});

describe('GET /openapi.json', () => {
  it('is a valid OpenAPI 3.1 document (standard validator) describing every route outside GraphQL', async () => {
    const result = await validate(structuredClone(doc));
    expect(result.valid, result.valid ? '' : compileErrors(result)).toBe(true);
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths).sort()).toEqual(
      [
        '/',
        '/console/auth',
        '/console/logout',
        '/console/{path}',
        '/healthz',
        '/metrics',
        '/openapi.json',
        '/readyz',
        '/v1/keys/report-leak',
        '/v1/keys/snapshots',
        '/v1/keys/verifications',
        '/v1/keys/verify',
        '/v1/secret-scanning/github',
      ].sort(),
    );
  });

  it('live answers of the JSON routes, success and error, conform to it', async () => {
    const org = await seedOrg(server);
    const user = await makeUser(server.app.orm, org.organizationId, ['invoices:read']);
    const key = await makeKey(server.app.orm, server.config.pepper, {
      organizationId: org.organizationId,
      userId: user.userId,
      rateLimit: { limit: 100, windowSeconds: 60 },
    });
    const plain = await makeKey(server.app.orm, server.config.pepper, { organizationId: org.organizationId, userId: user.userId });

    let r = await call('/');
    conforms('/', 'get', r.status, r.type, r.body);
    expect(r.body).toMatchObject({ name: 'Keyplane', links: { graphql: '/graphql', console: '/console', openapi: '/openapi.json' } });
    const page = await fetch(`${server.url}/`, { headers: { accept: 'text/html' } });
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(await page.text()).toContain('<a href="/graphql">');
    r = await call('/healthz');
    conforms('/healthz', 'get', r.status, r.type, r.body);
    r = await call('/readyz');
    conforms('/readyz', 'get', r.status, r.type, r.body);

    for (const input of [
      { token: key.token, permission: 'invoices:read' },
      { token: plain.token, permission: 'invoices:write', ip: '10.0.0.1' },
      { token: 'kp_sk_nope_x' },
    ]) {
      r = await call('/v1/keys/verify', json(org.token, input));
      conforms('/v1/keys/verify', 'post', r.status, r.type, r.body);
      r = await call('/v1/keys/snapshots', json(org.token, input));
      conforms('/v1/keys/snapshots', 'post', r.status, r.type, r.body);
    }
    r = await call('/v1/keys/snapshots', json(org.token, { token: plain.token }));
    expect(r.body.snapshot).not.toBeNull();
    r = await call(
      '/v1/keys/verifications',
      json(org.token, { batchId: 'openapi-test-1', verifications: [{ keyId: plain.keyId, code: 'VALID', at: Date.now(), count: 3 }] }),
    );
    conforms('/v1/keys/verifications', 'post', r.status, r.type, r.body);

    // Errors: one body shape everywhere.
    const errors: [string, string, RequestInit, number][] = [
      ['/v1/keys/verify', 'post', json(null, { token: plain.token }), 401],
      ['/v1/keys/verify', 'post', json(plain.token, { token: plain.token }), 403],
      ['/v1/keys/verify', 'post', json(org.token, { token: plain.token, extra: 1 }), 400],
      ['/v1/keys/verify', 'post', { method: 'POST', headers: { authorization: `Bearer ${org.token}`, 'content-type': 'text/plain' }, body: 'x' }, 415],
      ['/v1/keys/snapshots', 'post', json(null, {}), 401],
      ['/v1/keys/snapshots', 'post', json(org.token, { token: 5 }), 400],
      ['/v1/keys/verifications', 'post', json(org.token, { batchId: 'x' }), 400],
      ['/v1/keys/verifications', 'post', { method: 'GET', headers: { authorization: `Bearer ${org.token}` } }, 405],
      [
        '/v1/keys/verifications',
        'post',
        json(org.token, { batchId: 'abcdefghij', verifications: [{ keyId: 'k', code: 'VALID', at: Date.now(), pad: 'x'.repeat(300_000) }] }),
        413,
      ],
    ];
    for (const [path, method, init, status] of errors) {
      r = await call(path, init);
      expect(r.status, `${path} ${JSON.stringify(r.body)}`).toBe(status);
      conforms(path, method, status, r.type, r.body);
    }
    // The console's own errors too (its pages for people stay HTML).
    for (const [path, init, status, docPath, method] of [
      ['/console/assets/missing.js', {}, 404, '/console/{path}', 'get'],
      ['/console/logout', { method: 'GET' }, 405, '/console/logout', 'post'],
      ['/console/auth', { method: 'POST', headers: { 'content-type': 'text/plain', origin: server.url }, body: 'x' }, 415, '/console/auth', 'post'],
    ] as [string, RequestInit, number, string, string][]) {
      r = await call(path, init);
      expect(r.status, `${path} ${JSON.stringify(r.body)}`).toBe(status);
      conforms(docPath, method, status, r.type, r.body);
    }
    // Routes that are not in the document answer the same error body.
    r = await call('/nothing-here');
    expect(r.status).toBe(404);
    expect(r.body).toEqual({ errors: [{ message: expect.any(String), extensions: { code: 'NOT_FOUND' } }] });
  });
});

import type { Route } from './server.ts';
import { VERIFY_CODES } from '../lib/verify-codes.ts';
import { BATCH_ID_TTL_SECONDS, MAX_BATCH_BYTES, MAX_BATCH_ENTRIES, MAX_BATCH_VERIFICATIONS } from './sdk-routes.ts';
import { sendError } from './errors.ts';

export const OPENAPI_PATH = '/openapi.json';

const json = (schema: object) => ({ 'application/json': { schema } });
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const error = (description: string) => ({ description, content: json(ref('Error')) });
const KEY_AUTH = [{ bearer: [] }, { basic: [] }, { apiKey: [] }];
const nullable = (type: string, extra: object = {}) => ({ type: [type, 'null'], ...extra });

/** The errors every authenticated JSON route may answer, beside its own. */
const API_ERRORS = {
  '400': error('Invalid input (extensions.fields says which)'),
  '401': error('The caller’s key is missing or does not authenticate (UNAUTHENTICATED)'),
  '403': error('The caller may not do this (FORBIDDEN, e.g. missing keys:verify or a publishable key)'),
  '405': error('Method not allowed'),
  '411': error('content-length required'),
  '413': error('Body too large'),
  '415': error('Body is not application/json'),
  '500': error('Internal error (extensions.requestId)'),
};

const verifyInput = {
  type: 'object',
  additionalProperties: false,
  description:
    'Give `token`, or `keyId` and `secret`. `ip` is the address the host saw; `permission` (`resource:action`) and `resource` (an instance id) are checked when given.',
  properties: {
    token: { type: 'string', maxLength: 512 },
    keyId: { type: 'string', maxLength: 512 },
    secret: { type: 'string', maxLength: 512 },
    ip: { type: 'string', maxLength: 64 },
    permission: { type: 'string', maxLength: 100 },
    resource: { type: 'string', maxLength: 256 },
    cost: { type: 'integer', minimum: 1, maximum: 1_000_000, description: 'Credits this call spends (default 1).' },
  },
};

const grant = {
  type: 'object',
  required: ['permission', 'resourceIds'],
  additionalProperties: false,
  properties: { permission: { type: 'string' }, resourceIds: { type: ['array', 'null'], items: { type: 'string' } } },
};

const keyRef = {
  type: 'object',
  required: ['id', 'keyId', 'name', 'kind', 'status'],
  additionalProperties: false,
  properties: {
    id: { type: 'string' },
    keyId: { type: 'string' },
    name: { type: 'string' },
    kind: { enum: ['SECRET', 'PUBLISHABLE', 'INTEGRATION'] },
    status: { enum: ['ACTIVE', 'REVOKED', 'EXPIRED'] },
  },
};

/**
 * OpenAPI 3.1 description of every route outside GraphQL (GraphQL describes itself). Served at
 * /openapi.json; a test validates it with a standard validator and checks live answers against it.
 */
export const openApiDocument = {
  openapi: '3.1.0',
  info: {
    title: 'Keyplane HTTP API',
    version: '1',
    description:
      'The routes outside GraphQL (`/graphql` serves queries, mutations and subscriptions; see schema.graphql). Every error of these routes has one shape: `{ errors: [{ message, extensions: { code } }] }`.',
  },
  components: {
    securitySchemes: {
      bearer: { type: 'http', scheme: 'bearer', description: 'Authorization: Bearer kp_sk_…' },
      basic: { type: 'http', scheme: 'basic', description: 'Authorization: Basic base64(keyId:secret)' },
      apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
    },
    schemas: {
      Error: {
        type: 'object',
        required: ['errors'],
        additionalProperties: false,
        properties: {
          errors: {
            type: 'array',
            minItems: 1,
            items: {
              type: 'object',
              required: ['message', 'extensions'],
              properties: {
                message: { type: 'string' },
                extensions: { type: 'object', required: ['code'], properties: { code: { type: 'string' } } },
              },
            },
          },
        },
      },
      VerifyKeyInput: verifyInput,
      VerifyKeyResult: {
        type: 'object',
        required: ['valid', 'code', 'apiKey', 'organizationId', 'userId', 'permissions', 'withheldFields', 'remaining', 'rateLimit', 'poolRemaining'],
        additionalProperties: false,
        properties: {
          valid: { type: 'boolean' },
          code: { enum: [...VERIFY_CODES] },
          apiKey: { oneOf: [keyRef, { type: 'null' }] },
          organizationId: nullable('string'),
          userId: nullable('string'),
          permissions: { type: 'array', items: grant },
          withheldFields: { type: 'array', items: { type: 'string' } },
          remaining: nullable('integer'),
          poolRemaining: nullable('integer', { description: 'Credits left in the pool of the key’s customer; null: no pool.' }),
          rateLimit: {
            oneOf: [
              {
                type: 'object',
                required: ['limit', 'remaining', 'resetAt'],
                properties: { limit: { type: 'integer' }, remaining: { type: 'integer' }, resetAt: { type: 'string', format: 'date-time' } },
              },
              { type: 'null' },
            ],
          },
        },
      },
      KeySnapshot: {
        type: 'object',
        description: 'What a host needs to answer verifications of this key itself. Never a secret or a hash. Times in epoch milliseconds.',
        required: [
          'version',
          'key',
          'organizationId',
          'userId',
          'userStatus',
          'validFrom',
          'validUntil',
          'secretValidUntil',
          'allowedIps',
          'permissions',
          'withheldFields',
          'maxAgeMs',
        ],
        additionalProperties: false,
        properties: {
          version: { const: 1 },
          key: keyRef,
          organizationId: { type: 'string' },
          userId: { type: 'string' },
          userStatus: { enum: ['ACTIVE', 'DISABLED', 'DELETED'] },
          validFrom: nullable('integer'),
          validUntil: nullable('integer'),
          secretValidUntil: nullable('integer'),
          allowedIps: { type: 'array', items: { type: 'string' } },
          permissions: { type: 'array', items: grant },
          withheldFields: { type: 'object', additionalProperties: { type: 'array', items: { type: 'string' } } },
          maxAgeMs: { type: 'integer', minimum: 0 },
        },
      },
      VerificationBatch: {
        type: 'object',
        required: ['batchId', 'verifications'],
        additionalProperties: false,
        properties: {
          batchId: {
            type: 'string',
            pattern: '^[A-Za-z0-9_-]{8,64}$',
            description: `Idempotency: a batch id seen in the last ${BATCH_ID_TTL_SECONDS} s is not counted again.`,
          },
          verifications: {
            type: 'array',
            minItems: 1,
            maxItems: MAX_BATCH_ENTRIES,
            items: {
              type: 'object',
              required: ['keyId', 'code', 'at'],
              additionalProperties: false,
              properties: {
                keyId: { type: 'string', maxLength: 64 },
                code: { enum: ['VALID', 'REVOKED', 'EXPIRED', 'NOT_YET_VALID', 'IP_NOT_ALLOWED', 'USER_DISABLED', 'INSUFFICIENT_PERMISSIONS'] },
                at: { type: 'integer', description: 'Epoch milliseconds, within the last hour' },
                ip: nullable('string', { maxLength: 64 }),
                permission: nullable('string', { maxLength: 100 }),
                count: { type: 'integer', minimum: 1, maximum: MAX_BATCH_VERIFICATIONS, default: 1 },
              },
            },
          },
        },
      },
      VerificationBatchResult: {
        type: 'object',
        required: ['batchId', 'duplicate', 'accepted', 'rejected'],
        additionalProperties: false,
        properties: { batchId: { type: 'string' }, duplicate: { type: 'boolean' }, accepted: { type: 'integer' }, rejected: { type: 'integer' } },
      },
    },
  },
  paths: {
    '/': {
      get: {
        operationId: 'index',
        summary: 'Where things are: the GraphQL endpoint, the console, this description',
        responses: {
          '200': {
            description: 'Links (JSON; a browser asking for HTML gets the same as a page)',
            content: json({
              type: 'object',
              required: ['name', 'links'],
              properties: { name: { type: 'string' }, links: { type: 'object', additionalProperties: { type: 'string' } } },
            }),
          },
        },
      },
    },
    '/healthz': {
      get: {
        operationId: 'healthz',
        summary: 'Liveness',
        responses: {
          '200': { description: 'The process serves', content: json({ type: 'object', required: ['status'], properties: { status: { const: 'ok' } } }) },
        },
      },
    },
    '/readyz': {
      get: {
        operationId: 'readyz',
        summary: 'Readiness: PostgreSQL and Redis answer',
        responses: Object.fromEntries(
          ['200', '503'].map((s) => [
            s,
            {
              description: s === '200' ? 'Ready' : 'A dependency is down',
              content: json({
                type: 'object',
                required: ['postgres', 'redis'],
                properties: { postgres: { enum: ['ok', 'down'] }, redis: { enum: ['ok', 'down'] } },
              }),
            },
          ]),
        ),
      },
    },
    '/metrics': {
      get: {
        operationId: 'metrics',
        summary: 'Prometheus metrics (Bearer KEYPLANE_METRICS_TOKEN when set; on KEYPLANE_METRICS_PORT when set)',
        responses: {
          '200': { description: 'Prometheus text format', content: { 'text/plain': { schema: { type: 'string' } } } },
          '401': error('Metrics token missing or wrong'),
        },
      },
    },
    '/openapi.json': {
      get: { operationId: 'openapi', summary: 'This document', responses: { '200': { description: 'OpenAPI 3.1', content: json({ type: 'object' }) } } },
    },
    '/v1/keys/verify': {
      post: {
        operationId: 'verifyKey',
        summary: 'Verify a key for the host application (the hot path)',
        description:
          'Needs keys:verify. Every verification answer is a 200 (valid or not, with its code); keys outside the caller’s organisation and its sub-accounts answer NOT_FOUND.',
        security: KEY_AUTH,
        requestBody: { required: true, content: json(ref('VerifyKeyInput')) },
        responses: {
          '200': { description: 'The verification', content: json(ref('VerifyKeyResult')) },
          ...API_ERRORS,
          '503': error('Rate limits and credits cannot be checked, or an uncached key cannot be loaded while the database is away (retry-after)'),
        },
      },
    },
    '/v1/keys/snapshots': {
      post: {
        operationId: 'verifyKeyWithSnapshot',
        summary: 'Verify a key and get its snapshot for local verification (the SDK)',
        description:
          'Same input, authentication and counting as /v1/keys/verify. `snapshot` is null when the key has a rate limit or credits (those are always verified by the server) or the credential did not match a key.',
        security: KEY_AUTH,
        requestBody: { required: true, content: json(ref('VerifyKeyInput')) },
        responses: {
          '200': {
            description: 'The verification and, when it may be answered locally, the key’s snapshot',
            content: json({
              type: 'object',
              required: ['result', 'snapshot'],
              additionalProperties: false,
              properties: { result: ref('VerifyKeyResult'), snapshot: { oneOf: [ref('KeySnapshot'), { type: 'null' }] } },
            }),
          },
          ...API_ERRORS,
          '503': error('Rate limits and credits cannot be checked, or an uncached key cannot be loaded while the database is away (retry-after)'),
        },
      },
    },
    '/v1/keys/verifications': {
      post: {
        operationId: 'reportVerifications',
        summary: 'Report verifications a host answered locally, so usage counts them',
        description: `Needs keys:verify. At most ${MAX_BATCH_ENTRIES} entries, ${MAX_BATCH_VERIFICATIONS} verifications and ${MAX_BATCH_BYTES} bytes. Entries for keys the caller cannot verify, or was given no snapshot of (POST /v1/keys/snapshots) in the last two hours, are not counted (\`rejected\`).`,
        security: KEY_AUTH,
        requestBody: { required: true, content: json(ref('VerificationBatch')) },
        responses: { '200': { description: 'Counted (or recognised as a retry)', content: json(ref('VerificationBatchResult')) }, ...API_ERRORS },
      },
    },
    '/v1/secret-scanning/github': {
      post: {
        operationId: 'githubSecretScanning',
        summary: 'GitHub secret-scanning partner endpoint: tokens found in public, signed by GitHub',
        description:
          'The raw body must carry GitHub’s ECDSA P-256 / SHA-256 signature (`Github-Public-Key-Identifier`, `Github-Public-Key-Signature`, base64 DER). Working tokens are acted on by the organisation’s leaked-key policy (docs/secret-scanning.md).',
        parameters: [
          { name: 'Github-Public-Key-Identifier', in: 'header', required: true, schema: { type: 'string', maxLength: 128 } },
          { name: 'Github-Public-Key-Signature', in: 'header', required: true, schema: { type: 'string', maxLength: 512 } },
        ],
        requestBody: {
          required: true,
          content: json({
            type: 'array',
            minItems: 1,
            maxItems: 1000,
            items: {
              type: 'object',
              required: ['token'],
              properties: {
                token: { type: 'string', maxLength: 256 },
                type: { type: 'string', maxLength: 100 },
                url: { type: 'string', maxLength: 2048 },
                source: { type: 'string', maxLength: 100 },
              },
            },
          }),
        },
        responses: {
          '200': {
            description: 'One label per token, in GitHub’s feedback format',
            content: json({
              type: 'array',
              items: {
                type: 'object',
                required: ['token_raw', 'token_type', 'label'],
                properties: { token_raw: { type: 'string' }, token_type: { type: 'string' }, label: { enum: ['true_positive', 'false_positive'] } },
              },
            }),
          },
          '400': error('Not a batch of findings'),
          '401': error('Missing or invalid GitHub signature: nothing was done'),
          '405': error('Method not allowed'),
          '413': error('Body too large'),
        },
      },
    },
    '/v1/keys/report-leak': {
      post: {
        operationId: 'reportLeakedKey',
        summary: 'Report a leaked token (no authentication: whoever holds it may report it)',
        description:
          'Always 202 before anything is looked up, whether or not the token is a key (no oracle). A working token is then acted on by its organisation’s leaked-key policy. At most 10 reports a minute per client address.',
        requestBody: {
          required: true,
          content: json({
            type: 'object',
            required: ['token'],
            additionalProperties: false,
            properties: {
              token: { type: 'string', maxLength: 256 },
              url: nullable('string', { maxLength: 2048, description: 'Where it was seen (http or https)' }),
            },
          }),
        },
        responses: {
          '202': { description: 'Received', content: json({ type: 'object', required: ['received'], properties: { received: { const: true } } }) },
          '400': error('Invalid input'),
          '405': error('Method not allowed'),
          '411': error('content-length required'),
          '413': error('Body too large'),
          '415': error('Body is not application/json'),
          '429': error('Too many reports from this address (retry-after)'),
          '503': error('Reports cannot be taken right now (retry-after)'),
        },
      },
    },
    '/console/auth': {
      get: {
        operationId: 'consoleLinkPreview',
        summary: 'Console sign-in page for a one-time link (HTML)',
        parameters: [{ name: 'token', in: 'query', required: true, schema: { type: 'string' } }],
        responses: {
          '200': { description: 'Confirmation page', content: { 'text/html': { schema: { type: 'string' } } } },
          '401': { description: 'Link refused (HTML page)', content: { 'text/html': { schema: { type: 'string' } } } },
        },
      },
      post: {
        operationId: 'consoleLinkExchange',
        summary: 'Exchange a console link for a session (form post from the console page)',
        requestBody: {
          required: true,
          content: { 'application/x-www-form-urlencoded': { schema: { type: 'object', properties: { token: { type: 'string' } } } } },
        },
        responses: {
          '303': { description: 'Signed in: session and CSRF cookies set' },
          '401': { description: 'Link refused (HTML page)', content: { 'text/html': { schema: { type: 'string' } } } },
          '403': error('Cross-site'),
          '405': error('Method not allowed'),
          '413': error('Too large'),
          '415': error('Not a form'),
        },
      },
    },
    '/console/logout': {
      post: {
        operationId: 'consoleLogout',
        summary: 'End the console session',
        responses: { '204': { description: 'Signed out' }, '401': error('No session'), '405': error('Method not allowed') },
      },
    },
    '/console/{path}': {
      get: {
        operationId: 'consoleAsset',
        summary: 'The console (static single-page app)',
        parameters: [{ name: 'path', in: 'path', required: true, schema: { type: 'string' } }],
        responses: {
          '200': { description: 'A console file' },
          '304': { description: 'Not modified' },
          '400': error('A path that could leave the console folder'),
          '404': error('No such file'),
          '405': error('Method not allowed'),
          '503': { description: 'Console not built (HTML page)', content: { 'text/html': { schema: { type: 'string' } } } },
        },
      },
    },
  },
} as const;

const BODY = JSON.stringify(openApiDocument);

export function openApiRoute(): Route {
  return async (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return sendError(res, 405, 'METHOD_NOT_ALLOWED', 'Use GET', {}, { allow: 'GET, HEAD' });
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'public, max-age=300' });
    res.end(req.method === 'HEAD' ? undefined : BODY);
  };
}

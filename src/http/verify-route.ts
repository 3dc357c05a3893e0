import type { IncomingMessage, ServerResponse } from 'node:http';
import { DATABASE_RETRY_AFTER_SECONDS, isDatabaseUnavailable } from '../infra/db-errors.ts';
import type { App } from '../app.ts';
import { AppError, ValidationError } from '../lib/errors.ts';
import type { RequestMeta } from '../modules/principal/actor.ts';
import { verifyKey, type VerifyKeyResult } from '../modules/verification/verify.service.ts';
import { LimiterUnavailableError } from '../modules/verification/verifier.ts';
import { readBody } from './body.ts';
import { JSON_HEADERS, sendError } from './errors.ts';
import { authenticate, UNAUTHENTICATED_BODY } from './request-auth.ts';
import type { Route } from './server.ts';

export const VERIFY_PATH = '/v1/keys/verify';
/** A verifyKey input is a few hundred bytes; anything much bigger is not one. */
export const MAX_VERIFY_BODY_BYTES = 4096;

function send(res: ServerResponse, status: number, body: string, headers?: Record<string, string>): void {
  res.writeHead(status, headers ? { ...JSON_HEADERS, ...headers } : JSON_HEADERS);
  res.end(body);
}

const error = sendError;

/** A key's effective permissions as JSON, once per cached record (the array is cached per record too). */
const permissionsJson = new WeakMap<VerifyKeyResult['permissions'], string>();
function grantsJson(grants: VerifyKeyResult['permissions']): string {
  if (grants.length === 0) return '[]'; // not cached: a failed verification's empty list is no record's
  let j = permissionsJson.get(grants);
  if (j === undefined) permissionsJson.set(grants, (j = JSON.stringify(grants)));
  return j;
}

/**
 * The JSON form of VerifyKeyResult: `apiKey` carries what verification knows of the key (no SQL).
 * Written field by field, the permissions from a per-record cache: it is most of the answer and
 * the same for every verification of the key. Same text as JSON.stringify of the object (tested).
 */
export function resultJson(r: VerifyKeyResult): string {
  const str = (v: string | null) => (v === null ? 'null' : JSON.stringify(v));
  const num = (v: number | null) => (v !== null && Number.isFinite(v) ? String(v) : 'null');
  return (
    `{"valid":${r.valid},"code":"${r.code}","apiKey":${r.key ? JSON.stringify(r.key) : 'null'},` +
    `"organizationId":${str(r.organizationId)},"userId":${str(r.userId)},"permissions":${grantsJson(r.permissions)},` +
    `"withheldFields":${r.withheldFields.length ? JSON.stringify(r.withheldFields) : '[]'},"remaining":${num(r.remaining)},` +
    `"rateLimit":${r.rateLimit ? JSON.stringify(r.rateLimit) : 'null'},"poolRemaining":${num(r.poolRemaining)}}`
  );
}

/**
 * POST /v1/keys/verify: the host application's hot path. The same authentication as /graphql (the
 * caller's key in Authorization or X-API-Key), the same service as the `verifyKey` mutation, none
 * of Yoga's per-request machinery. Body: the verifyKey input as JSON; answer: VerifyKeyResult.
 * 200 for every verification answer (valid or not); 400 bad input, 401 caller unauthenticated,
 * 403 caller may not verify, 413/411/415 body, 503 rate limits and credits unreachable.
 */
export function verifyRoute(app: App): Route {
  const { deps } = app;
  return async (req: IncomingMessage, res: ServerResponse, meta: RequestMeta) => {
    if (req.method !== 'POST') return error(res, 405, 'METHOD_NOT_ALLOWED', 'Use POST', {}, { allow: 'POST' });
    let actor = authenticate(deps.verifier, req.headers, meta);
    if (actor instanceof Promise) actor = await actor;
    if (!actor) return send(res, 401, UNAUTHENTICATED_BODY, { 'www-authenticate': 'Basic realm="keyplane", Bearer' });
    const type = req.headers['content-type'];
    if (!type?.startsWith('application/json')) return error(res, 415, 'UNSUPPORTED_MEDIA_TYPE', 'Send the input as application/json');
    const announced = req.headers['content-length'];
    if (announced === undefined) return error(res, 411, 'LENGTH_REQUIRED', 'content-length required');
    if (Number(announced) > MAX_VERIFY_BODY_BYTES) return error(res, 413, 'PAYLOAD_TOO_LARGE', `the body is limited to ${MAX_VERIFY_BODY_BYTES} bytes`);
    const body = await readBody(req, MAX_VERIFY_BODY_BYTES);
    if (body === null) return error(res, 413, 'PAYLOAD_TOO_LARGE', `the body is limited to ${MAX_VERIFY_BODY_BYTES} bytes`);
    let input: unknown;
    try {
      input = JSON.parse(body.toString('utf8'));
    } catch {
      return error(res, 400, 'VALIDATION', 'the body is not valid JSON');
    }
    try {
      let result = verifyKey({ actor, deps }, input);
      if (result instanceof Promise) result = await result;
      return send(res, 200, resultJson(result));
    } catch (err) {
      if (err instanceof ValidationError) return error(res, 400, err.code, err.message, { fields: err.fields });
      if (err instanceof AppError) return error(res, err.code === 'FORBIDDEN' ? 403 : 400, err.code, err.message);
      if (err instanceof LimiterUnavailableError)
        return error(res, 503, 'UNAVAILABLE', 'Rate limits and credits cannot be checked right now; retry', {}, { 'retry-after': '1' });
      // A key that is not cached needs PostgreSQL: while it is away, say so (the host may retry).
      if (isDatabaseUnavailable(err))
        return error(res, 503, 'UNAVAILABLE', 'Keys cannot be loaded right now; retry', {}, { 'retry-after': String(DATABASE_RETRY_AFTER_SECONDS) });
      throw err;
    }
  };
}

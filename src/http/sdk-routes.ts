import type { IncomingMessage, ServerResponse } from 'node:http';
import type { App } from '../app.ts';
import { AppError, ValidationError, type FieldError } from '../lib/errors.ts';
import type { RequestMeta } from '../modules/principal/actor.ts';
import { isConsoleSessionId } from '../modules/principal/session-record.ts';
import { verifyReaches } from '../modules/auth/reach.ts';
import type { VerifyCode } from '../lib/verify-codes.ts';
import { assertMayVerify, verifyKeyWithSnapshot } from '../modules/verification/verify.service.ts';
import { LimiterUnavailableError } from '../modules/verification/verifier.ts';
import { readJsonBody } from './body.ts';
import { sendError, sendJson } from './errors.ts';
import { authenticate, UNAUTHENTICATED_BODY } from './request-auth.ts';
import type { Route } from './server.ts';
import { MAX_VERIFY_BODY_BYTES, resultJson } from './verify-route.ts';

export const SNAPSHOTS_PATH = '/v1/keys/snapshots';
export const VERIFICATIONS_PATH = '/v1/keys/verifications';

/** A batch of reported verifications: at most this many entries, this many verifications, this big. */
export const MAX_BATCH_ENTRIES = 1000;
export const MAX_BATCH_VERIFICATIONS = 100_000;
export const MAX_BATCH_BYTES = 256 * 1024;
/** Reported verifications older than this (or this far in the future) are refused: usage is not backfilled. */
export const REPORT_WINDOW_MS = 60 * 60_000;
const FUTURE_SKEW_MS = 60_000;
/** A batch id is remembered this long: a retry within it is recognised and not counted again. */
export const BATCH_ID_TTL_SECONDS = 24 * 3600;
const BATCH_ID_RE = /^[A-Za-z0-9_-]{8,64}$/;
/**
 * A caller may report verifications only of keys it was given a snapshot of (in the last two
 * hours, refreshed by every snapshot): holding keys:verify over an organisation is not enough to
 * keep its keys "used" (and so away from inactivity expiry) without ever seeing their tokens.
 */
export const SNAPSHOT_GRANT_TTL_SECONDS = 2 * 3600;
// Hash-tagged by the calling key: one MGET reads a caller's grants from one Redis Cluster slot.
const grantKey = (prefix: string, callerPk: string, keyPk: string) => `${prefix}:sdk-snap:{${callerPk}}:${keyPk}`;
/** What a host can decide alone; rate limits and credits are always asked of the server. */
const LOCAL_CODES: ReadonlySet<VerifyCode> = new Set([
  'VALID',
  'REVOKED',
  'EXPIRED',
  'NOT_YET_VALID',
  'IP_NOT_ALLOWED',
  'USER_DISABLED',
  'INSUFFICIENT_PERMISSIONS',
]);

type Handler = (req: IncomingMessage, res: ServerResponse, meta: RequestMeta, actor: NonNullable<Awaited<ReturnType<typeof authenticate>>>) => Promise<void>;

/** POST only, authenticated like /graphql, typed errors mapped to the shared error body. */
function apiRoute(app: App, handler: Handler): Route {
  return async (req, res, meta) => {
    if (req.method !== 'POST') return sendError(res, 405, 'METHOD_NOT_ALLOWED', 'Use POST', {}, { allow: 'POST' });
    let actor = authenticate(app.deps.verifier, req.headers, meta);
    if (actor instanceof Promise) actor = await actor;
    if (!actor) {
      res.writeHead(401, { 'content-type': 'application/json; charset=utf-8', 'www-authenticate': 'Basic realm="keyplane", Bearer' });
      return void res.end(UNAUTHENTICATED_BODY);
    }
    try {
      await handler(req, res, meta, actor);
    } catch (err) {
      if (err instanceof ValidationError) return sendError(res, 400, err.code, err.message, { fields: err.fields });
      if (err instanceof AppError) return sendError(res, err.code === 'FORBIDDEN' ? 403 : 400, err.code, err.message);
      if (err instanceof LimiterUnavailableError)
        return sendError(res, 503, 'UNAVAILABLE', 'Rate limits and credits cannot be checked right now; retry', {}, { 'retry-after': '1' });
      throw err;
    }
  };
}

/**
 * POST /v1/keys/snapshots: a verification (the verifyKey input, counted like any) answered with
 * `{ result, snapshot }`; the snapshot lets the SDK answer further verifications of the same key
 * in the host process (see KeySnapshot). Needs keys:verify on the key, like verifying it.
 */
export function snapshotsRoute(app: App): Route {
  return apiRoute(app, async (req, res, _meta, actor) => {
    assertMayVerify(actor);
    const input = await readJsonBody(req, res, MAX_VERIFY_BODY_BYTES);
    if (input === undefined) return;
    const { result, snapshot } = await verifyKeyWithSnapshot({ actor, deps: app.deps }, input);
    if (snapshot) await app.redis.set(grantKey(app.deps.config.redisPrefix, actor.key.id, snapshot.key.id), '1', 'EX', SNAPSHOT_GRANT_TTL_SECONDS);
    sendJson(res, 200, `{"result":${resultJson(result)},"snapshot":${snapshot ? JSON.stringify(snapshot) : 'null'}}`);
  });
}

type Report = { keyId: string; code: VerifyCode; at: number; ip: string | null; permission: string | null; count: number };

function parseBatch(raw: unknown, now: number): { batchId: string; reports: Report[] } {
  const bad = (path: string, message: string) => ValidationError.field(path, message);
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw bad('input', 'must be an object');
  const { batchId, verifications } = raw as { batchId?: unknown; verifications?: unknown };
  if (typeof batchId !== 'string' || !BATCH_ID_RE.test(batchId)) throw bad('input.batchId', '8 to 64 characters of A-Z a-z 0-9 _ -');
  if (!Array.isArray(verifications) || verifications.length === 0 || verifications.length > MAX_BATCH_ENTRIES)
    throw bad('input.verifications', `1 to ${MAX_BATCH_ENTRIES} entries`);
  const fields: FieldError[] = [];
  const reports: Report[] = [];
  let total = 0;
  for (const [i, v] of (verifications as unknown[]).entries()) {
    const path = `input.verifications.${i}`;
    if (typeof v !== 'object' || v === null) {
      fields.push({ path, message: 'must be an object' });
      continue;
    }
    const e = v as Record<string, unknown>;
    const count = e.count === undefined ? 1 : e.count;
    if (typeof e.keyId !== 'string' || e.keyId.length === 0 || e.keyId.length > 64)
      fields.push({ path: `${path}.keyId`, message: 'a key id of at most 64 characters' });
    else if (typeof e.code !== 'string' || !LOCAL_CODES.has(e.code as VerifyCode))
      fields.push({ path: `${path}.code`, message: `one of ${[...LOCAL_CODES].join(', ')}` });
    else if (typeof e.at !== 'number' || !Number.isInteger(e.at) || e.at < now - REPORT_WINDOW_MS || e.at > now + FUTURE_SKEW_MS)
      fields.push({ path: `${path}.at`, message: 'epoch milliseconds within the last hour' });
    else if (e.ip != null && (typeof e.ip !== 'string' || e.ip.length > 64)) fields.push({ path: `${path}.ip`, message: 'at most 64 characters' });
    else if (e.permission != null && (typeof e.permission !== 'string' || e.permission.length > 100))
      fields.push({ path: `${path}.permission`, message: 'at most 100 characters' });
    else if (typeof count !== 'number' || !Number.isInteger(count) || count < 1 || count > MAX_BATCH_VERIFICATIONS)
      fields.push({ path: `${path}.count`, message: `an integer from 1 to ${MAX_BATCH_VERIFICATIONS}` });
    else {
      total += count;
      reports.push({
        keyId: e.keyId,
        code: e.code as VerifyCode,
        at: e.at,
        ip: (e.ip as string | null) ?? null,
        permission: (e.permission as string | null) ?? null,
        count,
      });
    }
  }
  if (!fields.length && total > MAX_BATCH_VERIFICATIONS)
    fields.push({ path: 'input.verifications', message: `at most ${MAX_BATCH_VERIFICATIONS} verifications per batch` });
  if (fields.length)
    throw new ValidationError(
      fields
        .map((f) => `${f.path}: ${f.message}`)
        .slice(0, 5)
        .join('; '),
      fields.slice(0, 50),
    );
  return { batchId, reports };
}

/**
 * POST /v1/keys/verifications: verifications a host answered locally (the SDK), reported in
 * batches so usage, last use and recent verifications count them. Idempotent per batch id and
 * caller: a retried batch is acknowledged and not counted again. Entries about keys the caller
 * could not verify (unknown, deleted, outside its reach) or was given no snapshot of are not
 * counted; the answer says how many.
 */
export function verificationsRoute(app: App): Route {
  const { deps } = app;
  const prefix = deps.config.redisPrefix;
  return apiRoute(app, async (req, res, _meta, actor) => {
    assertMayVerify(actor);
    const input = await readJsonBody(req, res, MAX_BATCH_BYTES);
    if (input === undefined) return;
    const { batchId, reports } = parseBatch(input, deps.now().getTime());
    // Records first: the batch id is only spent once the batch can be counted.
    const records = await Promise.all(
      [...new Set(reports.map((r) => r.keyId))].filter((k) => !isConsoleSessionId(k)).map(async (keyId) => [keyId, await deps.verifier.lookup(keyId)] as const),
    );
    // Reachable, and snapshotted by this caller: the only keys whose verifications it can have answered.
    const reachable = records.filter(([, r]) => r && verifyReaches(actor, r.organizationPath, r.id));
    const granted = reachable.length ? await app.redis.mget(...reachable.map(([, r]) => grantKey(prefix, actor.key.id, r!.id))) : [];
    const byKeyId = new Map(reachable.filter((_, i) => granted[i] === '1'));
    const claimed = await app.redis.set(`${prefix}:sdk-batch:${actor.key.id}:${batchId}`, '1', 'EX', BATCH_ID_TTL_SECONDS, 'NX');
    if (claimed !== 'OK') return sendJson(res, 200, { batchId, duplicate: true, accepted: 0, rejected: 0 });
    let accepted = 0;
    let rejected = 0;
    for (const r of reports) {
      const record = byKeyId.get(r.keyId);
      if (!record) {
        rejected += r.count;
        continue;
      }
      for (let i = 0; i < r.count; i++) app.usage.record(record, r.code, r.ip, r.permission, r.at);
      accepted += r.count;
    }
    sendJson(res, 200, { batchId, duplicate: false, accepted, rejected });
  });
}

import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { MikroORM, QueryResult } from '@mikro-orm/postgresql';
import { readBody } from './body.ts';
import { sendError } from './errors.ts';

export const IDEMPOTENCY_HEADER = 'idempotency-key';
/** Printable ASCII, at most 255 characters (what Stripe and the IETF draft allow). */
const KEY_RE = /^[\x21-\x7e]{1,255}$/;
export const IDEMPOTENCY_TTL_HOURS = 24;
/** Fields whose value is shown once: an answer carrying one is not replayed. */
const SECRET_FIELDS = new Set(['secret', 'token']);
const SECRET_OPERATIONS = new Set(['createConsoleSession']);

type Answer = { status: number; contentType: string; body: string };

/** What was made, found in an answer: ids of objects named apiKey, webhookEndpoint, customer, user. */
function pointers(data: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (v: unknown, field: string | null) => {
    if (!v || typeof v !== 'object') return;
    if (Array.isArray(v)) {
      for (const x of v) walk(x, field);
      return;
    }
    const o = v as Record<string, unknown>;
    if (field && typeof o.id === 'string' && !out[`${field}Id`]) out[`${field}Id`] = o.id;
    for (const [k, x] of Object.entries(o)) walk(x, k);
  };
  walk(data, null);
  return out;
}

function carriesSecret(data: unknown): boolean {
  let found = false;
  const walk = (v: unknown) => {
    if (found || !v || typeof v !== 'object') return;
    if (Array.isArray(v)) {
      for (const x of v) walk(x);
      return;
    }
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      if (SECRET_FIELDS.has(k) && typeof x === 'string' && x) found = true;
      else walk(x);
    }
  };
  walk(data);
  return found;
}

/**
 * What to keep of an answer for replays: the answer itself, or, when it showed a secret, a
 * typed conflict that names what was made (the secret is never stored and never shown twice).
 */
export function replayable(answer: Answer): Answer {
  let parsed: { data?: Record<string, unknown> | null } | null = null;
  try {
    parsed = JSON.parse(answer.body) as { data?: Record<string, unknown> | null };
  } catch {
    return answer;
  }
  const data = parsed?.data ?? null;
  if (!data || !(carriesSecret(data) || Object.keys(data).some((k) => SECRET_OPERATIONS.has(k)))) return answer;
  const body = JSON.stringify({
    errors: [
      {
        message: 'This Idempotency-Key already made what it answered; its secret was shown once and is not shown again',
        extensions: { code: 'IDEMPOTENT_REPLAY', ...pointers(data) },
      },
    ],
  });
  return { status: 409, contentType: 'application/json; charset=utf-8', body };
}

/**
 * A POST /graphql with an Idempotency-Key: the first request with a key does the work and its
 * answer is kept (per calling key, 24 hours); a retry with the same key and body gets that answer
 * (header `Idempotent-Replayed: true`), one with another body 422, one while the first is still
 * running 409. A 5xx answer is not kept, so the retry does the work.
 */
export async function idempotent(
  req: IncomingMessage,
  res: ServerResponse,
  opts: { orm: MikroORM; callerId: string; maxBodyBytes: number; run: (body: Buffer) => Promise<Answer> },
): Promise<void> {
  const key = String(req.headers[IDEMPOTENCY_HEADER]);
  if (!KEY_RE.test(key)) return sendError(res, 400, 'VALIDATION', `${IDEMPOTENCY_HEADER}: 1 to 255 printable ASCII characters`);
  const body = await readBody(req, opts.maxBodyBytes);
  if (body === null) return sendError(res, 413, 'PAYLOAD_TOO_LARGE', `the body is limited to ${opts.maxBodyBytes} bytes`);
  const hash = createHash('sha256').update(body).digest();
  const conn = opts.orm.em.fork().getConnection();
  await conn.execute(
    `delete from idempotency_record where caller_id = ? and idem_key = ? and created_at < now() - make_interval(hours => ${IDEMPOTENCY_TTL_HOURS})`,
    [opts.callerId, key],
  );
  const inserted = await conn.execute<QueryResult>(
    `insert into idempotency_record (caller_id, idem_key, body_hash, state) values (?, ?, ?, 'PENDING') on conflict do nothing`,
    [opts.callerId, key, hash],
    'run',
  );
  if (inserted.affectedRows === 0) {
    const [row] = await conn.execute<{ body_hash: Buffer; state: string; status: number | null; response: string | null }[]>(
      'select body_hash, state, status, response from idempotency_record where caller_id = ? and idem_key = ?',
      [opts.callerId, key],
    );
    if (!row) return sendError(res, 409, 'IDEMPOTENCY_IN_PROGRESS', 'A request with this Idempotency-Key just finished; retry', {}, { 'retry-after': '1' });
    if (!Buffer.from(row.body_hash).equals(hash))
      return sendError(res, 422, 'IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was used with another request body; use a new key for a new request');
    if (row.state === 'PENDING')
      return sendError(res, 409, 'IDEMPOTENCY_IN_PROGRESS', 'The first request with this Idempotency-Key is still running; retry', {}, { 'retry-after': '1' });
    res.writeHead(row.status ?? 200, { 'content-type': 'application/json; charset=utf-8', 'idempotent-replayed': 'true' });
    return void res.end(row.response ?? '');
  }
  let answer: Answer;
  try {
    answer = await opts.run(body);
  } catch (err) {
    await conn.execute('delete from idempotency_record where caller_id = ? and idem_key = ?', [opts.callerId, key]).catch(() => {});
    throw err;
  }
  if (answer.status >= 500) await conn.execute('delete from idempotency_record where caller_id = ? and idem_key = ?', [opts.callerId, key]);
  else {
    const kept = replayable(answer);
    await conn.execute(`update idempotency_record set state = 'DONE', status = ?, response = ? where caller_id = ? and idem_key = ?`, [
      kept.status,
      kept.body,
      opts.callerId,
      key,
    ]);
  }
  res.writeHead(answer.status, { 'content-type': answer.contentType });
  res.end(answer.body);
}

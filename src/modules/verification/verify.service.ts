import { ForbiddenError, ValidationError, type FieldError } from '../../lib/errors.ts';
import { toGrants, type Grant } from '../../lib/permissions.ts';
import type { Actor } from '../principal/actor.ts';
import { verifyReaches } from '../auth/reach.ts';
import type { KeyKind } from '../../lib/token.ts';
import type { PrincipalRecord } from '../principal/key-record.ts';
import type { KeyStatus } from '../../db/entities/api-key.entity.ts';
import type { ServiceContext } from '../service-context.ts';
import { KeyVerifier, type RateLimitState, type VerifyOutcome, type VerifyRequest } from './verifier.ts';
import type { VerifyCode } from '../../lib/verify-codes.ts';
import { snapshotOf, type KeySnapshot } from './key-snapshot.ts';

/** Field → longest accepted value. Longer credentials are refused as input, shorter bad ones answer MALFORMED. */
const FIELD_LIMITS: Record<Exclude<keyof VerifyRequest, 'cost'>, number> = { token: 512, keyId: 512, secret: 512, ip: 64, permission: 100, resource: 256 };
const FIELDS = Object.keys(FIELD_LIMITS) as (keyof typeof FIELD_LIMITS)[];
/** The most credits one verification may spend. */
export const MAX_COST = 1_000_000;

/** What a verification answers: the contract's VerifyKeyResult (plus the record, for GraphQL's `apiKey`). */
export type VerifyKeyResult = {
  valid: boolean;
  code: VerifyCode;
  /** The verified key, once its secret matched; never for NOT_FOUND or MALFORMED. */
  key: { id: string; keyId: string; name: string; kind: KeyKind; status: KeyStatus } | null;
  organizationId: string | null;
  userId: string | null;
  permissions: Grant[];
  withheldFields: string[];
  remaining: number | null;
  rateLimit: RateLimitState | null;
  /** Credits left in the key's customer's pool; null: no pool. */
  poolRemaining: number | null;
};

/**
 * Validates a verifyKey input (GraphQL or the JSON body of POST /v1/keys/verify) by hand: this
 * runs on every host request, and a schema library's generality costs more than the HMAC.
 */
export function parseVerifyInput(raw: unknown): VerifyRequest {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw ValidationError.field('input', 'must be an object');
  const fields: FieldError[] = [];
  const out: VerifyRequest = {};
  for (const name of Object.keys(raw)) {
    if (!(name in FIELD_LIMITS) && name !== 'cost') fields.push({ path: `input.${name.slice(0, 64)}`, message: 'unknown field' });
  }
  const cost = (raw as Record<string, unknown>).cost;
  if (cost !== undefined && cost !== null) {
    if (!Number.isSafeInteger(cost) || (cost as number) < 1 || (cost as number) > MAX_COST)
      fields.push({ path: 'input.cost', message: `a whole number of credits from 1 to ${MAX_COST}` });
    else out.cost = cost as number;
  }
  for (const name of FIELDS) {
    const v = (raw as Record<string, unknown>)[name];
    if (v === undefined || v === null) continue;
    if (typeof v !== 'string') fields.push({ path: `input.${name}`, message: 'must be a string' });
    else if (v.length > FIELD_LIMITS[name]) fields.push({ path: `input.${name}`, message: `at most ${FIELD_LIMITS[name]} characters` });
    else out[name] = v;
  }
  if (!fields.length) {
    const hasToken = out.token != null;
    const hasPair = out.keyId != null || out.secret != null;
    if (hasToken && hasPair) fields.push({ path: 'input.token', message: 'give either token or keyId + secret, not both' });
    else if (!hasToken && !hasPair) fields.push({ path: 'input.token', message: 'give token, or keyId + secret' });
    else if (!hasToken && (out.keyId == null || out.secret == null))
      fields.push({ path: out.keyId == null ? 'input.keyId' : 'input.secret', message: 'keyId and secret go together' });
  }
  if (fields.length) throw new ValidationError(fields.map((f) => `${f.path}: ${f.message}`).join('; '), fields);
  return out;
}

/**
 * Who may verify: a key holding `keys:verify` (the host application's service key), for keys of
 * its own organisation or any organisation below it. Verifying is not acting in a sub-account, so
 * no sub-account grant is needed; the management scope is not required either. A publishable key
 * may not verify even if a catalogue made the permission public: it lives in browsers, and would
 * turn into a public oracle for other keys.
 */
export function assertMayVerify(actor: Actor): void {
  if (actor.isPublishable) throw new ForbiddenError('Publishable keys cannot verify keys', 'keys:verify');
  if (!actor.has('keys:verify')) throw new ForbiddenError('Missing permission keys:verify', 'keys:verify');
}

/**
 * True when `record` lives in the caller's organisation or below it, and the caller's
 * `keys:verify` covers it (a grant limited to chosen keys verifies only those).
 */
export function withinReach(actor: Actor, record: PrincipalRecord): boolean {
  return verifyReaches(actor, record.organizationPath, record.id);
}

const grantsCache = new WeakMap<PrincipalRecord, Grant[]>();
/** Shared empty answers (frozen: nothing may add to them). */
const NONE = Object.freeze([]) as unknown as string[];
const NO_GRANTS = Object.freeze([]) as unknown as Grant[];

/** Effective permissions in their public form, computed once per cached record. */
function grantsOf(record: PrincipalRecord): Grant[] {
  let g = grantsCache.get(record);
  if (!g) {
    g = toGrants(record.permissions);
    grantsCache.set(record, g);
  }
  return g;
}

/**
 * Answers whether the key is valid for the asked permission and resource, and why not
 * (checksum, existence, secret, status, validity window, IP, user status, permission, rate limit,
 * credits, in that order). A failed verification is an answer, not an error; keys out of the
 * caller's reach answer NOT_FOUND. Counts against the verified key's rate limit and credits.
 * Takes no EntityManager: a warm verification runs no SQL, and answers synchronously when the key
 * has no rate limit or credits (a promise otherwise). Throws, synchronously, for a caller that may
 * not verify and for invalid input.
 */
export function verifyKey(ctx: Pick<ServiceContext, 'actor' | 'deps'>, input: unknown): VerifyKeyResult | Promise<VerifyKeyResult> {
  const { actor } = ctx;
  assertMayVerify(actor);
  const req = parseVerifyInput(input);
  const outcome = ctx.deps.verifier.verify(req, { visible: (r) => withinReach(actor, r) });
  return outcome instanceof Promise ? outcome.then((o) => toResult(o, req)) : toResult(outcome, req);
}

/**
 * verifyKey, plus the key's snapshot for local verification in the host (null when the key has a
 * rate limit or credits, or the credential did not match). The verification itself is counted
 * and limited like any other.
 */
export async function verifyKeyWithSnapshot(
  ctx: Pick<ServiceContext, 'actor' | 'deps'>,
  input: unknown,
): Promise<{ result: VerifyKeyResult; snapshot: KeySnapshot | null }> {
  const { actor, deps } = ctx;
  assertMayVerify(actor);
  const req = parseVerifyInput(input);
  const cred = KeyVerifier.parse(req);
  let outcome = deps.verifier.verifyCredential(cred, req, { visible: (r) => withinReach(actor, r) });
  if (outcome instanceof Promise) outcome = await outcome;
  const snapshot = outcome.record && cred ? snapshotOf(outcome.record, cred, deps.config.pepper, deps.now().getTime()) : null;
  return { result: toResult(outcome, req), snapshot };
}

function toResult(outcome: VerifyOutcome, req: VerifyRequest): VerifyKeyResult {
  const r = outcome.record;
  let withheldFields: string[] = NONE;
  if (r && r.kind === 'PUBLISHABLE' && req.permission) {
    const colon = req.permission.indexOf(':');
    withheldFields = r.withheldFields.get(colon > 0 ? req.permission.slice(0, colon) : req.permission) ?? [];
  }
  return {
    valid: outcome.valid,
    code: outcome.code,
    key: r ? { id: r.id, keyId: r.keyId, name: r.name, kind: r.kind, status: r.status } : null,
    organizationId: r?.organizationId ?? null,
    userId: r?.userId ?? null,
    permissions: r ? grantsOf(r) : NO_GRANTS,
    withheldFields,
    remaining: outcome.remaining,
    rateLimit: outcome.rateLimit,
    poolRemaining: outcome.poolRemaining ?? null,
  };
}

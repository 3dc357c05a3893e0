import type { MikroORM } from '@mikro-orm/postgresql';
import { allows } from '../../lib/permissions.ts';
import { parseKeyIdSecret, parseToken, secretMatches, type ParsedCredential } from '../../lib/token.ts';
import type { VerifyCode } from '../../lib/verify-codes.ts';
import type { KeyCache } from './key-cache.ts';
import type { KeyIdFilter } from './key-id-filter.ts';
import { isConsoleSessionId, loadSessionRecord } from '../principal/session-record.ts';
import { hasLimits, ipAllowed, loadKeyRecord, type PrincipalRecord } from '../principal/key-record.ts';

export type VerifyRequest = {
  token?: string | null;
  keyId?: string | null;
  secret?: string | null;
  ip?: string | null;
  permission?: string | null;
  resource?: string | null;
  /** Credits this call spends from the key and from its customer's pool (default 1). */
  cost?: number | null;
};

export type RateLimitState = { limit: number; remaining: number; resetAt: Date };

export type VerifyOutcome = {
  valid: boolean;
  code: VerifyCode;
  /** Present once the key is known to exist and its secret matched. */
  record: PrincipalRecord | null;
  remaining: number | null;
  rateLimit: RateLimitState | null;
  /** Credits left in the key's customer's pool; null: no pool. */
  poolRemaining?: number | null;
};

/** Rate limits and credits, enforced in Redis so they hold across replicas. */
export interface UsageLimiter {
  /** What the key has left, without spending anything (for answers that fail before the limits). */
  peek?(record: PrincipalRecord): Promise<{ remaining: number | null; rateLimit: RateLimitState | null; poolRemaining?: number | null }>;
  consume(
    record: PrincipalRecord,
    now: number,
    cost?: number,
  ): Promise<
    | { ok: true; remaining: number | null; rateLimit: RateLimitState | null; poolRemaining?: number | null }
    | { ok: false; code: 'RATE_LIMITED' | 'USAGE_EXCEEDED'; remaining: number | null; rateLimit: RateLimitState | null; poolRemaining?: number | null }
  >;
}

/**
 * Receives every verification outcome (usage metering): the key whose id existed (null for
 * malformed tokens and unknown ids), the outcome, the address and permission asked, the time.
 * Must not block or throw. Positional, so the hot path allocates nothing to report.
 */
export interface UsageSink {
  /** `spent`: the credits the verification consumed (its cost, when it spent key or pool credits). */
  record(subject: PrincipalRecord | null, code: VerifyCode, ip: string | null, permission: string | null, at: number, spent?: number): void;
}

export type VerifierDeps = {
  orm: MikroORM;
  cache: KeyCache;
  pepper: Buffer;
  now?: () => number;
  limiter?: UsageLimiter;
  usage?: UsageSink;
  /** Existing key ids: unknown ones are answered without PostgreSQL (beyond a small budget). */
  filter?: KeyIdFilter;
};

export type VerifyOptions = {
  /** Extra existence condition (e.g. the caller's organisation): failing it answers NOT_FOUND. */
  visible?: (record: PrincipalRecord) => boolean;
  /** Skip rate limits and credits (request authentication of management calls). */
  skipLimits?: boolean;
};

/**
 * The single verification path, used by request authentication, GraphQL `verifyKey` and
 * `POST /v1/keys/verify`. Checks run in the contract's order: checksum, existence, secret,
 * status, validity window, IP allowlist, user status, permission/resource, rate limit, credits.
 * A warm key costs one LRU lookup and one HMAC: no SQL.
 */
export class KeyVerifier {
  private readonly inflight = new Map<string, Promise<PrincipalRecord | null>>();
  private readonly now: () => number;

  private readonly deps: VerifierDeps;

  constructor(deps: VerifierDeps) {
    this.deps = deps;
    this.now = deps.now ?? Date.now;
  }

  get cache(): KeyCache {
    return this.deps.cache;
  }

  get filter(): KeyIdFilter | undefined {
    return this.deps.filter;
  }

  static parse(req: VerifyRequest): ParsedCredential | null {
    if (req.token != null) return req.keyId == null && req.secret == null ? parseToken(req.token) : null;
    if (req.keyId != null && req.secret != null) return parseKeyIdSecret(req.keyId, req.secret);
    return null;
  }

  verify(req: VerifyRequest, opts: VerifyOptions = {}): VerifyOutcome | Promise<VerifyOutcome> {
    return this.verifyCredential(KeyVerifier.parse(req), req, opts);
  }

  /**
   * For callers that already parsed (and checksum-checked) the credential, e.g. from headers.
   * A cached key without rate limit or credits is answered synchronously (no promise, no
   * microtask: this runs twice per host request); a cache miss or a limiter call answers a promise.
   */
  verifyCredential(cred: ParsedCredential | null, req: VerifyRequest, opts: VerifyOptions = {}): VerifyOutcome | Promise<VerifyOutcome> {
    const at = this.now();
    if (!cred) return this.counted(MALFORMED, null, req, at);
    const found = this.lookup(cred.keyId);
    if (found instanceof Promise) return this.verifyLoaded(found, cred, req, opts, at);
    return this.decide(found, cred, req, opts, at);
  }

  private async verifyLoaded(
    loading: Promise<PrincipalRecord | null>,
    cred: ParsedCredential,
    req: VerifyRequest,
    opts: VerifyOptions,
    at: number,
  ): Promise<VerifyOutcome> {
    return this.decide(await loading, cred, req, opts, at);
  }

  /** The answer once the lookup is done: checks, then the limiter when the key has limits, then metering. */
  private decide(
    record: PrincipalRecord | null,
    cred: ParsedCredential,
    req: VerifyRequest,
    opts: VerifyOptions,
    at: number,
  ): VerifyOutcome | Promise<VerifyOutcome> {
    if (!record) return this.counted(NOT_FOUND, null, req, at);
    const outcome = this.check(record, cred, req, opts, at);
    if (outcome === LIMITS) return this.limited(record, req, at);
    // A refusal of a known key with limits still says what the key has left.
    if (outcome.record && !outcome.valid && hasLimits(record) && this.deps.limiter?.peek) return this.withLimits(outcome, record, req, at);
    return this.counted(outcome, record, req, at);
  }

  private async withLimits(outcome: VerifyOutcome, record: PrincipalRecord, req: VerifyRequest, at: number): Promise<VerifyOutcome> {
    try {
      const state = await this.deps.limiter!.peek!(record);
      outcome = { ...outcome, remaining: state.remaining, rateLimit: state.rateLimit, poolRemaining: state.poolRemaining ?? null };
    } catch {
      /* Redis or PostgreSQL away: the refusal stands without the figures */
    }
    return this.counted(outcome, record, req, at);
  }

  private async limited(record: PrincipalRecord, req: VerifyRequest, at: number): Promise<VerifyOutcome> {
    const r = await this.deps.limiter!.consume(record, at, req.cost ?? 1);
    const poolRemaining = r.poolRemaining ?? null;
    const outcome: VerifyOutcome = r.ok
      ? { valid: true, code: 'VALID', record, remaining: r.remaining, rateLimit: r.rateLimit, poolRemaining }
      : { valid: false, code: r.code, record, remaining: r.remaining, rateLimit: r.rateLimit, poolRemaining };
    return this.counted(outcome, record, req, at);
  }

  /**
   * Usage is counted against the key whenever its id exists (a wrong secret too: its owner
   * should see guessing), although the caller learns nothing about it.
   */
  private counted(outcome: VerifyOutcome, subject: PrincipalRecord | null, req: VerifyRequest, at: number): VerifyOutcome {
    const spent = outcome.valid && (outcome.remaining !== null || (outcome.poolRemaining ?? null) !== null) ? (req.cost ?? 1) : 0;
    this.deps.usage?.record(subject, outcome.code, req.ip ?? null, req.permission ?? null, at, spent);
    return outcome;
  }

  /** The checks after existence, in the contract's order; LIMITS when rate limit or credits remain to be consumed. */
  private check(record: PrincipalRecord, cred: ParsedCredential, req: VerifyRequest, opts: VerifyOptions, now: number): VerifyOutcome | typeof LIMITS {
    if (opts.visible && !opts.visible(record)) return NOT_FOUND;
    if (cred.kind !== null && cred.kind !== record.kind) return NOT_FOUND;
    if (!this.secretOk(record, cred, now)) return this.rotatedOut(record, cred, now) ? fail('ROTATED', record) : NOT_FOUND;
    if (record.status === 'REVOKED') return fail('REVOKED', record);
    if (record.status === 'EXPIRED') return fail('EXPIRED', record);
    if (record.validFrom !== null && now < record.validFrom) return fail('NOT_YET_VALID', record);
    if (record.validUntil !== null && now >= record.validUntil) return fail('EXPIRED', record);
    if (!ipAllowed(record, req.ip)) return fail('IP_NOT_ALLOWED', record);
    if (record.userStatus !== 'ACTIVE') return fail('USER_DISABLED', record);
    if (req.permission && record.knownPermissions && !record.knownPermissions.has(req.permission)) return fail('UNKNOWN_PERMISSION', record);
    if (req.permission && !allows(record.permissions, req.permission, req.resource ?? null)) return fail('INSUFFICIENT_PERMISSIONS', record);
    if (!opts.skipLimits && this.deps.limiter && hasLimits(record)) return LIMITS;
    return { valid: true, code: 'VALID', record, remaining: null, rateLimit: null };
  }

  /** The key's previous secret, after its grace period ended: the caller holds a real but retired secret. */
  private rotatedOut(record: PrincipalRecord, cred: ParsedCredential, now: number): boolean {
    return (
      record.previousSecretHash !== null &&
      record.previousSecretExpiresAt !== null &&
      now >= record.previousSecretExpiresAt &&
      secretMatches(this.deps.pepper, cred.keyId, cred.secret, record.previousSecretHash)
    );
  }

  private secretOk(record: PrincipalRecord, cred: ParsedCredential, now: number): boolean {
    const { pepper } = this.deps;
    if (secretMatches(pepper, cred.keyId, cred.secret, record.secretHash)) return true;
    return (
      record.previousSecretHash !== null &&
      record.previousSecretExpiresAt !== null &&
      now < record.previousSecretExpiresAt &&
      secretMatches(pepper, cred.keyId, cred.secret, record.previousSecretHash)
    );
  }

  /**
   * Cache, then negative cache and key id filter, synchronously (a record, or null for an id known
   * or judged missing); otherwise one coalesced load per key id (a promise).
   */
  lookup(keyId: string): PrincipalRecord | null | Promise<PrincipalRecord | null> {
    const { cache, filter } = this.deps;
    const hit = cache.get(keyId);
    if (hit) return hit;
    if (cache.isKnownMissing(keyId)) return null;
    let p = this.inflight.get(keyId);
    if (!p) {
      const session = isConsoleSessionId(keyId);
      // Random well-formed key ids never reach PostgreSQL beyond the filter's small budget.
      if (filter && !session && !filter.mightExist(keyId) && !filter.allowMissLoad()) return null;
      const generation = cache.currentGeneration();
      // Console sessions act through the same cache, invalidation and re-checks as keys.
      p = (session ? loadSessionRecord : loadKeyRecord)(this.deps.orm.em.fork(), keyId)
        .then((r) => {
          if (r && !session) filter?.add(keyId);
          cache.store(keyId, r, generation);
          return r;
        })
        .finally(() => this.inflight.delete(keyId));
      this.inflight.set(keyId, p);
    }
    return p;
  }
}

function fail(code: VerifyCode, record: PrincipalRecord | null = null): VerifyOutcome {
  return { valid: false, code, record, remaining: null, rateLimit: null };
}

/** Outcomes that carry no record are shared (callers never mutate an outcome). */
const MALFORMED: VerifyOutcome = Object.freeze(fail('MALFORMED'));
const NOT_FOUND: VerifyOutcome = Object.freeze(fail('NOT_FOUND'));
/** Marker: every check passed and the key's rate limit or credits must be consumed (in Redis). */
const LIMITS = Symbol('limits');

/** A limiter that could not decide (Redis or PostgreSQL down); verification fails closed. */
export class LimiterUnavailableError extends Error {
  constructor(cause: unknown) {
    super('usage limiter unavailable (Redis or PostgreSQL)', { cause });
  }
}

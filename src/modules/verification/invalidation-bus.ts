import { createHash, randomUUID } from 'node:crypto';
import pg from 'pg';
import type { Logger } from '../../infra/logger.ts';
import type { Invalidation } from './key-cache.ts';

/** PostgreSQL's NOTIFY payload limit is 8000 bytes; invalidations are far smaller. */
const MAX_PAYLOAD = 7000;
const RECONNECT_MIN_MS = 200;
const RECONNECT_MAX_MS = 5_000;

/** The NOTIFY channel of a deployment (its Redis prefix names it; one database may host several). */
export function invalidationChannel(prefix: string): string {
  return `kp_inval_${createHash('sha256').update(prefix).digest('hex').slice(0, 24)}`;
}

/**
 * An invalidation on the wire (NOTIFY and Redis alike): `o` names the sending process, `n` this
 * notice, so a receiver applies each once although it may arrive by both paths.
 */
export type InvalidationEnvelope = { o: string; n: string; i: Invalidation };
type Message = InvalidationEnvelope;

/** Reads an envelope, or a bare invalidation (from a process of an older version). */
export function readEnvelope(v: unknown): { inv: Invalidation; n: string | null; o: string | null } | null {
  if (isInvalidation(v)) return { inv: v, n: null, o: null };
  if (!v || typeof v !== 'object') return null;
  const e = v as Partial<InvalidationEnvelope>;
  if (!isInvalidation(e.i)) return null;
  return { inv: e.i, n: typeof e.n === 'string' && e.n.length <= 64 ? e.n : null, o: typeof e.o === 'string' && e.o.length <= 64 ? e.o : null };
}

/** A new envelope for `inv` from `origin`. */
export function envelope(inv: Invalidation, origin: string): InvalidationEnvelope {
  return { o: origin, n: randomUUID(), i: inv };
}

/**
 * The SQL and parameters that send `inv` to every API process of the deployment (run with any
 * connection; inside a transaction it is delivered at commit). `origin` names the sender, which
 * ignores its own notices.
 */
export function invalidationNotice(prefix: string, message: InvalidationEnvelope): { sql: string; params: unknown[] } {
  let payload = JSON.stringify(message satisfies Message);
  if (payload.length > MAX_PAYLOAD) payload = JSON.stringify({ ...message, i: { scope: 'all' } } satisfies Message);
  return { sql: 'select pg_notify(?, ?)', params: [invalidationChannel(prefix), payload] };
}

function isInvalidation(v: unknown): v is Invalidation {
  if (!v || typeof v !== 'object') return false;
  const inv = v as Record<string, unknown>;
  const id = (k: string) => typeof inv[k] === 'string' && (inv[k] as string).length <= 64;
  switch (inv.scope) {
    case 'key':
      return id('keyId');
    case 'user':
      return id('userId');
    case 'org':
      return id('organizationId');
    case 'all':
      return true;
    default:
      return false;
  }
}

/**
 * Cache invalidations over PostgreSQL LISTEN/NOTIFY: the path that does not depend on Redis.
 * A revoke commits in PostgreSQL, so PostgreSQL is up to carry its invalidation to every API
 * process even while Redis is down (Redis pub/sub stays a second path). One dedicated
 * connection per process listens; when it comes back after a loss, notifications sent meanwhile
 * are gone, so the process drops every cached key (`onReconnect`).
 */
export class InvalidationBus {
  readonly channel: string;
  /** Tells this process's own notifications apart (it applied them before sending). */
  readonly origin: string;
  private client: pg.Client | null = null;
  private stopped = false;
  private attempts = 0;
  private retryMs = RECONNECT_MIN_MS;
  private timer: NodeJS.Timeout | null = null;
  private readonly opts: {
    databaseUrl: string;
    prefix: string;
    origin: string;
    log: Logger;
    apply: (inv: Invalidation, n: string | null) => void;
    onReconnect: () => void;
  };

  constructor(opts: {
    databaseUrl: string;
    prefix: string;
    origin: string;
    log: Logger;
    apply: (inv: Invalidation, n: string | null) => void;
    onReconnect: () => void;
  }) {
    this.opts = opts;
    this.origin = opts.origin;
    this.channel = invalidationChannel(opts.prefix);
  }

  /** Resolves once listening (or after the first failure: it keeps trying in the background). */
  async start(): Promise<void> {
    await this.connect();
  }

  /** Whether the LISTEN connection is up (readiness). */
  get listening(): boolean {
    return this.client !== null;
  }

  /** The notice that sends `message` to every other process (see `invalidationNotice`). */
  notice(message: InvalidationEnvelope): { sql: string; params: unknown[] } {
    return invalidationNotice(this.opts.prefix, message);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    const c = this.client;
    this.client = null;
    await c?.end().catch(() => {});
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    this.attempts++;
    const client = new pg.Client({ connectionString: this.opts.databaseUrl, application_name: 'keyplane-invalidations', keepAlive: true });
    client.on('error', (err) => this.opts.log.warn({ err }, 'invalidation listener connection failed'));
    client.on('end', () => {
      if (this.client === client) {
        this.client = null;
        this.scheduleReconnect();
      }
    });
    client.on('notification', (n) => {
      if (n.channel !== this.channel || !n.payload) return;
      let raw: unknown;
      try {
        raw = JSON.parse(n.payload);
      } catch {
        return;
      }
      const msg = readEnvelope(raw);
      if (!msg || msg.o === this.origin) return;
      this.opts.apply(msg.inv, msg.n);
    });
    try {
      await client.connect();
      await client.query(`listen ${this.channel}`);
    } catch (err) {
      this.opts.log.warn({ err }, 'invalidation listener could not listen; retrying');
      await client.end().catch(() => {});
      this.scheduleReconnect();
      return;
    }
    if (this.stopped) {
      await client.end().catch(() => {});
      return;
    }
    this.client = client;
    this.retryMs = RECONNECT_MIN_MS;
    // Whatever was sent while no connection listened is lost: start from a clean cache.
    if (this.attempts > 1) this.opts.onReconnect();
  }

  private scheduleReconnect(): void {
    if (this.stopped || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.connect();
    }, this.retryMs);
    this.retryMs = Math.min(this.retryMs * 2, RECONNECT_MAX_MS);
  }
}

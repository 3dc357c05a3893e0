import { withinOrFail } from '../lib/deadline.ts';
import type { RedisClient } from './redis.ts';

/** How long a request waits for the marker before reading from the primary. */
const REDIS_MS = 500;

/** Where a read is served: the primary (`write`) or the read replica (`read`). */
export type ReadConnection = 'read' | 'write';

/**
 * Read-your-writes across requests and API replicas: a caller's mutation leaves a marker in
 * Redis for `boundMs`, and while it is there that caller's list pages and reports are read from
 * the primary; other reads of lists and reports go to the replica. Without a replica, or when
 * Redis cannot answer, everything is read from the primary (never a stale answer to a writer).
 */
export class ReadRouter {
  private readonly redis: RedisClient;
  private readonly prefix: string;
  private readonly boundMs: number;
  readonly enabled: boolean;

  constructor(opts: { redis: RedisClient; prefix: string; boundMs: number; enabled: boolean }) {
    this.redis = opts.redis;
    this.prefix = opts.prefix;
    this.boundMs = opts.boundMs;
    this.enabled = opts.enabled;
  }

  private key(callerId: string): string {
    return `${this.prefix}:ryw:{${callerId}}`;
  }

  /** Notes that the caller is writing: its reads stay on the primary for the bound (from now). */
  async wrote(callerId: string): Promise<void> {
    if (!this.enabled) return;
    // Bounded like every Redis step on a request path; a lost marker only costs freshness for a
    // reader that is not this caller, so a failure is not the mutation's.
    await withinOrFail(this.redis.set(this.key(callerId), '1', 'PX', this.boundMs), REDIS_MS, 'Redis did not answer in time').catch(() => {});
  }

  /** Where this caller's list pages and reports are read now. */
  async connectionFor(callerId: string): Promise<ReadConnection> {
    if (!this.enabled) return 'write';
    try {
      const marked = await withinOrFail(this.redis.exists(this.key(callerId)), REDIS_MS, 'Redis did not answer in time');
      return marked === 0 ? 'read' : 'write';
    } catch {
      return 'write';
    }
  }
}

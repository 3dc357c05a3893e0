import { randomUUID } from 'node:crypto';
import type { VerifyCode } from './types.ts';

type Pending = { keyId: string; code: VerifyCode; ip: string | null; permission: string | null; at: number; count: number };
type Batch = { batchId: string; verifications: Pending[] };

/** The server's limits: entries per batch, verifications per batch; and most entries kept while Keyplane is unreachable. */
const BATCH_ENTRIES = 1000;
const BATCH_VERIFICATIONS = 100_000;
const ENTRY_MAX_COUNT = 10_000;
const MAX_PENDING_ENTRIES = 200_000;
/** Answers that no retry changes: the batch is dropped (and counted in `dropped`), not retried forever. */
const PERMANENT = new Set([400, 403, 413, 415]);

/**
 * Counts verifications answered locally and reports them to `POST /v1/keys/verifications` so
 * Keyplane's usage, last use and recent verifications include them. Same key, outcome, address,
 * permission and second fold into one entry with a count. A batch keeps its id until Keyplane
 * acknowledges it, so a retry after a lost answer is recognised and never counted twice.
 */
export class UsageReporter {
  private current = new Map<string, Pending>();
  private full: Pending[] = [];
  private readonly queue: Batch[] = [];
  private flushing: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  dropped = 0;
  private readonly send: (batch: Batch) => Promise<void>;

  constructor(send: (batch: Batch) => Promise<void>, intervalMs: number) {
    this.send = send;
    if (intervalMs > 0) {
      this.timer = setInterval(() => void this.flush().catch(() => undefined), intervalMs);
      this.timer.unref();
    }
  }

  record(keyId: string, code: VerifyCode, ip: string | null, permission: string | null, at: number): void {
    const second = Math.floor(at / 1000);
    const k = `${keyId}|${code}|${ip ?? ''}|${permission ?? ''}|${second}`;
    const p = this.current.get(k);
    if (p && p.count < ENTRY_MAX_COUNT) {
      p.count++;
      p.at = at;
      return;
    }
    if (p) {
      // A full entry moves to the queue's next batch under its own key: counts stay within the server's bounds.
      this.current.delete(k);
      this.full.push(p);
    }
    if (this.current.size + this.full.length + this.queue.length * BATCH_ENTRIES >= MAX_PENDING_ENTRIES) {
      this.dropped++;
      return;
    }
    this.current.set(k, { keyId, code, ip, permission, at, count: 1 });
  }

  /** Sends everything recorded so far; rejects (keeping the batches) when Keyplane cannot take them. */
  flush(): Promise<void> {
    if (this.flushing) return this.flushing.then(() => this.flush());
    if (this.current.size || this.full.length) {
      const all = [...this.full, ...this.current.values()];
      this.current = new Map();
      this.full = [];
      let batch: Pending[] = [];
      let total = 0;
      for (const p of all) {
        if (batch.length === BATCH_ENTRIES || total + p.count > BATCH_VERIFICATIONS) {
          this.queue.push({ batchId: randomUUID().replaceAll('-', ''), verifications: batch });
          batch = [];
          total = 0;
        }
        batch.push(p);
        total += p.count;
      }
      if (batch.length) this.queue.push({ batchId: randomUUID().replaceAll('-', ''), verifications: batch });
    }
    if (!this.queue.length) return Promise.resolve();
    this.flushing = (async () => {
      while (this.queue.length) {
        const batch = this.queue[0]!;
        try {
          await this.send(batch);
        } catch (err) {
          // Unreachable, 5xx, 429: kept, retried with the same batch id. Refused as such: dropped.
          if (!PERMANENT.has((err as { status?: number }).status ?? 0)) throw err;
          for (const p of batch.verifications) this.dropped += p.count;
        }
        this.queue.shift();
      }
    })().finally(() => {
      this.flushing = null;
    });
    return this.flushing;
  }

  get pending(): number {
    let n = 0;
    for (const p of this.current.values()) n += p.count;
    for (const p of this.full) n += p.count;
    for (const b of this.queue) for (const p of b.verifications) n += p.count;
    return n;
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.flush();
  }
}

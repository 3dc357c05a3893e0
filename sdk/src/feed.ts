import { createClient, type Client } from 'graphql-ws';
import type { SnapshotCache } from './local.ts';

export type FeedState = 'connecting' | 'live' | 'down' | 'refused';

const SUBSCRIPTION = 'subscription KeyInvalidations { keyInvalidations { scope keyId userId organizationId at } }';
type Message = { scope: 'READY' | 'KEY' | 'USER' | 'ORGANIZATION' | 'ALL'; keyId: string | null; userId: string | null; organizationId: string | null };

export type FeedOptions = {
  url: string;
  token: string;
  cache: SnapshotCache;
  maxStaleMs: number;
  webSocketImpl?: unknown;
  now: () => number;
  onStateChange?: (state: FeedState, reason?: string) => void;
};

/**
 * The live subscription (`keyInvalidations` over graphql-ws) that keeps the snapshot cache honest.
 * Local answers are allowed only while `fresh()`: the subscription said READY on this socket and
 * the socket proved alive (a pong or a message) within `maxStaleMs`. It pings every third of that,
 * so a silent network failure stops local answers within `maxStaleMs` too. Every (re)connection
 * starts from an empty cache (READY): what changed while it was down was not heard. Closes 4401 /
 * 4403 (the host's own key no longer authenticates or may no longer verify) stop it for good.
 */
export class InvalidationFeed {
  private readonly client: Client;
  private readonly opts: FeedOptions;
  private state: FeedState = 'connecting';
  private lastAlive = 0;
  private unsubscribe: (() => void) | null = null;
  private stopped = false;
  /** Invalidations received (every scope but READY). */
  received = 0;

  constructor(opts: FeedOptions) {
    this.opts = opts;
    const wsUrl = `${opts.url.replace(/^http/, 'ws').replace(/\/$/, '')}/graphql`;
    this.client = createClient({
      url: wsUrl,
      webSocketImpl: opts.webSocketImpl ?? globalThis.WebSocket,
      lazy: false,
      // The feed's state (onFeedState, stats.feed) reports a socket that fails for good; graphql-ws
      // would also print it with console.error, into the host's stderr.
      onNonLazyError: () => {},
      keepAlive: Math.max(50, Math.floor(opts.maxStaleMs / 3)),
      retryAttempts: Number.MAX_SAFE_INTEGER,
      retryWait: async (retries) => new Promise((r) => setTimeout(r, Math.min(10_000, 200 * 2 ** Math.min(retries, 6)) * (0.5 + Math.random() / 2))),
      shouldRetry: (e) => {
        const code = (e as { code?: number } | null)?.code;
        if (code === 4401 || code === 4403) {
          this.refuse(code);
          return false;
        }
        return !this.stopped;
      },
      connectionParams: () => ({ authorization: `Bearer ${opts.token}` }),
      on: {
        pong: () => {
          this.lastAlive = opts.now();
        },
        message: () => {
          this.lastAlive = opts.now();
        },
        closed: (e) => {
          const code = (e as { code?: number } | null)?.code;
          if (code === 4401 || code === 4403) this.refuse(code);
          else if (this.state !== 'refused') this.set('down');
        },
      },
    });
    // graphql-ws re-sends the subscription on every new socket; READY on it makes answers local again.
    this.subscribe();
  }

  private refuse(code: number): void {
    this.set(
      'refused',
      `Keyplane closed the feed (${code}): the SDK's own key no longer ${code === 4401 ? 'authenticates' : 'may act'}; every verification asks Keyplane`,
    );
  }

  private set(state: FeedState, reason?: string): void {
    if (state !== 'live') this.opts.cache.clear();
    if (this.state === state) return;
    this.state = state;
    this.opts.onStateChange?.(state, reason);
  }

  private subscribe(): void {
    this.unsubscribe?.();
    this.unsubscribe = this.client.subscribe<{ keyInvalidations: Message }>(
      { query: SUBSCRIPTION },
      {
        next: (m) => {
          const inv = m.data?.keyInvalidations;
          if (!inv) {
            // An error event: the stream ends because the host's key may no longer verify keys.
            const code = (m.errors?.[0] as { extensions?: { code?: string } } | undefined)?.extensions?.code;
            if (code === 'UNAUTHENTICATED' || code === 'FORBIDDEN') return this.set('refused', `the feed ended: ${m.errors?.[0]?.message ?? code}`);
            return this.set('down', 'the feed sent an error');
          }
          this.lastAlive = this.opts.now();
          const cache = this.opts.cache;
          if (inv.scope !== 'READY') this.received++;
          switch (inv.scope) {
            case 'READY':
              cache.clear();
              return this.set('live');
            case 'KEY':
              return inv.keyId ? cache.dropKey(inv.keyId) : cache.clear();
            case 'USER':
              return inv.userId ? cache.dropUser(inv.userId) : cache.clear();
            default:
              return cache.clear();
          }
        },
        error: (err) => {
          if (this.state === 'refused') return;
          const closeCode = (err as { code?: number } | null)?.code;
          if (closeCode === 4401 || closeCode === 4403) return this.refuse(closeCode);
          const code = Array.isArray(err) ? (err[0] as { extensions?: { code?: string } })?.extensions?.code : undefined;
          if (code === 'FORBIDDEN' || code === 'UNAUTHENTICATED') this.set('refused', `the feed was refused (${code})`);
          else {
            this.set('down', 'the feed failed');
            if (!this.stopped) setTimeout(() => !this.stopped && this.subscribe(), 1000).unref();
          }
        },
        complete: () => {
          if (this.state === 'refused' || this.stopped) return;
          this.set('down', 'the feed ended');
          setTimeout(() => !this.stopped && this.state !== 'refused' && this.subscribe(), 1000).unref();
        },
      },
    );
  }

  /** May a cached snapshot answer now? */
  fresh(): boolean {
    return this.state === 'live' && this.opts.now() - this.lastAlive <= this.opts.maxStaleMs;
  }

  get current(): FeedState {
    return this.state;
  }

  async close(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    // A socket on a dead network never completes its closing handshake: do not wait for it.
    await Promise.race([this.client.dispose(), new Promise((r) => setTimeout(r, 1000).unref())]);
    this.set('down');
  }
}

import type { TypedDocumentString } from './gql/graphql.ts';
import type * as G from './gql/graphql.ts';
import { InvalidationFeed, type FeedState } from './feed.ts';
import { decide, SnapshotCache } from './local.ts';
import { CreateKey, Events, ListKeys, RevokeKey, RotateKey, Usage } from './operations.ts';
import { KeyplaneError, type ErrorBody, type KeySnapshot, type VerifyInput, type VerifyKeyResult } from './types.ts';
import { UsageReporter } from './usage.ts';

export type KeyplaneOptions = {
  /** Keyplane's base URL, e.g. `https://keys.example.com`. */
  url: string;
  /** The host application's own key: it needs `keys:verify` (and what the management calls need). */
  token: string;
  /**
   * Verify in this process from cached key snapshots, kept current by a live subscription
   * (default true). False: every `verify` is a call to `POST /v1/keys/verify`.
   */
  local?: boolean;
  /** How long after the last sign of life of the subscription cached answers may still be served (default 1000 ms). */
  maxStaleMs?: number;
  /** Longest a snapshot is kept even with the subscription up (default 60 s; Keyplane caps it too). */
  maxAgeMs?: number;
  /** Most keys cached (default 10,000). */
  maxEntries?: number;
  /** How often local verifications are reported for usage (default 1000 ms). */
  reportIntervalMs?: number;
  /** Per-call timeout for requests to Keyplane (default 5000 ms). */
  timeoutMs?: number;
  /** A WebSocket implementation where the runtime has none (Node ≥ 22 has one). */
  webSocketImpl?: unknown;
  fetch?: typeof fetch;
  now?: () => number;
  /** Told when the subscription goes live, down, or is refused (4401 / 4403: the host's key). */
  onFeedState?: (state: FeedState, reason?: string) => void;
};

export type ApiKey = NonNullable<G.SdkApiKeysQuery['apiKeys']['edges'][number]['node']>;
export type CreatedKey = { apiKey: ApiKey; token: string; secret: string };
type Page<T> = { nodes: T[]; endCursor: string | null; hasNextPage: boolean };
export type UsagePoint = G.SdkUsageQuery['usage'][number];
export type KeyEvent = G.SdkEventsQuery['events']['edges'][number]['node'];

export type Keyplane = {
  /** Verifies a key: locally when its snapshot is cached and the subscription is live, else by Keyplane. Never throws for a failed verification (that is an answer). */
  verify(input: VerifyInput): Promise<VerifyKeyResult>;
  createKey(input: G.CreateApiKeyInput): Promise<CreatedKey>;
  rotateKey(input: G.RotateApiKeyInput): Promise<CreatedKey>;
  revokeKey(input: G.RevokeApiKeyInput): Promise<ApiKey>;
  listKeys(args?: { filter?: G.ApiKeyFilter; first?: number; after?: string }): Promise<Page<ApiKey>>;
  usage(filter?: G.UsageFilter): Promise<UsagePoint[]>;
  events(args?: { filter?: G.EventFilter; first?: number; after?: string; order?: G.EventOrder }): Promise<Page<KeyEvent>>;
  /** Sends the usage of local verifications now. */
  flush(): Promise<void>;
  /** Reports what is left, closes the subscription. */
  close(): Promise<void>;
  /** For tests and metrics. */
  readonly stats: { local: number; remote: number; cached: number; feed: FeedState | 'off'; invalidations: number; pendingUsage: number; droppedUsage: number };
};

/**
 * A Keyplane client for a host application. With `local` (the default), the first verification of
 * a key asks Keyplane (`POST /v1/keys/snapshots`, which verifies and counts it) and caches the
 * key's snapshot under a hash of the credential; later verifications of that key, for any
 * permission or resource, are answered in-process and reported in batches for usage. Keys with a
 * rate limit or credits are always asked (Keyplane gives them no snapshot), so limits hold across
 * every host. While the invalidation subscription is down (beyond `maxStaleMs`), every verification
 * asks Keyplane.
 */
export function createKeyplane(opts: KeyplaneOptions): Keyplane {
  const base = opts.url.replace(/\/$/, '');
  const doFetch = opts.fetch ?? fetch;
  const now = opts.now ?? Date.now;
  const timeoutMs = opts.timeoutMs ?? 5000;
  const maxAgeMs = opts.maxAgeMs ?? 60_000;
  const local = opts.local !== false;
  const cache = new SnapshotCache(opts.maxEntries ?? 10_000);
  const authorization = `Bearer ${opts.token}`;
  const counters = { local: 0, remote: 0 };

  const post = async <T>(path: string, body: unknown): Promise<T> => {
    let res: Response;
    try {
      res = await doFetch(`${base}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (err) {
      throw new KeyplaneError('UNREACHABLE', `Keyplane is unreachable: ${(err as Error).message}`);
    }
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new KeyplaneError('BAD_RESPONSE', `Keyplane answered ${res.status} without JSON`, res.status);
    }
    if (res.status !== 200) {
      const e = (parsed as ErrorBody).errors?.[0];
      throw new KeyplaneError(e?.extensions?.code ?? 'HTTP_ERROR', e?.message ?? `Keyplane answered ${res.status}`, res.status, e?.extensions ?? {});
    }
    return parsed as T;
  };

  const gql = async <R, V>(doc: TypedDocumentString<R, V>, variables: V): Promise<R> => {
    const res = await post<{ data?: R | null; errors?: ErrorBody['errors'] }>('/graphql', { query: doc.toString(), variables });
    if (res.errors?.length || !res.data) {
      const e = res.errors?.[0];
      throw new KeyplaneError(e?.extensions?.code ?? 'GRAPHQL_ERROR', e?.message ?? 'no data');
    }
    return res.data;
  };

  /** A payload union: its success member, or a KeyplaneError from its error member. */
  const ok = <P extends { __typename?: string }, N extends string>(payload: P, typename: N): Extract<P, { __typename?: N }> => {
    if (payload.__typename === typename) return payload as never;
    const e = payload as unknown as { code?: string; message?: string; fields?: unknown };
    throw new KeyplaneError(e.code ?? 'ERROR', e.message ?? String(payload.__typename), null, e.fields ? { fields: e.fields } : {});
  };

  const reporter = new UsageReporter(async (batch) => void (await post('/v1/keys/verifications', batch)), local ? (opts.reportIntervalMs ?? 1000) : 0);
  const feed = local
    ? new InvalidationFeed({
        url: base,
        token: opts.token,
        cache,
        maxStaleMs: opts.maxStaleMs ?? 1000,
        webSocketImpl: opts.webSocketImpl,
        now,
        onStateChange: opts.onFeedState,
      })
    : null;

  const verifyRemote = async (input: VerifyInput, hash: string | null): Promise<VerifyKeyResult> => {
    counters.remote++;
    if (!feed || hash === null) return post<VerifyKeyResult>('/v1/keys/verify', input);
    const generation = cache.generation;
    const { result, snapshot } = await post<{ result: VerifyKeyResult; snapshot: KeySnapshot | null }>('/v1/keys/snapshots', input);
    if (snapshot) cache.store(hash, snapshot, generation, now());
    return result;
  };

  return {
    verify(input) {
      if (feed?.fresh()) {
        const hash = cache.hashOf(input);
        const at = now();
        const entry = cache.get(hash, at, maxAgeMs);
        const result = entry ? decide(entry, input, at) : null;
        if (entry && result) {
          counters.local++;
          reporter.record(entry.snapshot.key.keyId, result.code, input.ip ?? null, input.permission ?? null, at);
          return Promise.resolve(result);
        }
        return verifyRemote(input, hash);
      }
      return verifyRemote(input, feed ? cache.hashOf(input) : null);
    },
    async createKey(input) {
      const r = ok((await gql(CreateKey, { input })).createApiKey, 'CreateApiKeySuccess');
      return { apiKey: r.apiKey, token: r.token, secret: r.secret };
    },
    async rotateKey(input) {
      const r = ok((await gql(RotateKey, { input })).rotateApiKey, 'RotateApiKeySuccess');
      return { apiKey: r.apiKey, token: r.token, secret: r.secret };
    },
    async revokeKey(input) {
      return ok((await gql(RevokeKey, { input })).revokeApiKey, 'RevokeApiKeySuccess').apiKey;
    },
    async listKeys(args = {}) {
      const c = (await gql(ListKeys, { filter: args.filter, first: args.first, after: args.after })).apiKeys;
      return { nodes: c.edges.map((e) => e.node), endCursor: c.pageInfo.endCursor ?? null, hasNextPage: c.pageInfo.hasNextPage };
    },
    async usage(filter) {
      return (await gql(Usage, { filter })).usage;
    },
    async events(args = {}) {
      const c = (await gql(Events, { filter: args.filter, first: args.first, after: args.after, order: args.order })).events;
      return { nodes: c.edges.map((e) => e.node), endCursor: c.pageInfo.endCursor ?? null, hasNextPage: c.pageInfo.hasNextPage };
    },
    flush: () => reporter.flush(),
    async close() {
      await feed?.close();
      await reporter.close();
    },
    get stats() {
      return {
        ...counters,
        cached: cache.size,
        feed: feed ? feed.current : ('off' as const),
        invalidations: feed?.received ?? 0,
        pendingUsage: reporter.pending,
        droppedUsage: reporter.dropped,
      };
    },
  };
}

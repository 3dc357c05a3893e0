import { createClient, type Client } from 'graphql-ws';
import type { TypedDocumentString } from '../gql/graphql.js';
import { connectionParams, getAuth, onAuthChange } from './auth.js';

let client: Client | null = null;

function wsClient(): Client {
  if (client) return client;
  const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/graphql`;
  client = createClient({
    url,
    lazy: true,
    connectionParams: () => connectionParams(),
    retryAttempts: 5,
    // 4401: the session or key is no longer valid; retrying cannot help.
    shouldRetry: (e) => !(e && typeof e === 'object' && 'code' in e && (e as { code: number }).code === 4401),
  });
  return client;
}

onAuthChange(() => {
  // A new identity gets a new socket.
  void client?.dispose();
  client = null;
});

export type LiveHandlers<R> = { next(data: R): void; error(message: string): void; complete?(): void; connected?(): void };

/** Subscribes over graphql-ws (same origin); returns the unsubscribe function. */
export function subscribe<R, V>(doc: TypedDocumentString<R, V>, variables: V, h: LiveHandlers<R>): () => void {
  if (getAuth().mode === 'none') {
    h.error('Not signed in');
    return () => {};
  }
  const c = wsClient();
  const off = c.on('connected', () => h.connected?.());
  const stop = c.subscribe<R>(
    { query: doc.toString(), variables: variables as Record<string, unknown> },
    {
      next: (v) => (v.data ? h.next(v.data) : v.errors?.length ? h.error(v.errors[0]!.message) : undefined),
      error: (e) => h.error(e instanceof Error ? e.message : Array.isArray(e) ? (e[0]?.message ?? 'Subscription failed') : 'The live connection closed'),
      complete: () => h.complete?.(),
    },
  );
  return () => {
    off();
    stop();
  };
}

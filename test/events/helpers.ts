import { createClient, type Client } from 'graphql-ws';
import { Redis } from 'ioredis';
import WebSocket from 'ws';
import type { TestServer } from '../harness.ts';

export const KEY_EVENTS = `subscription KeyEvents($filter: KeyEventsFilter) {
  keyEvents(filter: $filter) { id type organizationId keyId occurredAt data }
}`;

export type Received = {
  data?: { keyEvents: { id: string; type: string; organizationId: string; keyId: string | null; data: any } } | null;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
};

export type Sub = { received: Received[]; done: Promise<void>; completed: boolean; stop(): void };

/** A real graphql-ws client (the `graphql-ws` package over `ws`), authenticated in connection_init. */
export function wsSubscribe(server: TestServer, token: string, variables: Record<string, unknown> = {}): Sub & { client: Client } {
  const client = createClient({
    url: `${server.url.replace('http', 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${token}` },
    retryAttempts: 0,
    lazy: false,
    onNonLazyError: () => undefined,
  });
  const received: Received[] = [];
  const sub: Sub & { client: Client } = { client, received, completed: false, done: null as never, stop: () => void client.dispose() };
  sub.done = new Promise<void>((resolve) => {
    client.subscribe(
      { query: KEY_EVENTS, variables },
      {
        next: (v) => void received.push(v as Received),
        error: (e) => {
          const close = e as { code?: number; reason?: string };
          const message = e instanceof Error ? e.message : typeof close.code === 'number' ? `closed ${close.code} ${close.reason ?? ''}` : String(e);
          received.push({ errors: [{ message }] });
          sub.completed = true;
          resolve();
        },
        complete: () => {
          sub.completed = true;
          resolve();
        },
      },
    );
  });
  return sub;
}

/** A Server-Sent Events subscription (Yoga's SSE transport) read with fetch. */
export function sseSubscribe(server: TestServer, token: string, variables: Record<string, unknown> = {}): Sub {
  const controller = new AbortController();
  const received: Received[] = [];
  const sub: Sub = { received, completed: false, done: null as never, stop: () => controller.abort() };
  sub.done = (async () => {
    try {
      const res = await fetch(`${server.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query: KEY_EVENTS, variables }),
        signal: controller.signal,
      });
      if (!res.ok || !res.body) throw new Error(`SSE failed: ${res.status}`);
      const decoder = new TextDecoder();
      let buffer = '';
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let cut: number;
        while ((cut = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1] ?? 'message';
          const data = block
            .split('\n')
            .filter((l) => l.startsWith('data:'))
            .map((l) => l.slice(5).trim())
            .join('\n');
          if (event === 'complete') return;
          if (data) received.push(JSON.parse(data) as Received);
        }
      }
    } catch (e) {
      if ((e as Error).name !== 'AbortError') throw e;
    } finally {
      sub.completed = true;
    }
  })();
  return sub;
}

/** Resolves once `count` API processes listen on the organisation's event topic in Redis. */
export async function subscribersOn(server: TestServer, organizationId: string): Promise<number> {
  const redis = new Redis(server.config.redisUrl);
  try {
    const res = (await redis.pubsub('NUMSUB', `${server.config.redisPrefix}:ps:events:org:${organizationId}`)) as [string, number];
    return Number(res[1]);
  } finally {
    redis.disconnect();
  }
}

/** True once every event of the organisation has left the outbox (so a new subscriber sees only later ones). */
export async function outboxDrained(server: TestServer, organizationId: string): Promise<boolean> {
  const [row] = await server.app.orm.em
    .fork()
    .getConnection()
    .execute<{ n: string }[]>('select count(*) as n from event where organization_id = ? and relayed_at is null', [organizationId]);
  return Number(row!.n) === 0;
}

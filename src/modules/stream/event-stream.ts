import { createPubSub, Repeater, SlidingBuffer } from '@graphql-yoga/subscription';
import type { RedisEventTarget } from '../../infra/pubsub.ts';
import { Actor } from '../principal/actor.ts';
import { invalidatedBecause } from '../principal/principal-check.ts';
import type { PrincipalRecord } from '../principal/key-record.ts';
import type { KeyVerifier } from '../verification/verifier.ts';
import { matchesEventTypes } from '../events/event-filter.ts';
import { EVENT_STREAM_TOPIC, type StreamEvent } from '../events/outbox-relay.ts';

const SUBSCRIBER_BUFFER = 1000;

export type StreamFilter = { types?: readonly string[] | null; keyId?: string | null };
/** An event, or the notice that the subscription ends because its key no longer authorises it. */
export type StreamItem = { event: StreamEvent } | { closed: string };

/** Why the key a subscription was opened with may no longer read events, or null. */
export function revokedBecause(opened: PrincipalRecord, now: PrincipalRecord | null, at: number, ip: string | null = null): string | null {
  const invalid = invalidatedBecause(opened, now, at, ip);
  if (invalid) return invalid.reason;
  if (now!.kind === 'PUBLISHABLE' || !now!.permissions.has('events:read')) return 'the key no longer holds events:read';
  return null;
}

/**
 * Live lifecycle events for subscriptions, on every API replica: the relay publishes each event
 * under its organisation and every ancestor (Redis pub/sub through RedisEventTarget), so a
 * subscriber listens on its own organisation's topic and sees its sub-accounts' events too;
 * each one is then checked against what the key may read. The key is re-checked on every event,
 * on every key-cache invalidation and on a timer; a revoked key or disabled user ends the stream.
 */
type StreamOptions = {
  recheckMs: number;
  now?: () => number;
  /**
   * For console sessions: false once the session has been idle past the console's idle timeout
   * (or was revoked). A live feed is not the user's activity; asked at most once per `recheckMs`.
   */
  sessionActive?: (sessionId: string, at: number) => Promise<boolean>;
  /** Every key-cache invalidation this process applies (see AppDeps.onInvalidation). */
  onInvalidation: (listener: () => void) => () => void;
};

export class EventStream {
  private readonly pubsub;

  private readonly verifier: KeyVerifier;
  private readonly opts: StreamOptions;

  constructor(target: RedisEventTarget, verifier: KeyVerifier, opts: StreamOptions) {
    this.verifier = verifier;
    this.opts = opts;
    this.pubsub = createPubSub<{ [EVENT_STREAM_TOPIC]: [organizationId: string, event: StreamEvent] }>({ eventTarget: target });
  }

  subscribe(actor: Actor, filter: StreamFilter): AsyncIterableIterator<StreamItem> {
    const now = this.opts.now ?? Date.now;
    const verifier = this.verifier;
    const recheckMs = this.opts.recheckMs;
    const source = this.pubsub.subscribe(EVENT_STREAM_TOPIC, actor.organizationId);
    const types = filter.types?.length ? [...filter.types] : [];

    // A subscriber that falls this far behind loses its oldest events rather than the process its
    // memory; the `events` query is the durable feed to catch up from.
    return new Repeater<StreamItem>(async (push, stop) => {
      let current = actor;
      let ended = false;
      const end = async (reason: string) => {
        if (ended) return;
        ended = true;
        await push({ closed: reason });
        stop();
      };
      const sessionActive = actor.key.principal === 'console_session' ? this.opts.sessionActive : undefined;
      let sessionCheckedAt = now();
      const check = async (): Promise<boolean> => {
        if (ended) return false;
        const record = await verifier.lookup(actor.key.keyId);
        const at = now();
        const why = revokedBecause(actor.key, record, at, actor.meta.ip);
        if (why) {
          await end(why);
          return false;
        }
        if (sessionActive && at - sessionCheckedAt >= recheckMs) {
          sessionCheckedAt = at;
          if (!(await sessionActive(actor.key.keyId, at))) {
            await end('the console session was idle too long');
            return false;
          }
        }
        current = new Actor(record!, actor.meta);
        return true;
      };
      const onInvalidation = () => void check().catch(() => undefined);
      const unlisten = this.opts.onInvalidation(onInvalidation);
      const timer = setInterval(onInvalidation, recheckMs);
      stop.then(() => {
        clearInterval(timer);
        unlisten();
        void source.return?.();
      });

      for await (const event of source) {
        if (ended) break;
        if (!current.may('events:read', { id: event.organizationId, path: event.organizationPath })) continue;
        if (types.length && !matchesEventTypes(types, event.type)) continue;
        if (filter.keyId && event.keyId !== filter.keyId) continue;
        if (!(await check())) break;
        await push({ event });
      }
    }, new SlidingBuffer(SUBSCRIBER_BUFFER));
  }
}

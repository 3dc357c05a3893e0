import type { RedisClient } from './redis.ts';

type Listener = (event: CustomEvent) => void;

/**
 * An EventTarget whose dispatches go through Redis pub/sub, so every API replica sees every
 * event. Yoga's `createPubSub({ eventTarget })` and the key-cache invalidation both use it.
 * Channels are namespaced by the configured prefix.
 */
export class RedisEventTarget {
  private listeners = new Map<string, Set<Listener>>();

  private readonly publisher: RedisClient;
  private readonly subscriber: RedisClient;
  private readonly prefix: string;

  constructor(publisher: RedisClient, subscriber: RedisClient, prefix: string) {
    this.publisher = publisher;
    this.subscriber = subscriber;
    this.prefix = prefix;
    subscriber.on('message', (channel: string, message: string) => {
      if (!channel.startsWith(this.channelPrefix)) return;
      const topic = channel.slice(this.channelPrefix.length);
      const set = this.listeners.get(topic);
      if (!set) return;
      let detail: unknown;
      try {
        detail = JSON.parse(message);
      } catch {
        return;
      }
      const event = new CustomEvent(topic, { detail });
      for (const l of set) l(event);
    });
  }

  private get channelPrefix(): string {
    return `${this.prefix}:ps:`;
  }

  addEventListener(topic: string, listener: Listener | { handleEvent: Listener } | null): void {
    if (!listener) return;
    const fn = typeof listener === 'function' ? listener : listener.handleEvent.bind(listener);
    let set = this.listeners.get(topic);
    if (!set) {
      set = new Set();
      this.listeners.set(topic, set);
      void this.subscriber.subscribe(this.channelPrefix + topic);
    }
    set.add(fn);
    (listener as { __kpFn?: Listener }).__kpFn = fn;
  }

  removeEventListener(topic: string, listener: Listener | { handleEvent: Listener } | null): void {
    if (!listener) return;
    const set = this.listeners.get(topic);
    if (!set) return;
    set.delete((listener as { __kpFn?: Listener }).__kpFn ?? (listener as Listener));
    if (set.size === 0) {
      this.listeners.delete(topic);
      void this.subscriber.unsubscribe(this.channelPrefix + topic);
    }
  }

  dispatchEvent(event: Event): boolean {
    const detail = (event as CustomEvent).detail;
    void this.publisher.publish(this.channelPrefix + event.type, JSON.stringify(detail ?? null));
    return true;
  }

  /** Publishes and resolves once Redis has accepted the message. */
  async publish(topic: string, detail: unknown): Promise<void> {
    await this.publisher.publish(this.channelPrefix + topic, JSON.stringify(detail ?? null));
  }
}

import { Repeater, SlidingBuffer } from '@graphql-yoga/subscription';
import { Actor } from '../principal/actor.ts';
import { invalidatedBecause } from '../principal/principal-check.ts';
import { verifyReaches } from '../auth/reach.ts';
import { isConsoleSessionId } from '../principal/session-record.ts';
import type { AppDeps } from '../service-context.ts';
import type { Invalidation } from './key-cache.ts';
import { pathIds } from '../principal/key-record.ts';

/**
 * What a host's SDK drops from its cache of key snapshots. READY comes first and means "from now
 * on every change is delivered" (drop everything cached before it); KEY drops that key (its public
 * keyId), USER every key acting as that user, ORGANIZATION and ALL everything.
 */
export type KeyInvalidationScope = 'READY' | 'KEY' | 'USER' | 'ORGANIZATION' | 'ALL';
export type KeyInvalidationItem =
  | { scope: KeyInvalidationScope; keyId: string | null; userId: string | null; organizationId: string | null; at: Date }
  | { closed: string };

/** Where an invalidation happened, looked up once per invalidation for every subscriber. */
type Located =
  | { scope: 'key'; keyId: string; keyPk: string; path: string }
  | { scope: 'user'; userId: string; path: string }
  | { scope: 'org'; organizationId: string; path: string }
  | { scope: 'all' }
  | null;

const BUFFER = 10_000;

function below(path: string, ancestor: string): boolean {
  return path === ancestor || (path.length > ancestor.length && path.startsWith(ancestor) && path.charCodeAt(ancestor.length) === 47);
}

/** Does this invalidation concern the subscriber itself (its key, user or organisation)? Then its reach may have changed. */
function concernsSelf(inv: Invalidation, actor: Actor): boolean {
  const k = actor.key;
  switch (inv.scope) {
    case 'key':
      return inv.keyId === k.keyId;
    case 'user':
      return inv.userId === k.userId;
    case 'org':
      return pathIds(k.organizationPath).includes(inv.organizationId);
    case 'all':
      return true;
  }
}

/**
 * The key-cache invalidations a host may learn of (subscription `keyInvalidations`), fed by the
 * process's invalidation dispatch (AppDeps.onInvalidation): one lookup per invalidation finds where
 * it happened, and each subscriber gets it only when that place is within its `keys:verify` reach
 * (reach.ts: verifyReaches). A change above the subscriber's organisation (an ancestor's catalogue,
 * roles, users) reaches it as ALL, without the other organisation's ids.
 */
export class InvalidationFeed {
  private readonly deps: AppDeps;
  private readonly located = new WeakMap<Invalidation, Promise<Located>>();

  constructor(deps: AppDeps) {
    this.deps = deps;
  }

  private locate(inv: Invalidation): Promise<Located> {
    let p = this.located.get(inv);
    if (!p) {
      p = this.find(inv).catch((err: unknown) => {
        this.deps.log.warn({ err }, 'invalidation feed: lookup failed; sending ALL');
        return { scope: 'all' } as const;
      });
      this.located.set(inv, p);
    }
    return p;
  }

  private async find(inv: Invalidation): Promise<Located> {
    const conn = this.deps.orm.em.getConnection();
    switch (inv.scope) {
      case 'key': {
        if (isConsoleSessionId(inv.keyId)) return null;
        const [row] = await conn.execute<{ id: string; path: string }[]>(
          'select k.id, o.path from api_key k join organization o on o.id = k.organization_id where k.key_id = ?',
          [inv.keyId],
        );
        return row ? { scope: 'key', keyId: inv.keyId, keyPk: row.id, path: row.path } : null;
      }
      case 'user': {
        const [row] = await conn.execute<{ path: string }[]>('select o.path from app_user u join organization o on o.id = u.organization_id where u.id = ?', [
          inv.userId,
        ]);
        return row ? { scope: 'user', userId: inv.userId, path: row.path } : null;
      }
      case 'org': {
        const [row] = await conn.execute<{ path: string }[]>('select path from organization where id = ?', [inv.organizationId]);
        return row ? { scope: 'org', organizationId: inv.organizationId, path: row.path } : null;
      }
      case 'all':
        return { scope: 'all' };
    }
  }

  /** What `actor` receives for `where`, or null when it is none of its business. */
  static forSubscriber(actor: Actor, where: Located, at: Date): KeyInvalidationItem | null {
    if (!where) return null;
    const all = { scope: 'ALL' as const, keyId: null, userId: null, organizationId: null, at };
    const own = actor.organizationPath;
    switch (where.scope) {
      case 'all':
        return all;
      case 'key':
        return verifyReaches(actor, where.path, where.keyPk) ? { scope: 'KEY', keyId: where.keyId, userId: null, organizationId: null, at } : null;
      case 'user':
        if (verifyReaches(actor, where.path, null)) return { scope: 'USER', keyId: null, userId: where.userId, organizationId: null, at };
        // A user above the subscriber's organisation may hold keys acting in it.
        return below(own, where.path) ? all : null;
      case 'org':
        if (verifyReaches(actor, where.path, null)) return { scope: 'ORGANIZATION', keyId: null, userId: null, organizationId: where.organizationId, at };
        return below(own, where.path) ? all : null;
    }
  }

  /**
   * The subscriber's stream: READY, then what concerns it. Ends (with `closed`) once the
   * subscriber's own key may no longer verify keys (revoked, expired, user disabled, permission
   * removed); the socket itself is closed by the graphql-ws layer for the first three.
   */
  subscribe(actor: Actor): AsyncIterableIterator<KeyInvalidationItem> {
    const { deps } = this;
    return new Repeater<KeyInvalidationItem>(async (push, stop) => {
      let current = actor;
      let chain = Promise.resolve();
      const handle = async (inv: Invalidation) => {
        const at = deps.now();
        if (concernsSelf(inv, current)) {
          const record = await deps.verifier.lookup(current.key.keyId);
          const why =
            invalidatedBecause(current.key, record, at.getTime(), current.meta.ip)?.reason ??
            (record && (record.kind === 'PUBLISHABLE' || !record.permissions.has('keys:verify')) ? 'the key no longer holds keys:verify' : null);
          if (why) {
            await push({ closed: why });
            return stop();
          }
          current = new Actor(record!, current.meta);
          // The subscriber's own reach may have changed: everything it cached is suspect.
          return void (await push({ scope: 'ALL', keyId: null, userId: null, organizationId: null, at }));
        }
        const item = InvalidationFeed.forSubscriber(current, await this.locate(inv), at);
        if (item) await push(item);
      };
      // In order, one at a time: a KEY must not overtake the READY or an ALL before it.
      const unlisten = deps.onInvalidation((inv) => {
        chain = chain.then(() => handle(inv)).catch((err: unknown) => deps.log.warn({ err }, 'invalidation feed: delivery failed'));
      });
      stop.then(unlisten);
      await push({ scope: 'READY', keyId: null, userId: null, organizationId: null, at: deps.now() });
      await stop;
    }, new SlidingBuffer(BUFFER));
  }
}

const feeds = new WeakMap<AppDeps, InvalidationFeed>();
export function invalidationFeed(deps: AppDeps): InvalidationFeed {
  let f = feeds.get(deps);
  if (!f) {
    f = new InvalidationFeed(deps);
    feeds.set(deps, f);
  }
  return f;
}

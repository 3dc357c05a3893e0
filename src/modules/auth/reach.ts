import type { EntityManager } from '@mikro-orm/postgresql';
import DataLoader from 'dataloader';
import { NotFoundError } from '../../lib/errors.ts';
import { allows } from '../../lib/permissions.ts';
import { AuditEntry } from '../../db/entities/audit-entry.entity.ts';
import { EventRecord } from '../../db/entities/event.entity.ts';
import { ApiKey } from '../../db/entities/api-key.entity.ts';
import { Notification } from '../../db/entities/notification.entity.ts';
import { Customer } from '../../db/entities/customer.entity.ts';
import { Organization } from '../../db/entities/organization.entity.ts';
import { Role } from '../../db/entities/role.entity.ts';
import { User } from '../../db/entities/user.entity.ts';
import { Delivery } from '../../db/entities/delivery.entity.ts';
import { WebhookEndpoint } from '../../db/entities/webhook-endpoint.entity.ts';
import type { Actor, OrgRef } from '../principal/actor.ts';

/**
 * Reach: the one place that decides whether the caller may see an organisation-owned object.
 *
 * Every object lives in one organisation; the caller sees it when its key acts there (its own
 * organisation, or a sub-account its grant covers) and holds the type's read permission (for the
 * object's own instance, when the permission is limited to chosen instances). A delivery also
 * needs the event it carries to be in reach. The caller always sees itself: its key, its user
 * and its organisation. What a service hands back from a mutation it just authorised can be
 * granted for the rest of the request.
 *
 * Services load objects through `load` (batched per request, null when out of reach); every
 * GraphQL object type of these kinds re-checks `sees` before it resolves (builder.ts), so a field
 * that forgets the loader fails closed.
 */
export const OWNED_TYPES = [
  'Organization',
  'User',
  'ApiKey',
  'Role',
  'WebhookEndpoint',
  'Delivery',
  'Event',
  'AuditEntry',
  'Notification',
  'Customer',
] as const;
export type OwnedType = (typeof OWNED_TYPES)[number];

/** The permission that reads each kind of object in its organisation. */
export const READ_PERMISSION: Readonly<Record<OwnedType, string>> = {
  Organization: 'organizations:read',
  User: 'users:read',
  ApiKey: 'keys:read',
  Role: 'roles:read',
  WebhookEndpoint: 'webhooks:read',
  Delivery: 'webhooks:read',
  Event: 'events:read',
  AuditEntry: 'audit:read',
  // An organisation's notifications are about its keys: its key admins read them.
  Notification: 'keys:read',
  Customer: 'customers:read',
};

/** The fields reach looks at; every entity (and the event stream's wire form) has them. */
type Owned = { id: string; organizationId?: string; path?: string; eventId?: string };

const ENTITIES = {
  Organization,
  User,
  ApiKey,
  Role,
  WebhookEndpoint,
  Delivery,
  Event: EventRecord,
  AuditEntry,
  Notification,
  Customer,
} as const;

type EntityOf = {
  Organization: Organization;
  User: User;
  ApiKey: ApiKey;
  Role: Role;
  WebhookEndpoint: WebhookEndpoint;
  Delivery: Delivery;
  Event: EventRecord;
  AuditEntry: AuditEntry;
  Notification: Notification;
  Customer: Customer;
};

const MAX_ID = 64;

function ownerOf(type: OwnedType, obj: Owned): string | undefined {
  return type === 'Organization' ? obj.id : obj.organizationId;
}

/**
 * The rule itself, for one object whose organisation is known: pure and synchronous, so lists,
 * nested fields, subscriptions and services all decide the same way.
 */
export function canRead(actor: Actor, type: OwnedType, obj: Owned, org: OrgRef | null): boolean {
  if (isSelf(actor, type, obj)) return true;
  if (!org) return false;
  return actor.may(READ_PERMISSION[type], org, type === 'ApiKey' ? obj.id : null);
}

function isSelf(actor: Actor, type: OwnedType, obj: Owned): boolean {
  switch (type) {
    case 'ApiKey':
      return obj.id === actor.key.id;
    case 'User':
      return obj.id === actor.userId;
    case 'Organization':
      return obj.id === actor.organizationId;
    default:
      return false;
  }
}

/** The key id inside a token (16 base62 characters): another name of an API key. */
const KEY_ID_RE = /^[0-9A-Za-z]{16}$/;

/** Per request: the caller, batched loaders, and what this request was granted. */
export class Reach {
  readonly actor: Actor;
  private readonly em: EntityManager;
  private readonly orgs: DataLoader<string, Organization | null>;
  private readonly eventOrgs: DataLoader<string, string | null>;
  private readonly loaders = new Map<OwnedType, DataLoader<string, Owned | null>>();
  private readonly granted = new Set<string>();
  private readonly batches = new Map<string, DataLoader<unknown, unknown>>();

  constructor(actor: Actor, em: EntityManager) {
    this.actor = actor;
    this.em = em;
    this.orgs = new DataLoader(async (ids) => {
      const rows = await em.find(Organization, { id: { $in: [...ids] } });
      const byId = new Map(rows.map((o) => [o.id, o]));
      return ids.map((id) => byId.get(id) ?? null);
    });
    this.eventOrgs = new DataLoader(async (ids) => {
      const rows = await em
        .getConnection()
        .execute<{ id: string; organization_id: string }[]>('select id, organization_id from event where id = any(array[?]::text[])', [[...ids]]);
      const byId = new Map(rows.map((r) => [r.id, r.organization_id]));
      return ids.map((id) => byId.get(id) ?? null);
    });
  }

  /** An organisation by id (batched; no reach check: callers decide with `sees` or `canActIn`). */
  org(id: string): Promise<Organization | null> {
    return id.length <= MAX_ID ? this.orgs.load(id) : Promise.resolve(null);
  }

  /** Marks an object the current operation authorised (e.g. what a mutation just created) as visible. */
  grant(type: OwnedType, id: string): void {
    this.granted.add(`${type}:${id}`);
  }

  /** Whether the caller may see `obj` (of `type`): the same rule everywhere. */
  async sees(type: OwnedType, obj: Owned): Promise<boolean> {
    if (this.granted.has(`${type}:${obj.id}`) || isSelf(this.actor, type, obj)) return true;
    const owner = ownerOf(type, obj);
    if (!owner) return false;
    const org = type === 'Organization' && typeof obj.path === 'string' ? (obj as OrgRef) : await this.org(owner);
    if (!canRead(this.actor, type, obj, org)) return false;
    if (type === 'Delivery') {
      // A delivery shows which event went where: the event's organisation must be in reach too.
      const eventOrgId = obj.eventId ? await this.eventOrgs.load(obj.eventId) : null;
      const eventOrg = eventOrgId ? await this.org(eventOrgId) : null;
      return eventOrg !== null && canRead(this.actor, 'Event', { id: obj.eventId!, organizationId: eventOrgId! }, eventOrg);
    }
    return true;
  }

  /**
   * Loads one object by id, batched with every other load of the type in this request; null when
   * missing, deleted (keys and endpoints) or out of reach.
   */
  async load<T extends OwnedType>(type: T, id: string | null | undefined): Promise<EntityOf[T] | null> {
    if (!id || id.length > MAX_ID) return null;
    const obj = await this.loader(type).load(id);
    return obj && (await this.sees(type, obj)) ? (obj as never) : null;
  }

  /**
   * Loads an object the caller may act on with `permission` (for keys: on this very key, when the
   * permission is limited to chosen keys). NotFound when it is missing or lives where the caller's
   * key does not act, so nobody learns what exists beyond their reach; Forbidden when it is within
   * reach but the permission is missing (the caller acts there: the answer tells it what to ask for).
   */
  async require<T extends OwnedType>(type: T, id: string, permission: string): Promise<{ obj: EntityOf[T]; org: Organization }> {
    const obj = id && id.length <= MAX_ID ? ((await this.loader(type).load(id)) as EntityOf[T] | null) : null;
    const org = obj ? await this.org(ownerOf(type, obj as Owned)!) : null;
    if (!obj || !org || !this.actor.canActIn(org)) throw new NotFoundError(type, id);
    if (type === 'Delivery') {
      const eventOrgId = await this.eventOrgs.load((obj as Delivery).eventId);
      const eventOrg = eventOrgId ? await this.org(eventOrgId) : null;
      if (!eventOrg || !this.actor.canActIn(eventOrg)) throw new NotFoundError(type, id);
      this.actor.require(READ_PERMISSION.Event, eventOrg);
    }
    this.actor.require(permission, org, type === 'ApiKey' ? (obj as Owned).id : null);
    return { obj, org };
  }

  /** Keeps the objects the caller may see, in order. */
  async filter<O extends Owned>(type: OwnedType, objs: readonly O[]): Promise<O[]> {
    const keep = await Promise.all(objs.map((o) => this.sees(type, o)));
    return objs.filter((_, i) => keep[i]);
  }

  /**
   * A loader of this request for what nested fields fetch per parent row (a user's roles, a key's
   * recent verifications): calls in one tick go out as one query. Not cached, so a mutation's
   * payload read after its writes sees them.
   */
  batched<K, V>(name: string, load: (keys: readonly K[]) => Promise<V[]>): DataLoader<K, V> {
    let l = this.batches.get(name) as DataLoader<K, V> | undefined;
    if (!l) {
      l = new DataLoader<K, V>(load, { cache: false });
      this.batches.set(name, l as DataLoader<unknown, unknown>);
    }
    return l;
  }

  private loader(type: OwnedType): DataLoader<string, Owned | null> {
    let l = this.loaders.get(type);
    if (!l) {
      const entity = ENTITIES[type];
      const em = this.em;
      l = new DataLoader(async (ids) => {
        // A key may be named by its id (key_…) or by the key id inside its token: either finds it.
        const keyIds = type === 'ApiKey' ? ids.filter((id) => KEY_ID_RE.test(id)) : [];
        const where: Record<string, unknown> = keyIds.length ? { $or: [{ id: { $in: [...ids] } }, { keyId: { $in: keyIds } }] } : { id: { $in: [...ids] } };
        if (type === 'ApiKey' || type === 'WebhookEndpoint') where.deletedAt = null;
        const rows = (await em.find(entity as never, where as never)) as (Owned & { keyId?: string })[];
        const byId = new Map<string, Owned>();
        for (const r of rows) {
          byId.set(r.id, r);
          if (type === 'ApiKey' && r.keyId) byId.set(r.keyId, r);
        }
        return ids.map((id) => byId.get(id) ?? null);
      });
      this.loaders.set(type, l);
    }
    return l;
  }
}

/**
 * The same rule as `canActIn`, as SQL over an organisation path expression (e.g. `o.path`), for
 * lists that must filter by reach inside the query (so pages keep their size). Parameters are
 * positional (`?`).
 */
export function reachSql(actor: Actor, pathExpr: string): { sql: string; params: unknown[] } {
  const own = actor.organizationPath;
  const grant = actor.key.subAccounts;
  if (grant.mode === 'ALL') return { sql: `(${pathExpr} = ? or starts_with(${pathExpr}, ?))`, params: [own, `${own}/`] };
  if (grant.mode === 'SELECTED' && grant.ids.length)
    return {
      sql: `(${pathExpr} = ? or (starts_with(${pathExpr}, ?) and string_to_array(${pathExpr}, '/') && array[?]::text[]))`,
      params: [own, `${own}/`, grant.ids],
    };
  return { sql: `(${pathExpr} = ?)`, params: [own] };
}

/**
 * Where `keys:verify` reaches: the caller's organisation and everything below it (verifying is not
 * acting in a sub-account, so no sub-account grant is needed), and, when the caller's grant is
 * limited to chosen keys, only those (`keyPk`: the key's ApiKey.id; null asks about the place only).
 * One rule for verification, key snapshots, reported verifications and the invalidation feed.
 */
export function verifyReaches(actor: Actor, path: string, keyPk: string | null): boolean {
  if (actor.isPublishable || !actor.has('keys:verify')) return false;
  const own = actor.organizationPath;
  const below = path === own || (path.length > own.length && path.startsWith(own) && path.charCodeAt(own.length) === 47) /* '/' */;
  if (!below) return false;
  return keyPk === null || allows(actor.permissions, 'keys:verify', keyPk);
}

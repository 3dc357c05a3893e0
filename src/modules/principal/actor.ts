import { ForbiddenError } from '../../lib/errors.ts';
import { allows, type PermissionMap } from '../../lib/permissions.ts';
import type { PrincipalRecord } from './key-record.ts';
import { pathIds } from './key-record.ts';

export type OrgRef = { id: string; path: string };

export type RequestMeta = { requestId: string; ip: string | null; userAgent: string | null };

/**
 * The authenticated caller: a key acting as its user, restricted to the key's effective
 * permissions, in its own organisation and the sub-accounts it is granted.
 */
export class Actor {
  readonly key: PrincipalRecord;
  readonly meta: RequestMeta;

  constructor(key: PrincipalRecord, meta: RequestMeta) {
    this.key = key;
    this.meta = meta;
  }

  get organizationId(): string {
    return this.key.organizationId;
  }
  get organizationPath(): string {
    return this.key.organizationPath;
  }
  get userId(): string {
    return this.key.userId;
  }
  get permissions(): PermissionMap {
    return this.key.permissions;
  }
  get isPublishable(): boolean {
    return this.key.kind === 'PUBLISHABLE';
  }

  /** Coarse check used by schema scopes: the permission is held somewhere. */
  has(permission: string): boolean {
    return this.key.permissions.has(permission);
  }

  /** Own organisation, or a descendant the key's sub-account grant covers. */
  canActIn(org: OrgRef): boolean {
    if (org.id === this.key.organizationId) return true;
    const own = this.key.organizationPath;
    if (!org.path.startsWith(`${own}/`)) return false;
    const grant = this.key.subAccounts;
    if (grant.mode === 'ALL') return true;
    if (grant.mode === 'SELECTED') {
      const below = pathIds(org.path.slice(own.length + 1));
      return below.some((id) => grant.ids.includes(id));
    }
    return false;
  }

  /** Fine-grained check in a specific organisation (and optionally resource instance). */
  require(permission: string, org: OrgRef, resourceId?: string | null): void {
    if (this.isPublishable) {
      // Publishable keys hold public host-application actions only; never management or verify.
      throw new ForbiddenError('Publishable keys cannot call management operations', permission);
    }
    if (!this.canActIn(org)) throw new ForbiddenError('Not allowed in this organization', permission);
    if (!allows(this.key.permissions, permission, resourceId ?? null)) throw new ForbiddenError(`Missing permission ${permission}`, permission);
  }

  /** Like require, but only tells: for filtering lists and deciding reach. */
  may(permission: string, org: OrgRef, resourceId?: string | null): boolean {
    return !this.isPublishable && this.canActIn(org) && allows(this.key.permissions, permission, resourceId ?? null);
  }

  /** Where audit entries and created records get their "source" from. */
  get source(): { actorUserId: string; actorKeyId: string; actorKeyName: string } {
    return { actorUserId: this.key.userId, actorKeyId: this.key.id, actorKeyName: this.key.name };
  }
}

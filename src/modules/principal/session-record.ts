import type { EntityManager } from '@mikro-orm/postgresql';
import type { SubAccountGrant } from '../../db/entities/api-key.entity.ts';
import { loadUserPermissions, type PrincipalRecord } from './key-record.ts';
import type { PermissionMap } from '../../lib/permissions.ts';
import type { UserStatus } from '../../db/entities/user.entity.ts';

/** Console session ids share the key cache and KeyVerifier.lookup with key ids; they never parse as one. */
export function isConsoleSessionId(id: string): boolean {
  return id.startsWith('cs_');
}

type SessionRow = {
  id: string;
  user_id: string;
  user_name: string;
  user_status: UserStatus;
  organization_id: string;
  org_path: string;
  session_hash: Buffer;
  // Raw queries return timestamptz columns as strings.
  expires_at: Date | string;
  revoked_at: Date | string | null;
  sub_accounts: SubAccountGrant;
};

const SESSION_SQL = `
select s.id, s.user_id, u.name as user_name, u.status as user_status, u.organization_id, o.path as org_path,
       s.session_hash, s.expires_at, s.revoked_at, s.sub_accounts
  from console_session s
  join app_user u on u.id = s.user_id
  join organization o on o.id = u.organization_id
 where s.id = ? and s.session_hash is not null`;

/**
 * The principal a console session acts as: its user with no restriction (the user's full
 * effective permissions), no key limits or credits, named `console:<user>` so audit entries show
 * where a change came from.
 */
export function sessionRecord(row: Omit<SessionRow, 'session_hash'> & { session_hash: Buffer }, permissions: PermissionMap): PrincipalRecord {
  return {
    principal: 'console_session',
    id: row.id,
    keyId: row.id,
    kind: 'SECRET',
    name: `console:${row.user_name}`.slice(0, 200),
    status: row.revoked_at ? 'REVOKED' : 'ACTIVE',
    organizationId: row.organization_id,
    organizationPath: row.org_path,
    userId: row.user_id,
    userStatus: row.user_status,
    userOrganizationPath: row.org_path,
    secretHash: row.session_hash,
    previousSecretHash: null,
    previousSecretExpiresAt: null,
    validFrom: null,
    validUntil: new Date(row.expires_at).getTime(),
    allowedIps: [],
    subAccounts: row.sub_accounts,
    rateLimit: null,
    hasCredits: false,
    creditsEpoch: 0,
    creditsRefill: null,
    customer: null,
    permissions,
    withheldFields: new Map(),
    loadedAt: Date.now(),
  };
}

/** Loads a session's principal beside loadKeyRecord, reusing its permission resolution. Null: no such (exchanged) session. */
export async function loadSessionRecord(em: EntityManager, sessionId: string): Promise<PrincipalRecord | null> {
  const rows = await em.getConnection().execute<SessionRow[]>(SESSION_SQL, [sessionId]);
  const row = rows[0];
  if (!row) return null;
  return sessionRecord(row, await loadUserPermissions(em, row.user_id, row.org_path));
}

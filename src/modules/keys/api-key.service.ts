import { type EntityManager, raw } from '@mikro-orm/postgresql';
import { z } from 'zod';
import { ConflictError, ForbiddenError, fromZodIssues, NotFoundError, ValidationError } from '../../lib/errors.ts';
import { createdAtKeyset, pageSize, toConnection, type PageArgs } from '../../lib/pagination.ts';
import { firstNotCovered, fromGrants, toGrants, type Grant } from '../../lib/permissions.ts';
import { displayStart, hashSecret, mintCredential } from '../../lib/token.ts';
import { diff, recordAudit } from '../audit/audit.service.ts';
import { assertHolds, assertMayManageKey, isUnrestricted, keyPermissionMap, publicActions, reachesAllBelow, userPermissionMap } from '../auth/policy.ts';
import { assertKnownPermissions } from '../principal/resource-definitions.ts';
import { recordEvent } from '../events/event.service.ts';
import { Organization } from '../../db/entities/organization.entity.ts';
import { targetOrganization } from '../auth/org-access.ts';
import { commit, type ServiceContext, listRead } from '../service-context.ts';
import { resolveKeyCustomer } from '../customers/customer.service.ts';
import { assertKeyPolicy, effectiveKeyPolicy, violationSql } from '../orgs/key-policy.ts';
import { calendarRefill } from '../limits/credit-refill.ts';
import type { User } from '../../db/entities/user.entity.ts';
import { ApiKey, KEY_KINDS, KEY_STATUSES, type SubAccountGrant } from '../../db/entities/api-key.entity.ts';
import { issueKey } from './api-key.factory.ts';
import { DAY_MS, keyExpiresAt } from './key-expiry.ts';
import { normaliseIpEntry } from '../../lib/ip.ts';

export const MAX_ALLOWED_IPS = 100;
export const MAX_METADATA_BYTES = 4096;
export const MAX_GRACE_SECONDS = 7 * 86_400;
export const MAX_SELECTED_SUB_ACCOUNTS = 100;

const id = z.string().min(1).max(64);
const name = z.string().trim().min(1).max(200);
const description = z.string().max(1000);
const grant = z.object({
  permission: z.string().min(1).max(100),
  resourceIds: z.array(z.string().min(1).max(128)).min(1).max(1000).nullish(),
});
const grants = z.array(grant).max(200);
const subAccounts = z.object({
  mode: z.enum(['NONE', 'ALL', 'SELECTED']),
  organizationIds: z.array(id).max(MAX_SELECTED_SUB_ACCOUNTS).nullish(),
});
const rateLimit = z.object({ limit: z.number().int().min(1).max(1_000_000), windowSeconds: z.number().int().min(1).max(86_400) });
const credits = z.number().int().min(0).max(1_000_000_000);
const metadata = z
  .record(z.string().max(100), z.unknown())
  .refine((m) => Buffer.byteLength(JSON.stringify(m)) <= MAX_METADATA_BYTES, `at most ${MAX_METADATA_BYTES} bytes of JSON`);
const allowedIps = z.array(z.string().max(100)).max(MAX_ALLOWED_IPS);

const createSchema = z.object({
  name,
  description: description.nullish(),
  kind: z.enum(KEY_KINDS).nullish(),
  userId: id.nullish(),
  organizationId: id.nullish(),
  permissions: grants.nullish(),
  validFrom: z.date().nullish(),
  validUntil: z.date().nullish(),
  allowedIps: allowedIps.nullish(),
  subAccounts: subAccounts.nullish(),
  rateLimit: rateLimit.nullish(),
  credits: credits.nullish(),
  metadata: metadata.nullish(),
  customerId: id.nullish(),
  creditsRefill: calendarRefill.nullish(),
});
// In updates `undefined` (field absent) keeps the value and `null` clears it.
const updateSchema = z.object({
  id,
  name: name.nullish(),
  description: description.nullish(),
  userId: id.nullish(),
  permissions: grants.nullish(),
  validFrom: z.date().nullish(),
  validUntil: z.date().nullish(),
  allowedIps: allowedIps.nullish(),
  subAccounts: subAccounts.nullish(),
  rateLimit: rateLimit.nullish(),
  credits: credits.nullish(),
  metadata: metadata.nullish(),
  customerId: id.nullish(),
  creditsRefill: calendarRefill.nullish(),
});
const rotateSchema = z.object({ id, gracePeriodSeconds: z.number().int().min(0).max(MAX_GRACE_SECONDS).nullish() });
const revokeSchema = z.object({ id, reason: z.string().trim().max(500).nullish() });
const deleteSchema = z.object({ id });
const filterSchema = z.object({
  status: z.enum(KEY_STATUSES).nullish(),
  kind: z.enum(KEY_KINDS).nullish(),
  userId: id.nullish(),
  organizationId: id.nullish(),
  search: z.string().max(200).nullish(),
  lastUsedBefore: z.date().nullish(),
  expiresBefore: z.date().nullish(),
  customerId: id.nullish(),
  policyViolations: z.boolean().nullish(),
});

/** A key and the credential minted for it: the only place a plaintext secret exists. */
export type IssuedApiKey = { apiKey: ApiKey; secret: string; token: string };

/**
 * The key as events, audit entries and webhooks carry it: no secret, no token, no hash (the
 * display `start` is the prefix shown in every list).
 */
export function apiKeyJson(k: ApiKey) {
  return {
    id: k.id,
    keyId: k.keyId,
    name: k.name,
    description: k.description ?? null,
    kind: k.kind,
    status: k.status,
    start: k.start,
    organizationId: k.organizationId,
    userId: k.userId,
    permissions: k.permissions ?? null,
    validFrom: k.validFrom?.toISOString() ?? null,
    validUntil: k.validUntil?.toISOString() ?? null,
    allowedIps: k.allowedIps,
    subAccounts: k.subAccounts,
    rateLimit: k.rateLimit ?? null,
    credits: k.credits ?? null,
    metadata: k.metadata,
    source: k.source ?? null,
    lastUsedAt: k.lastUsedAt?.toISOString() ?? null,
    rotatedAt: k.rotatedAt?.toISOString() ?? null,
    revokedAt: k.revokedAt?.toISOString() ?? null,
    revokedReason: k.revokedReason ?? null,
    leakedAt: k.leakedAt?.toISOString() ?? null,
    customerId: k.customerId ?? null,
    createdAt: k.createdAt.toISOString(),
  };
}

const UPDATABLE: (keyof ReturnType<typeof apiKeyJson>)[] = [
  'name',
  'description',
  'userId',
  'permissions',
  'validFrom',
  'validUntil',
  'allowedIps',
  'subAccounts',
  'rateLimit',
  'credits',
  'metadata',
  'customerId',
];

/** `expiresAt`: the earlier of `validUntil` and the inactivity expiry; null once the key is no longer active. */
export function apiKeyExpiresAt(k: ApiKey, org: Pick<Organization, 'inactivityDays'>): Date | null {
  if (k.status !== 'ACTIVE') return null;
  return keyExpiresAt({ lastActivityAt: k.lastActivityAt, validUntil: k.validUntil ?? null }, org.inactivityDays);
}

function normaliseAllowedIps(entries: string[], field: string): string[] {
  const out: string[] = [];
  const problems = entries.flatMap((raw, i) => {
    const n = normaliseIpEntry(raw);
    if (n === null) return [{ path: `${field}.${i}`, message: `not an IPv4/IPv6 address or CIDR block: ${JSON.stringify(raw.slice(0, 64))}` }];
    if (!out.includes(n)) out.push(n);
    return [];
  });
  if (problems.length) throw new ValidationError(problems.map((p) => `${p.path}: ${p.message}`).join('; '), problems);
  return out;
}

function parseFilter<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  const r = schema.safeParse(value ?? {});
  if (!r.success) throw fromZodIssues(r.error.issues, 'filter');
  return r.data;
}

const isWithin = (org: Pick<Organization, 'path'>, ancestor: Pick<Organization, 'path'>) =>
  org.path === ancestor.path || org.path.startsWith(`${ancestor.path}/`);

/** Loads a key the caller may act on with `permission`; NotFound when deleted or out of reach. */
export async function getApiKeyFor(ctx: ServiceContext, apiKeyId: string, permission: string): Promise<{ key: ApiKey; org: Organization }> {
  const { obj, org } = await ctx.reach.require('ApiKey', apiKeyId, permission);
  return { key: obj, org };
}

/** A key the caller may read, or null (missing, deleted or out of reach). */
export function findApiKey(ctx: ServiceContext, apiKeyId: string): Promise<ApiKey | null> {
  return ctx.reach.load('ApiKey', apiKeyId);
}

export type ApiKeyFilter = z.input<typeof filterSchema>;

/**
 * Keys of one organisation (default: the caller's), oldest first. Integration keys are listed
 * apart: they appear only when `kind: INTEGRATION` is asked for. A key never used counts as
 * "last used before" any date; `expiresBefore` matches active keys only.
 */
export async function listApiKeys(ctx: ServiceContext, filter: ApiKeyFilter | null | undefined, page: PageArgs) {
  const f = parseFilter(filterSchema, filter);
  const org = await targetOrganization(ctx, f.organizationId, 'keys:read');
  const limit = pageSize(page.first);
  const ks = createdAtKeyset(page.after);
  const search = f.search ? `%${f.search.replace(/[\\%_]/g, '\\$&')}%` : null;
  const expiresBefore = f.expiresBefore
    ? {
        status: 'ACTIVE',
        $or: [
          { validUntil: { $lt: f.expiresBefore } },
          ...(org.inactivityDays > 0 ? [{ lastActivityAt: { $lt: new Date(f.expiresBefore.getTime() - org.inactivityDays * DAY_MS) } }] : []),
        ],
      }
    : {};
  // Keys that break the organisation's key policies now (made before a policy was adopted).
  let violating: object = {};
  if (f.policyViolations) {
    const rule = violationSql(await effectiveKeyPolicy(ctx.em, org));
    violating = rule ? { [raw((alias: string) => rule.sql.replaceAll('k.', `${alias}.`), rule.params)]: [] } : { id: null };
  }
  const filters = [
    { organizationId: org.id, deletedAt: null },
    { kind: f.kind ?? { $ne: 'INTEGRATION' } },
    f.status ? { status: f.status } : {},
    f.userId ? { userId: f.userId } : {},
    f.customerId ? { customerId: f.customerId } : {},
    violating,
    search ? { $or: [{ name: { $ilike: search } }, { description: { $ilike: search } }, { start: { $ilike: search } }] } : {},
    f.lastUsedBefore ? { $or: [{ lastUsedAt: null }, { lastUsedAt: { $lt: f.lastUsedBefore } }] } : {},
    expiresBefore,
  ];
  // A list page: from the read replica unless the caller just wrote (read-your-writes).
  const read = await listRead(ctx);
  const rows = await ctx.em.find(ApiKey, { $and: [ks.where, ...filters] }, { orderBy: ks.orderBy, limit: limit + 1, ...read });
  return toConnection(rows, limit, ks.cursorOf, ks.hasPrevious, () => ctx.em.count(ApiKey, { $and: filters }, read));
}

/** Validates a sub-account grant for a key of `org`: only sub-accounts below it that the caller itself reaches. */
async function checkSubAccounts(ctx: ServiceContext, org: Organization, input: z.infer<typeof subAccounts> | null, field: string): Promise<SubAccountGrant> {
  if (!input || input.mode === 'NONE') {
    if (input?.organizationIds?.length) throw ValidationError.field(`${field}.organizationIds`, 'only with mode SELECTED');
    return { mode: 'NONE' };
  }
  if (input.mode === 'ALL') {
    if (input.organizationIds?.length) throw ValidationError.field(`${field}.organizationIds`, 'only with mode SELECTED');
    if (!reachesAllBelow(ctx.actor, org)) throw new ForbiddenError('Cannot grant every sub-account: the calling key does not reach them all');
    return { mode: 'ALL' };
  }
  const ids = [...new Set(input.organizationIds ?? [])];
  if (ids.length === 0) throw ValidationError.field(`${field}.organizationIds`, 'give at least one sub-account, or use mode NONE');
  const found = await ctx.em.find(Organization, { id: { $in: ids } });
  const byId = new Map(found.map((o) => [o.id, o]));
  // Unknown, outside this key's organisation and beyond the caller's reach all read the same.
  const problems = ids.flatMap((oid, i) => {
    const o = byId.get(oid);
    return o?.path.startsWith(`${org.path}/`) && ctx.actor.canActIn(o)
      ? []
      : [{ path: `${field}.organizationIds.${i}`, message: `sub-account ${oid} not found` }];
  });
  if (problems.length) throw new ValidationError(problems.map((p) => `${p.path}: ${p.message}`).join('; '), problems);
  return { mode: 'SELECTED', ids };
}

/**
 * The user a key of `org` acts as. The caller's own user needs nothing more; any other user must
 * be in reach with `users:write` (acting as someone else is an administrator's act). The key's
 * organisation must be the user's or one of its sub-accounts, and the user active.
 */
/** The caller's own user, which it always sees (reach.ts). */
async function ownUser(ctx: ServiceContext): Promise<{ user: User; org: Organization }> {
  const user = await ctx.reach.load('User', ctx.actor.userId);
  const org = user ? await ctx.reach.org(user.organizationId) : null;
  if (!user || !org) throw new NotFoundError('User', ctx.actor.userId);
  return { user, org };
}

async function resolveKeyUser(ctx: ServiceContext, userId: string, org: Organization, field: string): Promise<User> {
  const { user, org: userOrg } =
    userId === ctx.actor.userId ? await ownUser(ctx) : await ctx.reach.require('User', userId, 'users:write').then((r) => ({ user: r.obj, org: r.org }));
  if (user.status !== 'ACTIVE') throw ValidationError.field(field, `the user is ${user.status.toLowerCase()}`);
  if (!isWithin(org, userOrg)) throw ValidationError.field(field, 'the user belongs neither to the key’s organization nor to an organization above it');
  return user;
}

/**
 * Validates a permission restriction for a key of `kind` acting as `user`: known permissions,
 * within the user's, public actions only for publishable keys, and within the caller's own.
 * Returns the stored form (`null` = all of the user's permissions).
 */
async function checkRestriction(
  ctx: ServiceContext,
  k: { org: Organization; user: User; kind: ApiKey['kind']; permissions: Grant[] | null },
  field: string,
): Promise<Grant[] | null> {
  if (isUnrestricted(k.permissions)) {
    assertHolds(ctx.actor, await keyPermissionMap(ctx, { ...k, permissions: null }), 'A key without a permissions restriction');
    return null;
  }
  const raw = k.permissions!;
  await assertKnownPermissions(
    ctx.em,
    k.org,
    raw.map((g) => g.permission),
    field,
  );
  const requested = fromGrants(raw);
  const notHeld = firstNotCovered(requested, await userPermissionMap(ctx, k.user));
  if (notHeld) throw ValidationError.field(field, `the key’s user does not hold ${notHeld}`);
  if (k.kind === 'PUBLISHABLE') {
    const pub = await publicActions(ctx, k.org);
    const i = raw.findIndex((g) => !pub.has(g.permission));
    if (i >= 0) throw ValidationError.field(`${field}.${i}`, `${raw[i]!.permission} is not a public action; publishable keys hold only public actions`);
  }
  assertHolds(ctx.actor, requested, 'The key');
  return toGrants(requested);
}

function checkWindow(validFrom: Date | null, validUntil: Date | null, now: Date, untilChanged: boolean): void {
  if (validFrom && validUntil && validFrom.getTime() >= validUntil.getTime()) throw ValidationError.field('input.validUntil', 'must be after validFrom');
  if (untilChanged && validUntil && validUntil.getTime() <= now.getTime()) throw ValidationError.field('input.validUntil', 'must be in the future');
}

function assertActive(key: ApiKey, action: string): void {
  if (key.status !== 'ACTIVE') throw new ConflictError(`The key is ${key.status.toLowerCase()}: it cannot be ${action}`);
}

const source = (ctx: ServiceContext) => ({ createdByUserId: ctx.actor.userId, createdByKeyId: ctx.actor.key.id, source: ctx.actor.key.name });

/**
 * Creates a key (kind SECRET by default) acting as `userId` (default: the caller's user) in
 * `organizationId` (default: the caller's). Its restriction, sub-account grant and user are all
 * checked against what the caller holds. The token and secret are returned here only.
 */
export async function createApiKey(ctx: ServiceContext, data: z.output<typeof createSchema>): Promise<IssuedApiKey> {
  const now = ctx.deps.now();
  const org = await targetOrganization(ctx, data.organizationId, 'keys:write');
  const kind = data.kind ?? 'SECRET';
  const user = await resolveKeyUser(ctx, data.userId ?? ctx.actor.userId, org, 'input.userId');
  const permissions = await checkRestriction(ctx, { org, user, kind, permissions: data.permissions ?? null }, 'input.permissions');
  const grant = await checkSubAccounts(ctx, org, data.subAccounts ?? null, 'input.subAccounts');
  checkWindow(data.validFrom ?? null, data.validUntil ?? null, now, true);
  const allowedIps = normaliseAllowedIps(data.allowedIps ?? [], 'input.allowedIps');
  assertKeyPolicy(await effectiveKeyPolicy(ctx.em, org), { kind, validUntil: data.validUntil ?? null, allowedIps }, now);
  const customer = data.customerId ? await resolveKeyCustomer(ctx, data.customerId, org, 'input.customerId') : null;
  const issued = issueKey(ctx.em, ctx.deps.config.pepper, {
    customerId: customer?.id ?? null,
    organizationId: org.id,
    userId: user.id,
    kind,
    name: data.name,
    description: data.description ?? null,
    permissions,
    validFrom: data.validFrom ?? null,
    validUntil: data.validUntil ?? null,
    allowedIps,
    subAccounts: grant,
    rateLimit: data.rateLimit ?? null,
    credits: data.credits ?? null,
    creditsRefill: data.creditsRefill ?? null,
    metadata: (data.metadata as Record<string, unknown> | null | undefined) ?? {},
    ...source(ctx),
    now,
  });
  const json = apiKeyJson(issued.apiKey);
  recordEvent(ctx.em, { type: 'api_key.created', organizationId: org.id, keyId: issued.apiKey.id, data: { apiKey: json }, at: now });
  const { id: _id, createdAt: _c, ...fields } = json;
  recordAudit(ctx.em, ctx.actor, {
    organizationId: org.id,
    action: 'api_key.create',
    targetType: 'ApiKey',
    targetId: issued.apiKey.id,
    changes: Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, { new: v }])),
  });
  await commit(ctx);
  return issued;
}

/**
 * Changes a key's settings, or moves it to act as another user. Every change is re-checked
 * against the caller (who must hold what the key can do before and after), and the key is
 * dropped from every replica's cache so the next request sees it.
 */
export async function updateApiKey(ctx: ServiceContext, data: z.output<typeof updateSchema>): Promise<ApiKey> {
  const now = ctx.deps.now();
  const { key, org } = await getApiKeyFor(ctx, data.id, 'keys:write');
  assertActive(key, 'changed');
  const currentUser = await assertMayManageKey(ctx, key, org, { actAsUser: false });
  const before = apiKeyJson(key);

  const user = data.userId != null && data.userId !== key.userId ? await resolveKeyUser(ctx, data.userId, org, 'input.userId') : currentUser;
  if (data.permissions !== undefined || user !== currentUser) {
    const requested = data.permissions !== undefined ? data.permissions : (key.permissions ?? null);
    key.permissions = await checkRestriction(ctx, { org, user, kind: key.kind, permissions: requested }, 'input.permissions');
  }
  key.userId = user.id;
  if (data.name != null) key.name = data.name;
  if (data.description !== undefined) key.description = data.description;
  if (data.validFrom !== undefined) key.validFrom = data.validFrom;
  if (data.validUntil !== undefined) key.validUntil = data.validUntil;
  checkWindow(key.validFrom ?? null, key.validUntil ?? null, now, data.validUntil != null);
  if (data.allowedIps !== undefined) key.allowedIps = normaliseAllowedIps(data.allowedIps ?? [], 'input.allowedIps');
  if (data.subAccounts !== undefined) key.subAccounts = await checkSubAccounts(ctx, org, data.subAccounts, 'input.subAccounts');
  if (data.rateLimit !== undefined) key.rateLimit = data.rateLimit;
  if (data.credits !== undefined) key.credits = data.credits;
  if (data.creditsRefill !== undefined) key.creditsRefill = data.creditsRefill;
  if (data.metadata !== undefined) key.metadata = (data.metadata as Record<string, unknown> | null) ?? {};
  if (data.customerId !== undefined)
    key.customerId = data.customerId === null ? null : (await resolveKeyCustomer(ctx, data.customerId, org, 'input.customerId')).id;

  const after = apiKeyJson(key);
  const changes = diff(before, after, UPDATABLE);
  if (Object.keys(changes).length === 0) return key;
  assertKeyPolicy(await effectiveKeyPolicy(ctx.em, org), { kind: key.kind, validUntil: key.validUntil ?? null, allowedIps: key.allowedIps }, now);
  recordEvent(ctx.em, { type: 'api_key.updated', organizationId: org.id, keyId: key.id, data: { apiKey: after, changes }, at: now });
  recordAudit(ctx.em, ctx.actor, { organizationId: org.id, action: 'api_key.update', targetType: 'ApiKey', targetId: key.id, changes });
  await commit(ctx, [{ scope: 'key', keyId: key.keyId }]);
  return key;
}

/**
 * Issues a new secret for the same key id. The old secret keeps working for
 * `gracePeriodSeconds` (0 by default: it stops at once; at most 7 days), then fails.
 */
export async function rotateApiKey(ctx: ServiceContext, data: z.output<typeof rotateSchema>): Promise<IssuedApiKey> {
  const now = ctx.deps.now();
  const { key, org } = await getApiKeyFor(ctx, data.id, 'keys:write');
  assertActive(key, 'rotated');
  await assertMayManageKey(ctx, key, org, { actAsUser: true });
  // A key that breaks a policy adopted after it was made is brought into line before it gets a new secret.
  assertKeyPolicy(await effectiveKeyPolicy(ctx.em, org), { kind: key.kind, validUntil: key.validUntil ?? null, allowedIps: key.allowedIps }, now);
  const grace = data.gracePeriodSeconds ?? 0;
  const before = { start: key.start, previousSecretExpiresAt: key.previousSecretExpiresAt?.toISOString() ?? null };
  const { secret, token } = mintCredential(key.kind, key.keyId);
  // Kept after its grace too (until the next rotation): a retired secret then answers ROTATED, not NOT_FOUND.
  key.previousSecretHash = key.secretHash;
  key.previousSecretExpiresAt = new Date(now.getTime() + grace * 1000);
  key.secretHash = hashSecret(ctx.deps.config.pepper, key.keyId, secret);
  key.start = displayStart(key.kind, key.keyId, secret);
  key.rotatedAt = now;
  key.lastActivityAt = now;
  const previousSecretExpiresAt = grace > 0 ? key.previousSecretExpiresAt.toISOString() : null;
  recordEvent(ctx.em, {
    type: 'api_key.rotated',
    organizationId: org.id,
    keyId: key.id,
    data: { apiKey: apiKeyJson(key), gracePeriodSeconds: grace, previousSecretExpiresAt },
    at: now,
  });
  recordAudit(ctx.em, ctx.actor, {
    organizationId: org.id,
    action: 'api_key.rotate',
    targetType: 'ApiKey',
    targetId: key.id,
    changes: { start: { old: before.start, new: key.start }, previousSecretExpiresAt: { old: before.previousSecretExpiresAt, new: previousSecretExpiresAt } },
  });
  await commit(ctx, [{ scope: 'key', keyId: key.keyId }]);
  return { apiKey: key, secret, token };
}

/**
 * Revokes a key on the unit of work: status, time, reason, no more previous secret, and the
 * api_key.revoked event. The caller audits, commits and invalidates (a person's revocation and
 * one by secret scanning differ only there).
 */
export function markRevoked(em: EntityManager, key: ApiKey, reason: string | null, at: Date): void {
  key.status = 'REVOKED';
  key.revokedAt = at;
  key.revokedReason = reason;
  key.previousSecretHash = null;
  key.previousSecretExpiresAt = null;
  recordEvent(em, { type: 'api_key.revoked', organizationId: key.organizationId, keyId: key.id, data: { apiKey: apiKeyJson(key), reason }, at });
}

/** Revokes a key at once and for good: its next request gets 401 on every replica. */
export async function revokeApiKey(ctx: ServiceContext, data: z.output<typeof revokeSchema>): Promise<ApiKey> {
  const now = ctx.deps.now();
  const { key, org } = await getApiKeyFor(ctx, data.id, 'keys:write');
  if (key.status === 'REVOKED') throw new ConflictError('The key is already revoked');
  await assertMayManageKey(ctx, key, org, { actAsUser: false });
  const before = { status: key.status };
  markRevoked(ctx.em, key, data.reason || null, now);
  recordAudit(ctx.em, ctx.actor, {
    organizationId: org.id,
    action: 'api_key.revoke',
    targetType: 'ApiKey',
    targetId: key.id,
    changes: { status: { old: before.status, new: key.status }, revokedReason: { new: key.revokedReason } },
  });
  await commit(ctx, [{ scope: 'key', keyId: key.keyId }]);
  return key;
}

/** Deletes a key: gone for clients (queries, verification), kept for the audit trail. */
export async function deleteApiKey(ctx: ServiceContext, data: z.output<typeof deleteSchema>): Promise<ApiKey> {
  const now = ctx.deps.now();
  const { key, org } = await getApiKeyFor(ctx, data.id, 'keys:write');
  await assertMayManageKey(ctx, key, org, { actAsUser: false });
  key.deletedAt = now;
  key.previousSecretHash = null;
  key.previousSecretExpiresAt = null;
  recordEvent(ctx.em, { type: 'api_key.deleted', organizationId: org.id, keyId: key.id, data: { apiKey: apiKeyJson(key) }, at: now });
  recordAudit(ctx.em, ctx.actor, {
    organizationId: org.id,
    action: 'api_key.delete',
    targetType: 'ApiKey',
    targetId: key.id,
    changes: { deletedAt: { new: now.toISOString() } },
  });
  await commit(ctx, [{ scope: 'key', keyId: key.keyId }]);
  return key;
}

/** The inputs this service parses, also validated on the GraphQL input types. */
export {
  createSchema as createApiKeyInput,
  updateSchema as updateApiKeyInput,
  rotateSchema as rotateApiKeyInput,
  revokeSchema as revokeApiKeyInput,
  deleteSchema as deleteApiKeyInput,
};

import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { newId } from '../../lib/ids.ts';
import { parseToken, secretMatches } from '../../lib/token.ts';
import { recordAudit } from '../audit/audit.service.ts';
import { recordEvent } from '../events/event.service.ts';
import { EVENT_SEQ_LOCK } from '../events/event.types.ts';
import { ApiKey } from '../../db/entities/api-key.entity.ts';
import { apiKeyJson, markRevoked } from '../keys/api-key.service.ts';
import { notifyFromEvent } from '../notifications/notification.service.ts';
import { Organization } from '../../db/entities/organization.entity.ts';
import type { AppDeps } from '../service-context.ts';
import { effectiveLeakPolicy } from '../orgs/leak-policy.ts';

/** Who told us a key leaked. */
export type LeakReporter = 'github' | 'report';
/** One token found somewhere. `type`, `url` and `source` are the reporter's words (bounded by the caller). */
export type LeakReport = { token: string; type: string | null; url: string | null; source: string | null };
export type LeakAction = 'REVOKED' | 'NOTIFIED' | 'ALREADY_INACTIVE';

/** Keys handled at once (each in its own short transaction): a batch of hundreds answers in well under a second or two. */
const CONCURRENCY = 4;

/**
 * Acts on reports of leaked tokens. A report counts (true) only when the token is one of ours
 * in full: checksum, key id, kind and a secret that still works (the current one, or the previous
 * one within its grace). Each counted report is recorded once per key, reporter and place; a
 * replay changes nothing. The first report of a place applies the organisation's policy
 * (inherited from its parents): REVOKE (default) revokes the key at once on every replica; NOTIFY
 * leaves it working. Either way: `leakedAt`, an `api_key.leaked` event (never the secret), a
 * notification and an audit entry, in the transaction that records the report.
 */
export async function handleLeakReports(deps: AppDeps, reporter: LeakReporter, reports: readonly LeakReport[]): Promise<boolean[]> {
  const parsed = reports.map((r) => parseToken(r.token));
  const keyIds = [...new Set(parsed.flatMap((p) => (p ? [p.keyId] : [])))];
  if (!keyIds.length) return reports.map(() => false);
  const keys = await deps.orm.em.fork().find(ApiKey, { keyId: { $in: keyIds }, deletedAt: null });
  const byKeyId = new Map(keys.map((k) => [k.keyId, k]));
  const now = deps.now().getTime();
  const byKey = new Map<string, LeakReport[]>();
  const verdicts = reports.map((r, i) => {
    const cred = parsed[i];
    const key = cred ? byKeyId.get(cred.keyId) : undefined;
    if (!cred || !key || cred.kind !== key.kind) return false;
    const current = secretMatches(deps.config.pepper, cred.keyId, cred.secret, Buffer.from(key.secretHash));
    const previous =
      !current &&
      key.previousSecretHash != null &&
      key.previousSecretExpiresAt != null &&
      now < key.previousSecretExpiresAt.getTime() &&
      secretMatches(deps.config.pepper, cred.keyId, cred.secret, Buffer.from(key.previousSecretHash));
    if (!current && !previous) return false;
    let list = byKey.get(key.id);
    if (!list) byKey.set(key.id, (list = []));
    list.push(r);
    return true;
  });
  const work = [...byKey];
  await Promise.all(
    Array.from({ length: Math.min(CONCURRENCY, work.length) }, async () => {
      for (let next = work.shift(); next; next = work.shift()) await applyLeak(deps, reporter, next[0], next[1]);
    }),
  );
  return verdicts;
}

async function applyLeak(deps: AppDeps, reporter: LeakReporter, apiKeyId: string, reports: LeakReport[]): Promise<void> {
  let revokedKeyId: string | null = null;
  await deps.orm.em.fork().transactional(async (em) => {
    // Event writers take this before locking any key (see EVENT_SEQ_LOCK): no lock-order cycle.
    await em.execute('select pg_advisory_xact_lock(?)', [EVENT_SEQ_LOCK]);
    const key = await em.findOne(ApiKey, { id: apiKeyId, deletedAt: null }, { lockMode: LockMode.PESSIMISTIC_WRITE });
    if (!key) return;
    const org = await em.findOneOrFail(Organization, { id: key.organizationId });
    const policy = await effectiveLeakPolicy(em, org);
    for (const r of reports) {
      const place = r.url ?? '';
      if (await alreadyReported(em, key.id, reporter, place)) continue;
      const at = deps.now();
      const before = { status: key.status, leakedAt: key.leakedAt ?? null };
      let action: LeakAction = 'NOTIFIED';
      if (key.status !== 'ACTIVE') action = 'ALREADY_INACTIVE';
      else if (policy === 'REVOKE') {
        action = 'REVOKED';
        markRevoked(em, key, reporter === 'github' ? 'Found leaked by GitHub secret scanning' : 'Reported leaked', at);
        revokedKeyId = key.keyId;
      }
      key.leakedAt ??= at;
      await em.execute(
        `insert into key_leak (id, api_key_id, organization_id, reporter, token_type, url, source, action, reported_at, place)
         values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        [newId('keyLeak'), key.id, org.id, reporter, r.type, r.url, r.source, action, at, place],
      );
      const leak = { reporter, type: r.type, url: r.url, source: r.source, action, policy };
      const event = recordEvent(em, { type: 'api_key.leaked', organizationId: org.id, keyId: key.id, data: { apiKey: apiKeyJson(key), leak }, at });
      notifyFromEvent(em, event);
      recordAudit(em, null, {
        organizationId: org.id,
        action: 'api_key.leaked',
        targetType: 'ApiKey',
        targetId: key.id,
        changes: {
          leakedAt: { old: before.leakedAt?.toISOString() ?? null, new: key.leakedAt.toISOString() },
          ...(action === 'REVOKED' ? { status: { old: before.status, new: key.status } } : {}),
          leak: { new: { reporter, url: r.url, action } },
        },
      });
    }
  });
  if (revokedKeyId) await deps.invalidate({ scope: 'key', keyId: revokedKeyId });
}

async function alreadyReported(em: EntityManager, apiKeyId: string, reporter: LeakReporter, place: string): Promise<boolean> {
  const rows = await em.execute<{ one: number }[]>('select 1 as one from key_leak where api_key_id = ? and reporter = ? and place = ?', [
    apiKeyId,
    reporter,
    place,
  ]);
  return rows.length > 0;
}

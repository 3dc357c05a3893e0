import type { MikroORM } from '@mikro-orm/postgresql';
import { recordEvent } from '../events/event.service.ts';
import { EVENT_SEQ_LOCK } from '../events/event.types.ts';
import { notifyFromEvent } from '../notifications/notification.service.ts';
import { Organization } from '../../db/entities/organization.entity.ts';
import { effectiveKeyPolicies } from '../orgs/key-policy.ts';

/** Keys announced per organisation and pass: a pass is bounded, the next one goes on. */
const BATCH = 500;

type DueRow = { id: string; key_id: string; name: string; kind: string; organization_id: string; user_id: string; since: string };

/**
 * Announces keys due for rotation under their organisation's policy (rotationDays): an
 * `api_key.rotation_due` event and a notification, once per key and rotation period (the key's
 * `rotation_due_notified_at` is set in the same transaction, under a row lock, so two workers or
 * a late one announce each period once). Returns how many were announced.
 */
export async function sweepRotationDue(orm: MikroORM, now: Date): Promise<number> {
  const em = orm.em.fork();
  // Only organisations where some policy (own or inherited) may apply: those with a setting and everything below them.
  const orgs = await em.getConnection().execute<Pick<Organization, 'id' | 'path'>[]>(
    `select o.id, o.path from organization o
      where exists (select 1 from organization p where p.key_policy->>'rotationDays' is not null and (o.id = p.id or o.path like p.path || '/%'))`,
  );
  if (!orgs.length) return 0;
  const withPolicy = await em.find(Organization, { id: { $in: orgs.map((o) => o.id) } });
  const policies = await effectiveKeyPolicies(em, withPolicy);
  let announced = 0;
  for (const [i, org] of withPolicy.entries()) {
    const days = policies[i]?.rotationDays?.value;
    if (!days) continue;
    announced += await orm.em.fork().transactional(async (tx) => {
      await tx.execute('select pg_advisory_xact_lock(?)', [EVENT_SEQ_LOCK]);
      const due = await tx.execute<DueRow[]>(
        `select id, key_id, name, kind, organization_id, user_id, coalesce(rotated_at, created_at)::text as since
           from api_key
          where organization_id = ? and status = 'ACTIVE' and deleted_at is null
            and coalesce(rotated_at, created_at) <= cast(? as timestamptz) - make_interval(days => ?)
            and (rotation_due_notified_at is null or rotation_due_notified_at < coalesce(rotated_at, created_at))
          order by id limit ${BATCH}
          for update skip locked`,
        [org.id, now, days],
      );
      for (const k of due) {
        const event = recordEvent(tx, {
          type: 'api_key.rotation_due',
          organizationId: k.organization_id,
          keyId: k.id,
          data: {
            apiKey: { id: k.id, keyId: k.key_id, name: k.name, kind: k.kind, userId: k.user_id, organizationId: k.organization_id },
            rotationDays: days,
            since: new Date(k.since).toISOString(),
          },
          at: now,
        });
        notifyFromEvent(tx, event);
      }
      if (due.length)
        // Marked with the period it was for (its start), not the sweep's clock: a rotation starts the next period.
        await tx.execute('update api_key set rotation_due_notified_at = coalesce(rotated_at, created_at) where id = any(array[?]::text[])', [
          due.map((k) => k.id),
        ]);
      return due.length;
    });
  }
  return announced;
}

import { z } from 'zod';
import { ConflictError, ValidationError } from '../../lib/errors.ts';
import { deliverWebhookJob } from '../../jobs/deliver-webhook.job.ts';
import { recordAudit } from '../audit/audit.service.ts';
import { assertMayManageEndpoint } from '../auth/policy.ts';
import { reachSql } from '../auth/reach.ts';
import type { ServiceContext } from '../service-context.ts';
import type { WebhookEndpoint } from '../../db/entities/webhook-endpoint.entity.ts';

/** Deliveries one call recovers at most; `hasMore` says to call again. */
export const MAX_RECOVERED = 10_000;
const ENQUEUE_CHUNK = 500;

const recoverSchema = z.object({ endpointId: z.string().max(64), since: z.date(), limit: z.number().int().min(1).max(MAX_RECOVERED).nullish() });

/**
 * Sends again every FAILED delivery of an endpoint created since a time (an outage at the
 * receiver, fixed now): each starts a new round with the full retry schedule and keeps its
 * webhook-id, so receivers de-duplicate what they did get. Only deliveries of events the caller
 * may read, as for `deliveries` and `replayDelivery`.
 */
export async function recoverDeliveries(
  ctx: ServiceContext,
  data: z.output<typeof recoverSchema>,
): Promise<{ endpoint: WebhookEndpoint; recovered: number; hasMore: boolean }> {
  const { obj: endpoint, org } = await ctx.reach.require('WebhookEndpoint', data.endpointId, 'webhooks:write');
  // Needs events:read, and a key reaching every sub-account when the endpoint receives theirs.
  assertMayManageEndpoint(ctx.actor, org, endpoint);
  if (!endpoint.enabled) throw new ConflictError('The endpoint is disabled; enable it first');
  const now = ctx.deps.now();
  if (data.since.getTime() > now.getTime()) throw ValidationError.field('input.since', 'must not be in the future');

  const inReach = reachSql(ctx.actor, 'o.path');
  const failedSince = `d.endpoint_id = ? and d.status = 'FAILED' and d.created_at >= ?
    and exists (select 1 from event e join organization o on o.id = e.organization_id where e.id = d.event_id and ${inReach.sql})`;
  const params = [endpoint.id, data.since, ...inReach.params];
  const rows = await ctx.em.transactional(async (em) => {
    const taken = await em.execute<{ event_id: string; round: number }[]>(
      `with picked as (
         select d.id from delivery d where ${failedSince}
         order by d.created_at, d.id limit ? for update of d skip locked
       )
       update delivery d set status = 'PENDING', round = d.round + 1, round_attempts = 0, next_attempt_at = ?, updated_at = ?
       from picked where d.id = picked.id
       returning d.event_id, d.round`,
      [...params, data.limit ?? MAX_RECOVERED, now, now],
    );
    const [more] = await em.execute<{ more: boolean }[]>(`select exists (select 1 from delivery d where ${failedSince}) as more`, params);
    recordAudit(em, ctx.actor, {
      organizationId: org.id,
      action: 'delivery.recover',
      targetType: 'WebhookEndpoint',
      targetId: endpoint.id,
      changes: { since: { old: null, new: data.since.toISOString() }, recovered: { old: null, new: taken.length } },
    });
    return { taken, hasMore: more?.more === true };
  });

  // After the commit (a job that ran earlier would find its delivery not yet pending); should an
  // enqueue fail, the worker's sweep re-creates the job from the row.
  for (let i = 0; i < rows.taken.length; i += ENQUEUE_CHUNK) {
    await Promise.all(
      rows.taken
        .slice(i, i + ENQUEUE_CHUNK)
        .map((r) =>
          ctx.deps.jobs
            .enqueue(deliverWebhookJob, { eventId: r.event_id, endpointId: endpoint.id, round: r.round })
            .catch((err: unknown) => ctx.deps.log.warn({ err, eventId: r.event_id }, 'recover enqueue failed; the sweep will retry')),
        ),
    );
  }
  return { endpoint, recovered: rows.taken.length, hasMore: rows.hasMore };
}

/** The inputs this service parses, also validated on the GraphQL input types. */
export { recoverSchema as recoverDeliveriesInput };

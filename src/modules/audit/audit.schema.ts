import { counted } from '../../graphql/connection.ts';
import { builder, needs, reachable } from '../../graphql/builder.ts';
import { svc } from '../../graphql/context.ts';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { AuditEntry } from '../../db/entities/audit-entry.entity.ts';
import { listAuditEntries } from './audit-log.service.ts';

/** Per target type: the query naming targets of that type (one per type per page). */
const TARGET_NAMES: Record<string, string> = {
  ApiKey: 'select id, name from api_key where id = any(array[?]::text[])',
  User: 'select id, name from app_user where id = any(array[?]::text[])',
  Role: 'select id, name from role where id = any(array[?]::text[])',
  Organization: 'select id, name from organization where id = any(array[?]::text[])',
  Resource: 'select id, name from resource_definition where id = any(array[?]::text[])',
  WebhookEndpoint: "select id, coalesce(nullif(description, ''), url) as name from webhook_endpoint where id = any(array[?]::text[])",
};

async function targetNames(em: EntityManager, refs: readonly string[]): Promise<(string | null)[]> {
  const byType = new Map<string, string[]>();
  for (const ref of refs) {
    const [type, id] = ref.split(':') as [string, string];
    byType.set(type, [...(byType.get(type) ?? []), id]);
  }
  const names = new Map<string, string>();
  await Promise.all(
    [...byType].map(async ([type, ids]) => {
      const rows = await em.getConnection().execute<{ id: string; name: string }[]>(TARGET_NAMES[type]!, [ids]);
      for (const r of rows) names.set(`${type}:${r.id}`, r.name);
    }),
  );
  return refs.map((r) => names.get(r) ?? null);
}

export const AuditEntryRef = builder.objectRef<AuditEntry>('AuditEntry').implement({
  description: 'One change, written in the same transaction as the change; the log is append-only.',
  ...reachable<AuditEntry>('AuditEntry'),
  fields: (t) => ({
    id: t.exposeID('id'),
    organizationId: t.exposeID('organizationId'),
    actorUserId: t.exposeID('actorUserId', { nullable: true }),
    actorKeyId: t.exposeID('actorKeyId', { nullable: true, description: 'The acting key’s id (ApiKey.id).' }),
    actorKeyName: t.exposeString('actorKeyName', { nullable: true, description: 'The acting key’s name: the source of the change.' }),
    action: t.exposeString('action', { description: 'e.g. api_key.create, api_key.rotate, user.update' }),
    targetType: t.exposeString('targetType'),
    targetId: t.exposeID('targetId', { nullable: true }),
    targetName: t.string({
      nullable: true,
      description:
        'What the target is called now (a key’s, user’s, role’s, organisation’s or resource’s name, an endpoint’s description or URL); null: gone or nameless.',
      resolve: (e, _a, ctx) =>
        e.targetId && TARGET_NAMES[e.targetType]
          ? ctx.reach.batched<string, string | null>('auditTargetNames', (refs) => targetNames(ctx.em, refs)).load(`${e.targetType}:${e.targetId}`)
          : null,
    }),
    changes: t.expose('changes', { type: 'JSON', description: 'Changed fields: { field: { old, new } }; never a secret.' }),
    ip: t.exposeString('ip', { nullable: true }),
    userAgent: t.exposeString('userAgent', { nullable: true }),
    requestId: t.exposeString('requestId', { nullable: true }),
    occurredAt: t.expose('occurredAt', { type: 'DateTime' }),
  }),
});

const AuditLogFilter = builder.inputType('AuditLogFilter', {
  fields: (t) => ({
    organizationId: t.id({ description: 'Default: the calling key’s organization.' }),
    action: t.string(),
    targetType: t.string(),
    targetId: t.id(),
    actorKeyId: t.id(),
    since: t.field({ type: 'DateTime', description: 'Inclusive.' }),
    until: t.field({ type: 'DateTime', description: 'Exclusive.' }),
  }),
});

builder.queryField('auditLog', (t) =>
  t.connection(
    {
      type: AuditEntryRef,
      authScopes: needs('audit:read'),
      description: 'The audit log of one organization, in the order it was written.',
      args: { filter: t.arg({ type: AuditLogFilter }) },
      resolve: (_r, args, ctx) => listAuditEntries(svc(ctx), args.filter, args),
    },
    { name: 'AuditEntryConnection', ...counted },
    { name: 'AuditEntryEdge' },
  ),
);

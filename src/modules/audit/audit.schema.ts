import { counted } from '../../graphql/connection.ts';
import { builder, needs, reachable } from '../../graphql/builder.ts';
import { svc } from '../../graphql/context.ts';
import type { AuditEntry } from './audit-entry.entity.ts';
import { listAuditEntries } from './audit-log.service.ts';

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
      resolve: (_r, args, ctx) => listAuditEntries(svc(ctx), args.filter as never, args),
    },
    { name: 'AuditEntryConnection', ...counted },
    { name: 'AuditEntryEdge' },
  ),
);

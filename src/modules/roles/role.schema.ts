import { counted } from '../../graphql/connection.ts';
import { builder, needs, reachable } from '../../graphql/builder.ts';
import { svc } from '../../graphql/context.ts';
import { defineMutation, type SuccessFieldBuilder } from '../../graphql/mutation.ts';
import { UserRef } from '../users/user.schema.ts';
import type { User } from '../../db/entities/user.entity.ts';
import type { Role, ResourceLimits } from '../../db/entities/role.entity.ts';
import { assignmentsOf, assignRoles, createRole, deleteRole, findRole, listRoles, updateRole, type Assignment } from './role.service.ts';
import { createRoleInput, updateRoleInput, deleteRoleInput, assignRolesInput } from './role.service.ts';

export const RoleRef = builder.objectRef<Role>('Role').implement({
  description: 'A named set of `resource:action` permissions in an organisation.',
  ...reachable<Role>('Role'),
  fields: (t) => ({
    id: t.exposeID('id'),
    organizationId: t.exposeID('organizationId'),
    name: t.exposeString('name'),
    description: t.exposeString('description', { nullable: true }),
    permissions: t.exposeStringList('permissions'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
});

const ResourceLimitRef = builder.objectRef<{ resource: string; ids: string[] }>('ResourceLimit').implement({
  fields: (t) => ({ resource: t.exposeString('resource'), ids: t.exposeStringList('ids') }),
});

const limitsList = (l: ResourceLimits | null) => (l ? Object.entries(l).map(([resource, ids]) => ({ resource, ids })) : []);

export const RoleAssignmentRef = builder.objectRef<Assignment>('RoleAssignment').implement({
  fields: (t) => ({
    roleId: t.id({ resolve: (a) => a.role.id }),
    role: t.field({
      type: RoleRef,
      nullable: true,
      description: 'Null when the role lives in an organisation beyond the caller’s reach (an agency’s role held in a sub-account).',
      resolve: async (a, _x, ctx) => ((await ctx.reach.sees('Role', a.role)) ? a.role : null),
    }),
    resourceLimits: t.field({ type: [ResourceLimitRef], description: 'Empty: every instance.', resolve: (a) => limitsList(a.resourceLimits) }),
  }),
});

builder.objectField(UserRef, 'roles', (t) =>
  t.field({
    type: [RoleAssignmentRef],
    nullable: true,
    authScopes: needs('roles:read'),
    description: 'Null when the caller may not read roles in the user’s organisation.',
    resolve: async (u, _a, ctx) => {
      const org = await ctx.reach.org(u.organizationId);
      return org && ctx.actor.may('roles:read', org) ? assignmentsOf(svc(ctx), u.id) : null;
    },
  }),
);

builder.queryField('roles', (t) =>
  t.connection(
    {
      type: RoleRef,
      authScopes: needs('roles:read'),
      args: { organizationId: t.arg.id() },
      resolve: (_r, args, ctx) => listRoles(svc(ctx), { organizationId: args.organizationId ? String(args.organizationId) : null }, args),
    },
    { name: 'RoleConnection', ...counted },
    { name: 'RoleEdge' },
  ),
);

builder.queryField('role', (t) =>
  t.field({
    type: RoleRef,
    nullable: true,
    authScopes: needs('roles:read'),
    args: { id: t.arg.id({ required: true }) },
    resolve: (_r, { id }, ctx) => findRole(svc(ctx), String(id)),
  }),
);

const RoleField = <P extends { role: Role }>(t: SuccessFieldBuilder<P>) => ({ role: t.field({ type: RoleRef, resolve: (p) => p.role }) });

defineMutation('createRole', {
  validate: createRoleInput,
  permission: 'roles:write',
  input: (t) => ({ name: t.string({ required: true }), description: t.string(), permissions: t.stringList({ required: true }), organizationId: t.id() }),
  resolve: async (input, ctx) => ({ role: await createRole(svc(ctx), input) }),
  success: RoleField,
});

defineMutation('updateRole', {
  validate: updateRoleInput,
  permission: 'roles:write',
  input: (t) => ({ id: t.id({ required: true }), name: t.string(), description: t.string(), permissions: t.stringList() }),
  resolve: async (input, ctx) => ({ role: await updateRole(svc(ctx), input) }),
  success: RoleField,
});

defineMutation('deleteRole', {
  validate: deleteRoleInput,
  permission: 'roles:write',
  input: (t) => ({ id: t.id({ required: true }) }),
  resolve: async (input, ctx) => ({ role: await deleteRole(svc(ctx), input) }),
  success: RoleField,
});

const ResourceLimitInput = builder.inputType('ResourceLimitInput', {
  fields: (t) => ({ resource: t.string({ required: true }), ids: t.stringList({ required: true }) }),
});
const RoleAssignmentInput = builder.inputType('RoleAssignmentInput', {
  fields: (t) => ({ roleId: t.id({ required: true }), resourceLimits: t.field({ type: [ResourceLimitInput] }) }),
});

defineMutation('assignRoles', {
  validate: assignRolesInput,
  permission: 'roles:write',
  description: 'Replaces the user’s role assignments, each optionally limited to resource instances.',
  input: (t) => ({ userId: t.id({ required: true }), roles: t.field({ type: [RoleAssignmentInput], required: true }) }),
  resolve: async (input, ctx) => assignRoles(svc(ctx), input),
  success: (t) => ({
    user: t.field({ type: UserRef, resolve: (p: { user: User }) => p.user }),
    assignments: t.field({ type: [RoleAssignmentRef], resolve: (p: { assignments: Assignment[] }) => p.assignments }),
  }),
});

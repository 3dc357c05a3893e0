import { counted } from '../../graphql/connection.ts';
import { builder, needs, reachable } from '../../graphql/builder.ts';
import { svc } from '../../graphql/context.ts';
import { defineMutation, type SuccessFieldBuilder } from '../../graphql/mutation.ts';
import { OrganizationRef } from '../orgs/organization.schema.ts';
import { type User, USER_KINDS, USER_STATUSES } from '../../db/entities/user.entity.ts';
import { createUser, findUser, listUsers, updateUser } from './user.service.ts';
import { createUserInput, updateUserInput } from './user.service.ts';

export const UserKindEnum = builder.enumType('UserKind', { values: USER_KINDS });
export const UserStatusEnum = builder.enumType('UserStatus', { values: USER_STATUSES });

export const UserRef = builder.objectRef<User>('User').implement({
  description: 'A person (HUMAN) or a standalone API user (SERVICE).',
  ...reachable<User>('User'),
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    email: t.exposeString('email', { nullable: true }),
    kind: t.expose('kind', { type: UserKindEnum }),
    status: t.expose('status', { type: UserStatusEnum }),
    organizationId: t.exposeID('organizationId'),
    organization: t.field({
      type: OrganizationRef,
      nullable: true,
      description: 'Null when the caller may not read the user’s organisation.',
      resolve: (u, _a, ctx) => ctx.reach.load('Organization', u.organizationId),
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
});

const UserFilter = builder.inputType('UserFilter', {
  fields: (t) => ({
    organizationId: t.id(),
    status: t.field({ type: UserStatusEnum }),
    kind: t.field({ type: UserKindEnum }),
    search: t.string(),
  }),
});

builder.queryField('users', (t) =>
  t.connection(
    {
      type: UserRef,
      authScopes: needs('users:read'),
      args: { filter: t.arg({ type: UserFilter }) },
      resolve: (_r, args, ctx) =>
        listUsers(svc(ctx), { ...args.filter, organizationId: args.filter?.organizationId ? String(args.filter.organizationId) : null }, args),
    },
    { name: 'UserConnection', ...counted },
    { name: 'UserEdge' },
  ),
);

builder.queryField('user', (t) =>
  t.field({
    type: UserRef,
    nullable: true,
    authScopes: needs('users:read'),
    args: { id: t.arg.id({ required: true }) },
    resolve: (_r, { id }, ctx) => findUser(svc(ctx), String(id)),
  }),
);

const UserField = <P extends { user: User }>(t: SuccessFieldBuilder<P>) => ({ user: t.field({ type: UserRef, resolve: (p) => p.user }) });

defineMutation('createUser', {
  validate: createUserInput,
  permission: 'users:write',
  input: (t) => ({ name: t.string({ required: true }), email: t.string(), kind: t.field({ type: UserKindEnum }), organizationId: t.id() }),
  resolve: async (input, ctx) => ({ user: await createUser(svc(ctx), input) }),
  success: UserField,
});

defineMutation('updateUser', {
  validate: updateUserInput,
  permission: 'users:write',
  description: 'Disabling or deleting a user stops all of their keys on the next request.',
  input: (t) => ({ id: t.id({ required: true }), name: t.string(), email: t.string(), status: t.field({ type: UserStatusEnum }) }),
  resolve: async (input, ctx) => ({ user: await updateUser(svc(ctx), input) }),
  success: UserField,
});

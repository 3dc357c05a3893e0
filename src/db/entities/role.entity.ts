import { defineEntity, p, type InferEntity } from '@mikro-orm/core';

export const Role = defineEntity({
  name: 'Role',
  tableName: 'role',
  properties: {
    id: p.string().primary(),
    organizationId: p.string(),
    name: p.string(),
    description: p.string().nullable(),
    permissions: p.array().columnType('text[]'),
    createdAt: p.datetime().onCreate(() => new Date()),
    updatedAt: p
      .datetime()
      .onCreate(() => new Date())
      .onUpdate(() => new Date()),
  },
});
export type Role = InferEntity<typeof Role>;

/** resource name → instance ids the assignment is limited to (absent resource = all instances). */
export type ResourceLimits = Record<string, string[]>;

export const RoleAssignment = defineEntity({
  name: 'RoleAssignment',
  tableName: 'role_assignment',
  properties: {
    id: p.string().primary(),
    userId: p.string(),
    roleId: p.string(),
    resourceLimits: p.json<ResourceLimits>().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
});
export type RoleAssignment = InferEntity<typeof RoleAssignment>;

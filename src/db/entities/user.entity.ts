import { defineEntity, p, type InferEntity } from '@mikro-orm/core';

export const USER_KINDS = ['HUMAN', 'SERVICE'] as const;
export const USER_STATUSES = ['ACTIVE', 'DISABLED', 'DELETED'] as const;
export type UserKind = (typeof USER_KINDS)[number];
export type UserStatus = (typeof USER_STATUSES)[number];

export const User = defineEntity({
  name: 'User',
  tableName: 'app_user',
  properties: {
    id: p.string().primary(),
    organizationId: p.string(),
    name: p.string(),
    email: p.string().nullable(),
    kind: p.enum(USER_KINDS),
    status: p.enum(USER_STATUSES).default('ACTIVE'),
    createdAt: p.datetime().onCreate(() => new Date()),
    updatedAt: p
      .datetime()
      .onCreate(() => new Date())
      .onUpdate(() => new Date()),
  },
});
export type User = InferEntity<typeof User>;

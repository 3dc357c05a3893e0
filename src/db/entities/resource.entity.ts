import { defineEntity, p, type InferEntity } from '@mikro-orm/core';

export const ResourceDefinition = defineEntity({
  name: 'ResourceDefinition',
  tableName: 'resource_definition',
  properties: {
    id: p.string().primary(),
    organizationId: p.string(),
    name: p.string(),
    description: p.string().nullable(),
    actions: p.array().columnType('text[]'),
    publicActions: p.array().columnType('text[]'),
    sensitiveFields: p.array().columnType('text[]'),
    createdAt: p.datetime().onCreate(() => new Date()),
    updatedAt: p
      .datetime()
      .onCreate(() => new Date())
      .onUpdate(() => new Date()),
  },
});
export type ResourceDefinition = InferEntity<typeof ResourceDefinition>;

import { defineEntity, p, type InferEntity } from '@mikro-orm/core';

/** An organisation's own key policies; each field null or absent: as the parent says. */
export type KeyPolicySetting = {
  maxLifetimeDays?: number | null;
  allowedKinds?: ('SECRET' | 'PUBLISHABLE' | 'INTEGRATION')[] | null;
  requireIpAllowlist?: boolean | null;
  rotationDays?: number | null;
};

export const Organization = defineEntity({
  name: 'Organization',
  tableName: 'organization',
  properties: {
    id: p.string().primary(),
    name: p.string(),
    parentId: p.string().nullable(),
    /** Materialised path of ids from the root (`org_a/org_b`): descendant checks without recursion. */
    path: p.string(),
    depth: p.integer().default(0),
    inactivityDays: p.integer().default(90),
    /** What happens to a key found leaked; null: as the parent says (a root without one: REVOKE). */
    leakedKeyPolicy: p.string().$type<'REVOKE' | 'NOTIFY'>().nullable(),
    /** Key policies set here; a field null or absent: as the parent says. */
    keyPolicy: p.json<KeyPolicySetting>().nullable(),
    warningDays: p
      .array(
        (v) => Number(v),
        (v) => String(v),
      )
      .columnType('int[]'),
    createdAt: p.datetime().onCreate(() => new Date()),
    updatedAt: p
      .datetime()
      .onCreate(() => new Date())
      .onUpdate(() => new Date()),
  },
});
export type Organization = InferEntity<typeof Organization>;

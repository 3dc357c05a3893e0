import { isObjectType, type GraphQLObjectType, type GraphQLResolveInfo } from 'graphql';
import { describe, expect, it } from 'vitest';
import { schema } from '../../src/graphql/schema.ts';
import { Actor } from '../../src/modules/principal/actor.ts';
import { OWNED_TYPES } from '../../src/modules/auth/reach.ts';
import type { PrincipalRecord } from '../../src/modules/principal/key-record.ts';

/**
 * Reach is enforced by type, not by field: every organisation-owned object type re-checks each
 * object before any field of it resolves, so a field added later that loads around Reach.load
 * fails closed. These tests keep that true for every such type, present and future.
 */

const objectTypes = () => Object.values(schema.getTypeMap()).filter((t): t is GraphQLObjectType => isObjectType(t) && !t.name.startsWith('__'));
const pothosOptions = (t: GraphQLObjectType) => (t.extensions as { pothosOptions?: { runScopesOnType?: boolean; authScopes?: unknown } }).pothosOptions ?? {};

describe('reach on every organisation-owned type', () => {
  it('every object type with an id and an organizationId (and Organization itself) is reach-checked, and no other', () => {
    const owned = objectTypes().filter((t) => t.name === 'Organization' || ('id' in t.getFields() && 'organizationId' in t.getFields()));
    expect(owned.map((t) => t.name).sort()).toEqual([...OWNED_TYPES].sort());
    for (const t of owned) {
      expect(pothosOptions(t).runScopesOnType, `${t.name} runs its scopes on the type`).toBe(true);
      expect(typeof pothosOptions(t).authScopes, `${t.name} has a reach scope`).toBe('function');
    }
  });

  it('an object of another organisation returned by any field is refused, one in reach is resolved', async () => {
    const actor = new Actor(
      {
        id: 'key_self',
        keyId: 'self',
        kind: 'SECRET',
        organizationId: 'org_a',
        organizationPath: 'org_a',
        subAccounts: { mode: 'NONE' },
        permissions: new Map(),
      } as unknown as PrincipalRecord,
      { requestId: 'r', ip: null, userAgent: null },
    );
    const asked: string[] = [];
    const reach = {
      sees: async (type: string, obj: { id: string; organizationId?: string }) => {
        asked.push(type);
        return (obj.organizationId ?? obj.id) === 'org_a';
      },
    };
    for (const name of OWNED_TYPES) {
      const type = schema.getType(name) as GraphQLObjectType;
      const info = {
        parentType: schema.getQueryType(),
        fieldName: 'anything',
        path: { key: 'anything', prev: undefined, typename: 'Query' },
        returnType: type,
        operation: { operation: 'query' },
      } as unknown as GraphQLResolveInfo;
      const ctx = { actor, reach };
      const inside = name === 'Organization' ? { id: 'org_a', path: 'org_a' } : { id: `${name}-1`, organizationId: 'org_a', eventId: 'evt_1' };
      const outside = name === 'Organization' ? { id: 'org_b', path: 'org_b' } : { id: `${name}-2`, organizationId: 'org_b', eventId: 'evt_2' };
      expect(await type.isTypeOf!(inside, ctx, info), `${name} in reach`).toBe(true);
      await expect(
        Promise.resolve().then(() => type.isTypeOf!(outside, ctx, info)),
        `${name} out of reach`,
      ).rejects.toMatchObject({ extensions: { code: 'FORBIDDEN' } });
    }
    expect([...new Set(asked)].sort()).toEqual([...OWNED_TYPES].sort());
  });
});

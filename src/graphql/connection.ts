import type { builder } from './builder.ts';

type Types = typeof builder extends PothosSchemaTypes.SchemaBuilder<infer T> ? T : never;

/**
 * Connection type options every list shares: `totalCount`, the whole list's size under the same
 * filter (counted only when asked for). Spread into `t.connection`'s connection options.
 */
export const counted = {
  fields: (t: PothosSchemaTypes.ObjectFieldBuilder<Types, { totalCount: () => Promise<number> }>) => ({
    totalCount: t.int({ description: 'How many items the whole list has (every page, same filter).', resolve: (c) => c.totalCount() }),
  }),
};

import { ValidationError } from './errors.ts';

export const DEFAULT_PAGE = 50;
export const MAX_PAGE = 200;

export type PageArgs = { first?: number | null; after?: string | null };
export type Connection<T> = {
  edges: { cursor: string; node: T }[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
  /** The whole list's size under the same filter; counted on first call only. */
  totalCount: () => Promise<number>;
};

export function pageSize(first: number | null | undefined): number {
  if (first == null) return DEFAULT_PAGE;
  if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE) throw ValidationError.field('first', `must be between 1 and ${MAX_PAGE}`);
  return first;
}

/** Opaque cursor over a sort key tuple. */
export function encodeCursor(parts: (string | number)[]): string {
  return Buffer.from(JSON.stringify(parts)).toString('base64url');
}

export function decodeCursor(cursor: string | null | undefined, arity: number): (string | number)[] | null {
  if (cursor == null) return null;
  if (cursor.length > 512) throw ValidationError.field('after', 'invalid cursor');
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(v) && v.length === arity && v.every((x) => typeof x === 'string' || typeof x === 'number')) return v;
  } catch {
    /* fall through */
  }
  throw ValidationError.field('after', 'invalid cursor');
}

/**
 * Builds a connection from `limit + 1` rows fetched in order. `count` counts the whole list (the
 * same filter, no cursor); it runs only if a client asks for totalCount, once.
 */
export function toConnection<T>(
  rows: T[],
  limit: number,
  cursorOf: (row: T) => (string | number)[],
  hasPrevious: boolean,
  count: () => Promise<number>,
): Connection<T> {
  const hasNextPage = rows.length > limit;
  const page = hasNextPage ? rows.slice(0, limit) : rows;
  const edges = page.map((node) => ({ node, cursor: encodeCursor(cursorOf(node)) }));
  let counted: Promise<number> | null = null;
  return {
    edges,
    pageInfo: { hasNextPage, hasPreviousPage: hasPrevious, startCursor: edges[0]?.cursor ?? null, endCursor: edges.at(-1)?.cursor ?? null },
    totalCount: () => (counted ??= count()),
  };
}

/** Keyset pagination on (createdAt, id): a MikroORM where-fragment and the cursor function. */
export function createdAtKeyset(after: string | null | undefined) {
  const c = decodeCursor(after, 2);
  const where = c ? { $or: [{ createdAt: { $gt: new Date(String(c[0])) } }, { createdAt: new Date(String(c[0])), id: { $gt: String(c[1]) } }] } : {};
  return {
    where,
    orderBy: { createdAt: 'asc', id: 'asc' } as const,
    cursorOf: (row: { createdAt: Date; id: string }) => [row.createdAt.toISOString(), row.id],
    hasPrevious: c !== null,
  };
}

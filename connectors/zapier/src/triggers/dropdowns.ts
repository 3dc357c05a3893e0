import { defineTrigger, type Bundle, type ZObject } from 'zapier-platform-core';
import { execute } from '../client.js';
import { ApiKeys, Roles, Users } from '../operations.js';

/** Dropdown pages are this long; Zapier asks for page 1, 2, … when the user wants more. */
export const DROPDOWN_PAGE = 100;
/** Deepest page a dropdown walks to: a bound on the requests one "load more" can cost. */
const MAX_PAGE = 20;

type Page<T> = { edges: { node: T }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } };

/**
 * Zapier numbers dropdown pages (bundle.meta.page) while Keyplane pages by cursor: walk the
 * cursors to the requested page. Stateless, so nothing depends on Zapier's cursor store.
 */
export async function pageAt<T>(bundle: Bundle, fetchPage: (after: string | null) => Promise<Page<T>>): Promise<T[]> {
  const wanted = Math.min(Math.max(Number(bundle.meta?.page) || 0, 0), MAX_PAGE);
  let after: string | null = null;
  for (let page = 0; ; page++) {
    const result = await fetchPage(after);
    if (page === wanted) return result.edges.map((e) => e.node);
    if (!result.pageInfo.hasNextPage || !result.pageInfo.endCursor) return [];
    after = result.pageInfo.endCursor;
  }
}

export const listUsers = defineTrigger({
  key: 'list_users',
  noun: 'User',
  display: { label: 'List Users', description: 'Feeds the user dropdowns.', hidden: true },
  operation: {
    type: 'polling',
    perform: async (z: ZObject, bundle: Bundle) => {
      const users = await pageAt(
        bundle,
        async (after) => (await execute(z, bundle, Users, { filter: { status: 'ACTIVE' }, first: DROPDOWN_PAGE, after })).users,
      );
      return users.map((u) => ({ ...u, label: u.email ? `${u.name} <${u.email}>` : u.name }));
    },
  },
});

export const listRoles = defineTrigger({
  key: 'list_roles',
  noun: 'Role',
  display: { label: 'List Roles', description: 'Feeds the role dropdowns.', hidden: true },
  operation: {
    type: 'polling',
    perform: async (z: ZObject, bundle: Bundle) => pageAt(bundle, async (after) => (await execute(z, bundle, Roles, { first: DROPDOWN_PAGE, after })).roles),
  },
});

export const listApiKeys = defineTrigger({
  key: 'list_api_keys',
  noun: 'API Key',
  display: { label: 'List API Keys', description: 'Feeds the key dropdowns: active keys of the organisation.', hidden: true },
  operation: {
    type: 'polling',
    perform: async (z: ZObject, bundle: Bundle) => {
      const keys = await pageAt(
        bundle,
        async (after) => (await execute(z, bundle, ApiKeys, { filter: { status: 'ACTIVE' }, first: DROPDOWN_PAGE, after })).apiKeys,
      );
      return keys.map((k) => ({ ...k, label: `${k.name} (${k.start}…)` }));
    },
  },
});

import { defineSearch } from 'zapier-platform-core';
import { execute } from '../client.js';
import { Users } from '../operations.js';
import { USER_SAMPLE } from '../samples.js';

/** Bound on what one search reads: Keyplane's own page maximum. */
const SEARCH_PAGE = 200;

export const findUser = defineSearch({
  key: 'find_user',
  noun: 'User',
  display: { label: 'Find User', description: 'Finds a user of the organization by exact email or name (case does not matter).' },
  operation: {
    inputFields: [
      { key: 'email', label: 'Email', type: 'string', required: false },
      { key: 'name', label: 'Name', type: 'string', required: false, helpText: 'Used when no email is given.' },
    ],
    perform: async (z, bundle) => {
      const email = String(bundle.inputData.email ?? '')
        .trim()
        .toLowerCase();
      const name = String(bundle.inputData.name ?? '')
        .trim()
        .toLowerCase();
      if (!email && !name) throw new z.errors.Error('Give an email or a name to find the user by.', 'MissingInput', 400);
      const term = (email || name).slice(0, 200);
      const { users } = await execute(z, bundle, Users, { filter: { search: term }, first: SEARCH_PAGE });
      // Keyplane's search is a substring match; a Zapier "find" must not pick a near miss.
      return users.edges.map((e) => e.node).filter((u) => (email ? u.email?.toLowerCase() === email : u.name.toLowerCase() === name));
    },
    sample: USER_SAMPLE,
    outputFields: [
      { key: 'id', label: 'User ID' },
      { key: 'name', label: 'Name' },
      { key: 'email', label: 'Email' },
      { key: 'kind', label: 'Kind' },
      { key: 'status', label: 'Status' },
    ],
  },
});

import { defineSearch } from 'zapier-platform-core';
import { execute } from '../client.js';
import { ApiKeys } from '../operations.js';
import { API_KEY_OUTPUT_FIELDS } from '../creates/api-key-inputs.js';
import { API_KEY_SAMPLE } from '../samples.js';

const SEARCH_PAGE = 200;
const KINDS = ['SECRET', 'PUBLISHABLE', 'INTEGRATION'] as const;
const STATUSES = ['ACTIVE', 'REVOKED', 'EXPIRED'] as const;

export const findApiKey = defineSearch({
  key: 'find_api_key',
  noun: 'API Key',
  display: { label: 'Find API Key', description: 'Finds a key by its public key id or by its exact name (case does not matter).' },
  operation: {
    inputFields: [
      { key: 'keyId', label: 'Public Key ID', type: 'string', required: false, helpText: 'The id part of the token (`kp_sk_<key id>_…`).' },
      { key: 'name', label: 'Name', type: 'string', required: false, helpText: 'Used when no key id is given.' },
      {
        key: 'kind',
        label: 'Kind',
        type: 'string',
        required: false,
        choices: KINDS.map((k) => ({ value: k, label: k[0] + k.slice(1).toLowerCase(), sample: k })),
        helpText: 'Integration keys are found only when this is Integration.',
      },
      {
        key: 'status',
        label: 'Status',
        type: 'string',
        required: false,
        default: 'ACTIVE',
        choices: STATUSES.map((s) => ({ value: s, label: s[0] + s.slice(1).toLowerCase(), sample: s })),
      },
    ],
    perform: async (z, bundle) => {
      const keyId = String(bundle.inputData.keyId ?? '').trim();
      const name = String(bundle.inputData.name ?? '')
        .trim()
        .toLowerCase();
      if (!keyId && !name) throw new z.errors.Error('Give a key id or a name to find the key by.', 'MissingInput', 400);
      const kind = KINDS.find((k) => k === bundle.inputData.kind) ?? null;
      const status = STATUSES.find((s) => s === bundle.inputData.status) ?? null;
      // The search filter covers the token start, which holds the key id.
      const term = (keyId || name).slice(0, 200);
      const { apiKeys } = await execute(z, bundle, ApiKeys, { filter: { search: term, kind, status }, first: SEARCH_PAGE });
      return apiKeys.edges.map((e) => e.node).filter((k) => (keyId ? k.keyId === keyId : k.name.toLowerCase() === name));
    },
    sample: API_KEY_SAMPLE,
    outputFields: API_KEY_OUTPUT_FIELDS,
  },
});

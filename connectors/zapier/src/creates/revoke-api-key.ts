import { defineCreate } from 'zapier-platform-core';
import { execute, expectSuccess } from '../client.js';
import { RevokeApiKey } from '../operations.js';
import { API_KEY_SAMPLE } from '../samples.js';
import { API_KEY_OUTPUT_FIELDS, optionalString } from './api-key-inputs.js';

export const revokeApiKey = defineCreate({
  key: 'revoke_api_key',
  noun: 'API Key',
  display: { label: 'Revoke API Key', description: 'Stops a key at once, for good.' },
  operation: {
    inputFields: [
      { key: 'id', label: 'API Key', type: 'string', required: true, dynamic: 'list_api_keys.id.label', search: 'find_api_key.id' },
      { key: 'reason', label: 'Reason', type: 'string', required: false, helpText: 'Kept with the key and in the audit log.' },
    ],
    perform: async (z, bundle) => {
      const result = await execute(z, bundle, RevokeApiKey, { input: { id: String(bundle.inputData.id), reason: optionalString(bundle.inputData.reason) } });
      return expectSuccess(z, result.revokeApiKey, 'RevokeApiKeySuccess').apiKey;
    },
    sample: { ...API_KEY_SAMPLE, status: 'REVOKED', revokedAt: '2026-11-25T12:30:00.000Z', revokedReason: 'Employee left' },
    outputFields: [...API_KEY_OUTPUT_FIELDS, { key: 'revokedReason', label: 'Revocation Reason' }],
  },
});

import { defineCreate } from 'zapier-platform-core';
import { execute, expectSuccess } from '../client.js';
import { RotateApiKey } from '../operations.js';
import { API_KEY_SAMPLE } from '../samples.js';
import { API_KEY_OUTPUT_FIELDS, SECRET_OUTPUT_FIELDS } from './api-key-inputs.js';

export const rotateApiKey = defineCreate({
  key: 'rotate_api_key',
  noun: 'API Key',
  display: {
    label: 'Rotate API Key',
    description: 'Gives a key a new secret (same key id). The new token is returned once; the old one can keep working for a grace period.',
  },
  operation: {
    inputFields: [
      { key: 'id', label: 'API Key', type: 'string', required: true, dynamic: 'list_api_keys.id.label', search: 'find_api_key.id' },
      {
        key: 'gracePeriodSeconds',
        label: 'Grace Period (seconds)',
        type: 'integer',
        required: false,
        helpText: 'How long the old secret keeps working, at most 604800 (7 days). Empty: it stops at once.',
      },
    ],
    perform: async (z, bundle) => {
      const grace = bundle.inputData.gracePeriodSeconds;
      const result = await execute(z, bundle, RotateApiKey, {
        input: { id: String(bundle.inputData.id), gracePeriodSeconds: grace == null || String(grace) === '' ? null : Number(grace) },
      });
      const { apiKey, token, secret } = expectSuccess(z, result.rotateApiKey, 'RotateApiKeySuccess');
      return { ...apiKey, token, secret };
    },
    sample: { ...API_KEY_SAMPLE, rotatedAt: '2026-11-24T09:00:00.000Z', token: 'kp_sk_A1b2C3d4E5f6G7h8_Q4rS…', secret: 'Q4rS…' },
    outputFields: [...API_KEY_OUTPUT_FIELDS, { key: 'rotatedAt', label: 'Rotated At', type: 'datetime' }, ...SECRET_OUTPUT_FIELDS],
  },
});

import { defineCreate } from 'zapier-platform-core';
import { execute, expectSuccess } from '../client.js';
import { CreateApiKey } from '../operations.js';
import { API_KEY_SAMPLE } from '../samples.js';
import { API_KEY_OUTPUT_FIELDS, SECRET_OUTPUT_FIELDS, asList, optionalString } from './api-key-inputs.js';

const KINDS = ['SECRET', 'PUBLISHABLE', 'INTEGRATION'] as const;

export const createApiKey = defineCreate({
  key: 'create_api_key',
  noun: 'API Key',
  display: {
    label: 'Create API Key',
    description: 'Creates a named API key acting as a user. Its token is returned once: use it in the next step, Zapier hides it in logs.',
  },
  operation: {
    inputFields: [
      { key: 'name', label: 'Name', type: 'string', required: true, helpText: 'Tells this key apart from the user’s other keys, e.g. "Billing sync".' },
      { key: 'description', label: 'Description', type: 'text', required: false },
      {
        key: 'kind',
        label: 'Kind',
        type: 'string',
        required: false,
        default: 'SECRET',
        choices: [
          { value: 'SECRET', label: 'Secret (server-side integrations)', sample: 'SECRET' },
          { value: 'PUBLISHABLE', label: 'Publishable (safe in a website: public actions only)', sample: 'PUBLISHABLE' },
          { value: 'INTEGRATION', label: 'Integration (connectors such as Zapier)', sample: 'INTEGRATION' },
        ],
      },
      {
        key: 'userId',
        label: 'Acts As User',
        type: 'string',
        required: false,
        dynamic: 'list_users.id.label',
        search: 'find_user.id',
        helpText: 'The user whose permissions the key uses. Empty: the user of the connected Zapier key.',
      },
      {
        key: 'permissions',
        label: 'Restrict To Permissions',
        type: 'string',
        required: false,
        list: true,
        helpText: 'e.g. `invoices:read`. Empty: everything the user may do.',
      },
      { key: 'validUntil', label: 'Valid Until', type: 'datetime', required: false },
      {
        key: 'allowedIps',
        label: 'Allowed IP Addresses',
        type: 'string',
        required: false,
        list: true,
        helpText: 'IPv4/IPv6 addresses or CIDR blocks. Empty: any address.',
      },
    ],
    perform: async (z, bundle) => {
      const input = bundle.inputData;
      const kind = KINDS.find((k) => k === input.kind) ?? 'SECRET';
      const permissions = asList(input.permissions);
      const allowedIps = asList(input.allowedIps);
      const result = await execute(z, bundle, CreateApiKey, {
        input: {
          name: String(input.name ?? ''),
          description: optionalString(input.description),
          kind,
          userId: optionalString(input.userId),
          permissions: permissions.length ? permissions.map((permission) => ({ permission })) : null,
          validUntil: optionalString(input.validUntil),
          allowedIps: allowedIps.length ? allowedIps : null,
        },
      });
      const { apiKey, token, secret } = expectSuccess(z, result.createApiKey, 'CreateApiKeySuccess');
      return { ...apiKey, token, secret };
    },
    sample: { ...API_KEY_SAMPLE, token: 'kp_sk_A1b2C3d4E5f6G7h8_x9Yz…', secret: 'x9Yz…' },
    outputFields: [...API_KEY_OUTPUT_FIELDS, ...SECRET_OUTPUT_FIELDS],
  },
});

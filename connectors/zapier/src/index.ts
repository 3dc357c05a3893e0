import { createRequire } from 'node:module';
import zapier, { defineApp } from 'zapier-platform-core';
import { authentication } from './authentication.js';
import { handleErrors, includeApiKey } from './client.js';
import { createApiKey } from './creates/create-api-key.js';
import { createUser } from './creates/create-user.js';
import { revokeApiKey } from './creates/revoke-api-key.js';
import { rotateApiKey } from './creates/rotate-api-key.js';
import { findApiKey } from './searches/find-api-key.js';
import { findUser } from './searches/find-user.js';
import { listApiKeys, listRoles, listUsers } from './triggers/dropdowns.js';
import { apiKeyExpired, apiKeyExpiringSoon, apiKeyRevoked, apiKeyRotated, newApiKey, newUser } from './triggers/events.js';

const packageJson = createRequire(import.meta.url)('../package.json') as { version: string };

export default defineApp({
  version: packageJson.version,
  platformVersion: zapier.version,
  // Every request goes through z.request, which logs itself; patching Node's http module would
  // only add a second copy (and reach into the host process when the app runs in-process in tests).
  flags: { skipHttpPatch: true },

  authentication,
  beforeRequest: [includeApiKey],
  afterResponse: [handleErrors],

  triggers: {
    [newApiKey.key]: newApiKey,
    [apiKeyRotated.key]: apiKeyRotated,
    [apiKeyRevoked.key]: apiKeyRevoked,
    [apiKeyExpiringSoon.key]: apiKeyExpiringSoon,
    [apiKeyExpired.key]: apiKeyExpired,
    [newUser.key]: newUser,
    [listUsers.key]: listUsers,
    [listRoles.key]: listRoles,
    [listApiKeys.key]: listApiKeys,
  },
  creates: {
    [createApiKey.key]: createApiKey,
    [rotateApiKey.key]: rotateApiKey,
    [revokeApiKey.key]: revokeApiKey,
    [createUser.key]: createUser,
  },
  searches: {
    [findApiKey.key]: findApiKey,
    [findUser.key]: findUser,
  },
  searchOrCreates: {
    [findApiKey.key]: {
      key: findApiKey.key,
      display: { label: 'Find or Create API Key', description: 'Finds a key by name or key id, or creates it.' },
      search: findApiKey.key,
      create: createApiKey.key,
    },
    [findUser.key]: {
      key: findUser.key,
      display: { label: 'Find or Create User', description: 'Finds a user by email or name, or creates them.' },
      search: findUser.key,
      create: createUser.key,
    },
  },
});

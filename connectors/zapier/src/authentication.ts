import type { Authentication, Bundle, ZObject } from 'zapier-platform-core';
import { execute } from './client.js';
import { Viewer } from './operations.js';

/** What the connection test returns; Zapier keeps it as the connection's `inputData`. */
export type ConnectionInfo = {
  id: string;
  keyId: string;
  keyName: string;
  organizationId: string;
  organizationName: string;
  userId: string;
  userName: string;
};

/**
 * The connection test: the `viewer` query with the key. Only integration keys are accepted, so a
 * Zap never runs on a full-access secret key that was pasted by mistake.
 */
export async function testAuth(z: ZObject, bundle: Bundle): Promise<ConnectionInfo> {
  const { viewer } = await execute(z, bundle, Viewer, {});
  const apiKey = viewer.apiKey;
  if (apiKey?.kind !== 'INTEGRATION') {
    throw new z.errors.Error(
      apiKey
        ? `"${apiKey.name}" is a ${apiKey.kind.toLowerCase()} key; connect Zapier with an integration key (kp_ik_…).`
        : 'Connect Zapier with an integration key (kp_ik_…).',
      'WrongKeyKind',
      400,
    );
  }
  return {
    id: apiKey.id,
    keyId: apiKey.keyId,
    keyName: apiKey.name,
    organizationId: viewer.organization.id,
    organizationName: viewer.organization.name,
    userId: viewer.user.id,
    userName: viewer.user.name,
  };
}

/** "Acme Inc (Zapier production)": the organisation and the key's name. */
export async function connectionLabel(_z: ZObject, bundle: Bundle): Promise<string> {
  const info = bundle.inputData as Partial<ConnectionInfo>;
  return `${info.organizationName ?? 'Keyplane'} (${info.keyName ?? info.keyId ?? 'key'})`;
}

export const authentication = {
  type: 'custom',
  fields: [
    {
      key: 'baseUrl',
      label: 'Keyplane URL',
      type: 'string',
      required: true,
      helpText: 'The address of your Keyplane, for example `https://keys.example.com`.',
      isNoSecret: true,
    },
    {
      key: 'apiKey',
      label: 'Integration key',
      type: 'password',
      required: true,
      helpText:
        'An **integration** key (it starts with `kp_ik_`). Create one in Keyplane for a user whose role holds what your Zaps need, e.g. `keys:write`, `users:write`, `events:read` and `webhooks:write`.',
    },
  ],
  test: testAuth,
  connectionLabel,
} satisfies Authentication;

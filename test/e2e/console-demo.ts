import type { MikroORM } from '@mikro-orm/postgresql';

/**
 * Demo data for the console's screenshots and end-to-end tests: an agency with sub-accounts, the
 * host application's resources, people and service users with roles, keys of every kind and
 * state, webhook endpoints, and 30 days of usage. Everything goes through the public GraphQL API
 * except the usage history, which is written as the roll-up would have written it.
 */
export type Api = <T = any>(query: string, variables?: Record<string, unknown>) => Promise<T>;

export function apiClient(baseUrl: string, token: string): Api {
  return async (query, variables) => {
    const res = await fetch(`${baseUrl}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await res.json()) as { data?: any; errors?: { message: string }[] };
    if (body.errors?.length) throw new Error(`${body.errors[0]!.message} in ${query.slice(0, 60)}`);
    return body.data;
  };
}

/** Runs a mutation and returns its success member, failing loudly on a typed error. */
async function mutate(api: Api, name: string, input: Record<string, unknown>, selection: string): Promise<any> {
  const pascal = name[0]!.toUpperCase() + name.slice(1);
  const data = await api(
    `mutation($input: ${pascal}Input!) { ${name}(input: $input) { __typename ... on ${pascal}Success { ${selection} } ... on Error { message } } }`,
    { input },
  );
  const payload = data[name];
  if (payload.__typename !== `${pascal}Success`) throw new Error(`${name}: ${payload.message}`);
  return payload;
}

export type Demo = {
  organizationId: string;
  adminUserId: string;
  keys: { billing: string; widget: string; revoked: string; rotated: string };
  endpoints: { ok: string; failing: string };
};

export async function seedConsoleDemo(opts: {
  baseUrl: string;
  ownerToken: string;
  organizationId: string;
  orm: MikroORM;
  receiverUrl: string;
}): Promise<Demo> {
  const api = apiClient(opts.baseUrl, opts.ownerToken);
  const org = opts.organizationId;

  await mutate(
    api,
    'defineResource',
    {
      name: 'attendees',
      description: 'People registered for events',
      actions: ['read', 'write'],
      publicActions: ['read'],
      sensitiveFields: ['email', 'phone'],
    },
    'resource { name }',
  );
  await mutate(api, 'defineResource', { name: 'invoices', description: 'Invoices and payments', actions: ['read', 'write'] }, 'resource { name }');
  await mutate(
    api,
    'defineResource',
    { name: 'sessions', description: 'Event sessions and schedules', actions: ['read', 'write'], publicActions: ['read'] },
    'resource { name }',
  );

  const berlin = (await mutate(api, 'createOrganization', { name: 'Acme Berlin' }, 'organization { id }')).organization.id;
  const lisbon = (await mutate(api, 'createOrganization', { name: 'Acme Lisbon' }, 'organization { id }')).organization.id;
  await mutate(api, 'createOrganization', { name: 'Lisbon Summer Pop-up', parentId: lisbon }, 'organization { id }');
  void berlin;

  const roles = await api<{ roles: { edges: { node: { id: string; name: string } }[] } }>('{ roles(first: 50) { edges { node { id name } } } }');
  const ownerRole = roles.roles.edges.find((e) => e.node.name === 'owner')!.node.id;
  const keyManager = (
    await mutate(
      api,
      'createRole',
      {
        name: 'Key manager',
        description: 'Creates and rotates keys, reads usage and events',
        permissions: ['keys:write', 'usage:read', 'events:read', 'users:read'],
      },
      'role { id }',
    )
  ).role.id;
  const support = (
    await mutate(
      api,
      'createRole',
      { name: 'Support', description: 'Read-only access for the support team', permissions: ['users:read', 'keys:read', 'audit:read', 'events:read'] },
      'role { id }',
    )
  ).role.id;
  const sync = (await mutate(api, 'createRole', { name: 'Attendee sync', permissions: ['attendees:write', 'sessions:read', 'invoices:read'] }, 'role { id }'))
    .role.id;

  const user = async (name: string, kind: 'HUMAN' | 'SERVICE', email: string | null, roleIds: string[]) => {
    const id = (await mutate(api, 'createUser', { name, kind, email }, 'user { id }')).user.id as string;
    if (roleIds.length) await mutate(api, 'assignRoles', { userId: id, roles: roleIds.map((roleId) => ({ roleId })) }, 'user { id }');
    return id;
  };
  const ada = await user('Ada Lovelace', 'HUMAN', 'ada@acme.example', [ownerRole]);
  await user('Grace Hopper', 'HUMAN', 'grace@acme.example', [support]);
  await user('Linus Key', 'HUMAN', 'linus@acme.example', [keyManager]);
  const billingUser = await user('Billing sync', 'SERVICE', null, [sync]);
  await user('Zapier connector', 'SERVICE', null, [support]);

  const key = async (input: Record<string, unknown>) => (await mutate(api, 'createApiKey', input, 'apiKey { id }')).apiKey.id as string;
  const widget = await key({
    name: 'Website widget',
    description: 'Embedded schedule on acme.example',
    kind: 'PUBLISHABLE',
    permissions: [{ permission: 'sessions:read' }, { permission: 'attendees:read' }],
  });
  const billing = await key({
    name: 'Billing sync (production)',
    description: 'Nightly invoice and attendee export',
    userId: billingUser,
    allowedIps: ['203.0.113.0/24', '2001:db8::/48'],
    rateLimit: { limit: 600, windowSeconds: 60 },
    permissions: [{ permission: 'attendees:write' }, { permission: 'invoices:read' }],
  });
  await key({
    name: 'CRM export',
    description: 'Weekly CRM import',
    validUntil: new Date(Date.now() + 60 * 86_400_000).toISOString(),
    permissions: [{ permission: 'attendees:read' }],
  });
  await key({ name: 'Zapier', kind: 'INTEGRATION', description: 'New key → Slack' });
  await key({
    name: 'Agency reporting',
    description: 'Reads every location',
    subAccounts: { mode: 'ALL' },
    permissions: [{ permission: 'keys:read' }, { permission: 'usage:read' }],
  });
  const revoked = await key({ name: 'Old importer', description: 'Legacy CSV importer' });
  await mutate(api, 'revokeApiKey', { id: revoked, reason: 'Replaced by Billing sync' }, 'apiKey { id }');
  const rotated = await key({ name: 'Staging', description: 'Staging environment' });
  await mutate(api, 'rotateApiKey', { id: rotated, gracePeriodSeconds: 86_400 }, 'apiKey { id }');

  const okEndpoint = (
    await mutate(
      api,
      'createWebhookEndpoint',
      { url: `${opts.receiverUrl}/hooks/keyplane`, description: 'Slack relay', eventTypes: ['api_key.*'] },
      'webhookEndpoint { id }',
    )
  ).webhookEndpoint.id;
  const failing = (
    await mutate(
      api,
      'createWebhookEndpoint',
      { url: `${opts.receiverUrl}/failing`, description: 'Ticketing (down for maintenance)', eventTypes: ['api_key.revoked', 'user.*'] },
      'webhookEndpoint { id }',
    )
  ).webhookEndpoint.id;

  await usageHistory(opts.orm, billing, org);
  return { organizationId: org, adminUserId: ada, keys: { billing, widget, revoked, rotated }, endpoints: { ok: okEndpoint, failing } };
}

/** 30 days of per-hour usage (mostly valid, some refusals) and recent detailed verifications. */
async function usageHistory(orm: MikroORM, apiKeyId: string, organizationId: string): Promise<void> {
  const conn = orm.em.getConnection();
  const now = Date.now();
  const hour = 3_600_000;
  const rows: unknown[][] = [];
  for (let h = 30 * 24; h >= 0; h--) {
    const minute = new Date(Math.floor((now - h * hour) / hour) * hour);
    const daytime = (minute.getUTCHours() + 24) % 24 >= 7 && minute.getUTCHours() <= 20;
    const base = Math.round((daytime ? 120 : 25) * (0.7 + 0.6 * Math.abs(Math.sin(h / 7))));
    rows.push([apiKeyId, organizationId, minute, 'VALID', base]);
    if (h % 5 === 0) rows.push([apiKeyId, organizationId, minute, 'RATE_LIMITED', Math.round(base / 8)]);
    if (h % 17 === 0) rows.push([apiKeyId, organizationId, minute, 'IP_NOT_ALLOWED', 3]);
    if (h % 29 === 0) rows.push([apiKeyId, organizationId, minute, 'INSUFFICIENT_PERMISSIONS', 2]);
  }
  for (let i = 0; i < rows.length; i += 500) {
    const chunk = rows.slice(i, i + 500);
    await conn.execute(
      `insert into usage_bucket (api_key_id, organization_id, minute, code, count) values ${chunk.map(() => '(?, ?, ?, ?, ?)').join(', ')}`,
      chunk.flat(),
    );
  }
  const codes = ['VALID', 'VALID', 'VALID', 'VALID', 'RATE_LIMITED', 'VALID', 'IP_NOT_ALLOWED', 'VALID'];
  for (let i = 0; i < 12; i++) {
    await conn.execute('insert into key_verification (api_key_id, organization_id, at, ip, permission, code) values (?, ?, ?, ?, ?, ?)', [
      apiKeyId,
      organizationId,
      new Date(now - i * 7 * 60_000),
      codes[i % codes.length] === 'IP_NOT_ALLOWED' ? '198.51.100.23' : `203.0.113.${10 + (i % 5)}`,
      i % 3 === 0 ? 'invoices:read' : 'attendees:write',
      codes[i % codes.length],
    ]);
  }
  await conn.execute('update api_key set last_used_at = ?, last_used_ip = ? where id = ?', [new Date(now - 4 * 60_000), '203.0.113.12', apiKeyId]);
}

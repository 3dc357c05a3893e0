/**
 * Samples Zapier shows before live data exists. They have the exact shape Keyplane sends (the tests
 * compare them with real events and records), with made-up values.
 */

export const USER_SAMPLE = {
  id: 'usr_4Yb1Xq9mTz0LhVwK2sNd',
  organizationId: 'org_8Jk2PqR5sT7uVwX9yZa1',
  name: 'Ada Lovelace',
  email: 'ada@example.com',
  kind: 'HUMAN',
  status: 'ACTIVE',
  createdAt: '2026-11-23T10:00:00.000Z',
};

/** A key as the key operations output it (never a secret). */
export const API_KEY_SAMPLE = {
  id: 'key_7Hc3Lm0Qw2Er5Ty8Ui1O',
  keyId: 'A1b2C3d4E5f6G7h8',
  name: 'Billing sync',
  description: 'Reads invoices for the nightly export',
  kind: 'SECRET',
  status: 'ACTIVE',
  start: 'kp_sk_A1b2C3d4E5f6G7h8_x9Yz',
  userId: USER_SAMPLE.id,
  organizationId: USER_SAMPLE.organizationId,
  createdAt: '2026-11-23T10:05:00.000Z',
  updatedAt: '2026-11-23T10:05:00.000Z',
  lastUsedAt: null,
  validFrom: null,
  validUntil: null,
  rotatedAt: null,
  revokedAt: null,
  revokedReason: null,
  allowedIps: [],
  permissions: [{ permission: 'invoices:read', resourceIds: null }],
  user: { id: USER_SAMPLE.id, name: USER_SAMPLE.name, email: USER_SAMPLE.email },
};

/** The key inside `api_key.*` events (the event's own copy, written with the change). */
const EVENT_KEY = {
  id: API_KEY_SAMPLE.id,
  keyId: API_KEY_SAMPLE.keyId,
  name: API_KEY_SAMPLE.name,
  description: API_KEY_SAMPLE.description,
  kind: 'SECRET',
  status: 'ACTIVE',
  start: API_KEY_SAMPLE.start,
  organizationId: API_KEY_SAMPLE.organizationId,
  userId: API_KEY_SAMPLE.userId,
  permissions: [{ permission: 'invoices:read', resourceIds: null }],
  validFrom: null,
  validUntil: null,
  allowedIps: [],
  subAccounts: { mode: 'NONE' },
  rateLimit: null,
  credits: null,
  metadata: {},
  source: 'Zapier',
  lastUsedAt: null,
  rotatedAt: null,
  revokedAt: null,
  revokedReason: null,
  leakedAt: null,
  customerId: null,
  createdAt: API_KEY_SAMPLE.createdAt,
};

const SUMMARY_KEY = {
  id: EVENT_KEY.id,
  keyId: EVENT_KEY.keyId,
  name: EVENT_KEY.name,
  kind: EVENT_KEY.kind,
  organizationId: EVENT_KEY.organizationId,
  userId: EVENT_KEY.userId,
};

function event(id: string, type: string, occurredAt: string, data: Record<string, unknown>) {
  return { id, type, occurredAt, organizationId: USER_SAMPLE.organizationId, data };
}

export const EVENT_SAMPLES = {
  'api_key.created': event('evt_1aB2cD3eF4gH5iJ6kL7m', 'api_key.created', '2026-11-23T10:05:00.000Z', { apiKey: EVENT_KEY }),
  'api_key.rotated': event('evt_2bC3dE4fG5hI6jK7lM8n', 'api_key.rotated', '2026-11-24T09:00:00.000Z', {
    apiKey: { ...EVENT_KEY, rotatedAt: '2026-11-24T09:00:00.000Z' },
    gracePeriodSeconds: 3600,
    previousSecretExpiresAt: '2026-11-24T10:00:00.000Z',
  }),
  'api_key.revoked': event('evt_3cD4eF5gH6iJ7kL8mN9o', 'api_key.revoked', '2026-11-25T12:30:00.000Z', {
    apiKey: { ...EVENT_KEY, status: 'REVOKED', revokedAt: '2026-11-25T12:30:00.000Z', revokedReason: 'Employee left' },
    reason: 'Employee left',
  }),
  'api_key.expiring_soon': event('evt_4dE5fG6hI7jK8lM9nO0p', 'api_key.expiring_soon', '2027-02-06T00:00:00.000Z', {
    apiKey: { ...SUMMARY_KEY, status: 'ACTIVE' },
    daysLeft: 15,
    threshold: 15,
    expiresAt: '2027-02-21T10:05:00.000Z',
    lastActivityAt: '2026-11-23T10:05:00.000Z',
    reason: 'inactivity',
  }),
  'api_key.expired': event('evt_5eF6gH7iJ8kL9mN0oP1q', 'api_key.expired', '2027-02-21T10:06:00.000Z', {
    apiKey: { ...SUMMARY_KEY, status: 'EXPIRED' },
    reason: 'inactivity',
    expiredAt: '2027-02-21T10:05:00.000Z',
    lastActivityAt: '2026-11-23T10:05:00.000Z',
    inactivityDays: 90,
  }),
  'api_key.leaked': event('evt_7gH8iJ9kL0mN1oP2qR3s', 'api_key.leaked', '2026-11-26T08:15:00.000Z', {
    apiKey: {
      ...EVENT_KEY,
      status: 'REVOKED',
      revokedAt: '2026-11-26T08:15:00.000Z',
      revokedReason: 'Found leaked by GitHub secret scanning',
      leakedAt: '2026-11-26T08:15:00.000Z',
    },
    leak: {
      reporter: 'github',
      type: 'keyplane_secret_key',
      url: 'https://github.com/acme/billing/blob/4f2a9c1/.env',
      source: 'content',
      action: 'REVOKED',
      policy: 'REVOKE',
    },
  }),
  'user.created': event('evt_6fG7hI8jK9lM0nO1pQ2r', 'user.created', '2026-11-23T10:00:00.000Z', {
    user: { id: USER_SAMPLE.id, organizationId: USER_SAMPLE.organizationId, name: USER_SAMPLE.name, email: USER_SAMPLE.email, kind: 'HUMAN', status: 'ACTIVE' },
  }),
} as const;

export type TriggeredEventType = keyof typeof EVENT_SAMPLES;

/** Helpers shared by the key actions. */

/** Zapier passes list fields as arrays, or one string when a single value was mapped. */
export function asList(value: unknown): string[] {
  const items = Array.isArray(value) ? value : value == null || value === '' ? [] : [value];
  return items.map((v) => String(v).trim()).filter(Boolean);
}

export function optionalString(value: unknown): string | null {
  return value == null || value === '' ? null : String(value);
}

/** The outputs every key action shares; token and secret exist only on create and rotate. */
export const API_KEY_OUTPUT_FIELDS = [
  { key: 'id', label: 'Key ID (Keyplane)' },
  { key: 'keyId', label: 'Public Key ID' },
  { key: 'name', label: 'Name' },
  { key: 'description', label: 'Description' },
  { key: 'kind', label: 'Kind' },
  { key: 'status', label: 'Status' },
  { key: 'start', label: 'Token Start' },
  { key: 'userId', label: 'User ID' },
  { key: 'organizationId', label: 'Organization ID' },
  { key: 'createdAt', label: 'Created At', type: 'datetime' as const },
  { key: 'validUntil', label: 'Valid Until', type: 'datetime' as const },
  { key: 'revokedAt', label: 'Revoked At', type: 'datetime' as const },
  { key: 'user__name', label: 'User Name' },
  { key: 'user__email', label: 'User Email' },
];

/** Shown once by Keyplane; `password` makes Zapier treat the values as secrets. */
export const SECRET_OUTPUT_FIELDS = [
  { key: 'token', label: 'Token (shown once)', type: 'password' as const },
  { key: 'secret', label: 'Secret (shown once, the password half of Basic auth)', type: 'password' as const },
];

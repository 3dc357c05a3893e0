import { randomBase62 } from './base62.ts';

export const ID_PREFIXES = {
  organization: 'org',
  user: 'usr',
  role: 'rol',
  roleAssignment: 'ras',
  resource: 'res',
  apiKey: 'key',
  event: 'evt',
  audit: 'aud',
  webhookEndpoint: 'whe',
  delivery: 'dlv',
  notification: 'ntf',
  consoleSession: 'cs',
  keyLeak: 'lk',
  customer: 'cus',
} as const;

export type IdKind = keyof typeof ID_PREFIXES;

/** Prefixed, URL-safe id: the prefix tells what a bare id in a log or support ticket refers to. */
export function newId(kind: IdKind): string {
  return `${ID_PREFIXES[kind]}_${randomBase62(20)}`;
}

export function isIdOf(kind: IdKind, value: string): boolean {
  return value.length === ID_PREFIXES[kind].length + 21 && value.startsWith(`${ID_PREFIXES[kind]}_`) && /^[a-z]+_[0-9A-Za-z]{20}$/.test(value);
}

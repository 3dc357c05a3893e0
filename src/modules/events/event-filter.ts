import { EVENT_TYPES, EVENT_TYPE_SET } from './event.types.ts';
import { pathIds } from '../principal/key-record.ts';

export const EVENT_FAMILIES: ReadonlySet<string> = new Set(EVENT_TYPES.map((t) => t.slice(0, t.indexOf('.'))));

/** Why an event-type filter entry is not accepted, or null: exact types, `family.*` or `*`. */
export function invalidEventPattern(pattern: string): string | null {
  if (pattern === '*' || EVENT_TYPE_SET.has(pattern)) return null;
  if (pattern.endsWith('.*') && EVENT_FAMILIES.has(pattern.slice(0, -2))) return null;
  return `unknown event type ${JSON.stringify(pattern.slice(0, 80))}; use an exact type, a family wildcard such as api_key.* or *`;
}

/** An empty list means every event. */
export function matchesEventTypes(patterns: readonly string[], type: string): boolean {
  if (patterns.length === 0) return true;
  return patterns.some((p) => p === '*' || p === type || (p.endsWith('.*') && type.startsWith(p.slice(0, -1))));
}

export type EndpointRoute = { id: string; organizationId: string; eventTypes: string[]; includeSubAccounts: boolean };

/**
 * Whether an event of the organisation at `eventOrgPath` goes to the endpoint: events of the
 * endpoint's own organisation always, a sub-account's only when it includes sub-accounts.
 */
export function endpointWants(endpoint: EndpointRoute, eventType: string, eventOrgPath: string): boolean {
  const ids = pathIds(eventOrgPath);
  const own = ids.at(-1) === endpoint.organizationId;
  if (!own && !(endpoint.includeSubAccounts && ids.includes(endpoint.organizationId))) return false;
  return matchesEventTypes(endpoint.eventTypes, eventType);
}

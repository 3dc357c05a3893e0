import type { z } from 'zod';
import type { PrivateNetworks } from '../../src/lib/ssrf.ts';

/**
 * The webhook connector's model (after activepieces): it declares its auth, the trigger that feeds
 * Keyplane events out and the action it performs, and imports only this file and src/lib; the
 * composition root hands it everything else through contexts. (This was connectors/_sdk, a
 * framework with this one user: the Zapier app is a zapier-platform-core app with its own model.)
 */

/** A lifecycle event as it leaves Keyplane (the `events` JSON of the API contract). */
export interface ConnectorEvent {
  id: string;
  type: string;
  occurredAt: string;
  organizationId: string;
  data: Record<string, unknown>;
}

/** Deployment facts a connector that calls out must respect. */
export interface NetworkPolicy {
  allowLoopback: boolean;
  production: boolean;
  /** Private ranges the operator opened to webhooks (KEYPLANE_WEBHOOKS_ALLOW_PRIVATE_CIDRS). */
  allowPrivate?: PrivateNetworks;
}

export interface ConnectorAuth<S extends z.ZodType = z.ZodType> {
  displayName: string;
  description?: string;
  props: S;
}

export type TriggerType = 'webhook' | 'polling';

export interface TriggerLifecycleContext<A = unknown> {
  auth: A;
  /** The subscription being enabled or disabled (e.g. a webhook endpoint id). */
  subscriptionId: string;
  network: NetworkPolicy;
}

export interface TriggerRunContext<A = unknown> {
  auth: A;
  event: ConnectorEvent;
}

export interface TriggerDefinition<A = unknown, O = unknown> {
  name: string;
  displayName: string;
  description?: string;
  type: TriggerType;
  /** Event type names (`api_key.created`) or families (`user.*`). */
  eventTypes: readonly string[];
  onEnable?(ctx: TriggerLifecycleContext<A>): Promise<void>;
  onDisable?(ctx: TriggerLifecycleContext<A>): Promise<void>;
  /** Shapes one event into what the integration receives. */
  run(ctx: TriggerRunContext<A>): Promise<O>;
}

export interface ActionRunContext<A = unknown, P = unknown> {
  auth: A;
  props: P;
  network: NetworkPolicy;
}

export interface ActionDefinition<S extends z.ZodType = z.ZodType, R = unknown, A = unknown> {
  name: string;
  displayName: string;
  description?: string;
  props: S;
  run(ctx: ActionRunContext<A, z.output<S>>): Promise<R>;
}

export interface ConnectorDefinition<
  T extends readonly TriggerDefinition<z.ZodType, unknown>[] = readonly TriggerDefinition<z.ZodType, unknown>[],
  C extends readonly ActionDefinition<z.ZodType, unknown, unknown>[] = readonly ActionDefinition<z.ZodType, unknown, unknown>[],
> {
  name: string;
  displayName: string;
  description?: string;
  auth?: ConnectorAuth;
  triggers: T;
  actions: C;
}

const NAME = /^[a-z][a-z0-9_-]*$/;
const EVENT_PATTERN = /^(\*|[a-z_]+\.(\*|[a-z_]+))$/;

function checkName(kind: string, name: string): void {
  if (!NAME.test(name)) throw new Error(`${kind} name "${name}" must match ${NAME}`);
}

export function defineTrigger<A = unknown, O = unknown>(def: TriggerDefinition<A, O>): TriggerDefinition<A, O> {
  checkName('trigger', def.name);
  if (def.eventTypes.length === 0) throw new Error(`trigger ${def.name} lists no event types`);
  for (const t of def.eventTypes) {
    if (!EVENT_PATTERN.test(t)) throw new Error(`trigger ${def.name}: bad event type "${t}"`);
  }
  return Object.freeze({ ...def, eventTypes: Object.freeze([...def.eventTypes]) });
}

export function defineAction<S extends z.ZodType, R, A = unknown>(def: ActionDefinition<S, R, A>): ActionDefinition<S, R, A> {
  checkName('action', def.name);
  return Object.freeze({ ...def });
}

export function defineConnector<
  const T extends readonly TriggerDefinition<z.ZodType, unknown>[],
  const C extends readonly ActionDefinition<z.ZodType, unknown, unknown>[],
>(def: ConnectorDefinition<T, C>): ConnectorDefinition<T, C> {
  checkName('connector', def.name);
  for (const [kind, items] of [
    ['trigger', def.triggers],
    ['action', def.actions],
  ] as const) {
    const seen = new Set<string>();
    for (const item of items) {
      if (seen.has(item.name)) throw new Error(`connector ${def.name}: duplicate ${kind} "${item.name}"`);
      seen.add(item.name);
    }
  }
  return Object.freeze({ ...def });
}

/** Whether an event type is covered by a trigger's `eventTypes`. */
export function matchesEventType(patterns: readonly string[], type: string): boolean {
  return patterns.some((p) => p === '*' || p === type || (p.endsWith('.*') && type.startsWith(p.slice(0, -1))));
}

/**
 * Runs an action on untrusted input (a job payload): props are parsed with the action's schema
 * first, so `run` only ever sees valid props. Throws the zod error otherwise.
 */
export async function runAction<S extends z.ZodType, R, A>(
  action: ActionDefinition<S, R, A>,
  ctx: { auth: A; props: unknown; network: NetworkPolicy },
): Promise<R> {
  const props = action.props.parse(ctx.props) as z.output<S>;
  return action.run({ auth: ctx.auth, props, network: ctx.network });
}

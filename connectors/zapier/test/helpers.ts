import zapier, { type Bundle, type ZObject } from 'zapier-platform-core';
import App from '../src/index.js';
import { userWithKey } from '../../../test/fixtures.js';
import type { TestServer } from '../../../test/harness.js';

/** Runs app operations in-process, with real HTTP to the test server (no Zapier servers involved). */
export const appTester = zapier.createAppTester(App);
export { App };

/** What a Zap holds for a connection: the Keyplane URL and the integration key. */
export function authData(server: { url: string }, apiKey: string) {
  return { baseUrl: server.url, apiKey };
}

/** Everything the Zapier app uses. */
export const ZAPIER_PERMISSIONS = ['keys:write', 'users:write', 'roles:write', 'events:read', 'webhooks:write'];

/** A service user holding `permissions` and an INTEGRATION key acting as it: what a customer connects Zapier with. */
export async function integrationKey(server: TestServer, org: { token: string; organizationId: string }, permissions = ZAPIER_PERMISSIONS) {
  return userWithKey(server, org.token, org.organizationId, permissions, { kind: 'INTEGRATION' });
}

export type ZapierFailure = { name: string; message: string; code?: string; status?: number };

/**
 * Runs an operation that must fail and returns how: z.errors.Error carries a JSON message
 * ({ message, code, status }), the other platform errors a plain one.
 */
export async function failure(run: Promise<unknown>): Promise<ZapierFailure> {
  try {
    await run;
  } catch (err) {
    const e = err as Error;
    if (e.name === 'AppError') {
      const parsed = JSON.parse(e.message) as { message: string; code?: string; status?: number };
      return { name: e.name, ...parsed };
    }
    return { name: e.name, message: e.message };
  }
  throw new Error('expected the operation to fail, it succeeded');
}

/** An operation of the app by the path Zapier's CLI uses (`triggers.new_user.operation.perform`). */
export function method(path: string): (z: ZObject, bundle: Bundle) => unknown {
  const fn = path.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], App);
  if (typeof fn !== 'function') throw new Error(`the app has no function at ${path}`);
  return fn as (z: ZObject, bundle: Bundle) => unknown;
}

/** The functions and sample of a REST-hook trigger. */
export function hookOf(key: string) {
  const fn = (name: string) => method(`triggers.${key}.operation.${name}`);
  const operation = (App.triggers as Record<string, { operation: { sample?: unknown } }>)[key]!.operation;
  return {
    perform: fn('perform'),
    performList: fn('performList'),
    performSubscribe: fn('performSubscribe'),
    performUnsubscribe: fn('performUnsubscribe'),
    sample: operation.sample,
  };
}

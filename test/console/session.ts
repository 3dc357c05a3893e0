import { expect } from 'vitest';
import { gql, success, type TestServer } from '../harness.ts';
import { CreateConsoleSession } from './ops.ts';

export type Browser = { cookie: string; csrf: string; headers: Record<string, string>; setCookies: string[] };

/** Mints a console link as `token`'s key for `userId` (asserting success). */
export async function mintLink(server: TestServer, token: string, userId: string, returnPath?: string): Promise<string> {
  const res = await gql(server, token, CreateConsoleSession, { input: { userId, returnPath } });
  return success(res.data?.createConsoleSession, 'CreateConsoleSessionSuccess').url;
}

/** Follows a console link as a browser would (no redirect following), returning the raw response. */
export function openLink(url: string): Promise<Response> {
  return fetch(url, { redirect: 'manual' });
}

/** Exchanges a link and returns the cookies and the headers a console request sends. */
export async function signIn(url: string, names = { session: 'kp_console', csrf: 'kp_csrf' }): Promise<Browser> {
  const res = await openLink(url);
  expect(res.status).toBe(303);
  const setCookies = res.headers.getSetCookie();
  const value = (name: string) => setCookies.find((c) => c.startsWith(`${name}=`))!.split(';')[0]!.slice(name.length + 1);
  const cookie = value(names.session);
  const csrf = value(names.csrf);
  return { cookie, csrf, setCookies, headers: { cookie: `${names.session}=${cookie}; ${names.csrf}=${csrf}`, 'x-keyplane-csrf': csrf } };
}

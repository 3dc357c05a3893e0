import { createClient, type Client } from 'graphql-ws';
import { expect } from 'vitest';
import WebSocket from 'ws';
import { gql, success, type TestServer } from '../harness.ts';
import { CreateConsoleSession } from './ops.ts';

export type Browser = { cookie: string; csrf: string; headers: Record<string, string>; setCookies: string[] };

/** Mints a console link as `token`'s key for `userId` (asserting success). */
export async function mintLink(server: TestServer, token: string, userId: string, returnPath?: string): Promise<string> {
  const res = await gql(server, token, CreateConsoleSession, { input: { userId, returnPath } });
  return success(res.data?.createConsoleSession, 'CreateConsoleSessionSuccess').url;
}

/** Follows a console link (GET): the confirmation page, which does not use the link. */
export function previewLink(url: string): Promise<Response> {
  return fetch(url, { redirect: 'manual' });
}

/** Posts a link's token as the confirmation page's form does (same-origin), returning the raw response. */
export function postLinkToken(url: string, headers: Record<string, string> = { 'sec-fetch-site': 'same-origin' }): Promise<Response> {
  const token = new URL(url).searchParams.get('token') ?? '';
  return fetch(new URL('/console/auth', url), {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams({ token }).toString(),
  });
}

/**
 * Follows a console link and confirms as a person would: the page (GET), then its form (POST).
 * Returns the page's response when it refused the link, else the POST's (303 with cookies).
 */
export async function openLink(url: string): Promise<Response> {
  const page = await previewLink(url);
  if (page.status !== 200) return page;
  const html = await page.text();
  expect(html).toContain('<form method="post" action="/console/auth">');
  return postLinkToken(url);
}

/** Exchanges a link and returns the cookies and the headers a console request sends. */
export async function signIn(url: string, names = { session: 'kp_console', csrf: 'kp_csrf' }): Promise<Browser> {
  const res = await openLink(url);
  expect(res.status).toBe(303);
  const setCookies = res.headers.getSetCookie();
  const value = (name: string) =>
    setCookies
      .find((c) => c.startsWith(`${name}=`))!
      .split(';')[0]!
      .slice(name.length + 1);
  const cookie = value(names.session);
  const csrf = value(names.csrf);
  return { cookie, csrf, setCookies, headers: { cookie: `${names.session}=${cookie}; ${names.csrf}=${csrf}`, 'x-keyplane-csrf': csrf } };
}

/** A graphql-ws client authenticated as a browser: its session cookie on the upgrade, the CSRF token as a connection param. */
export function consoleSocket(server: TestServer, browser: Browser, opts: { lazy?: boolean } = {}): Client {
  class CookieSocket extends WebSocket {
    constructor(address: string, protocols?: string | string[]) {
      super(address, protocols, { headers: { cookie: browser.headers.cookie! } });
    }
  }
  return createClient({
    url: `${server.url.replace('http', 'ws')}/graphql`,
    webSocketImpl: CookieSocket,
    connectionParams: { 'x-keyplane-csrf': browser.csrf },
    retryAttempts: 0,
    ...(opts.lazy === false ? { lazy: false, onNonLazyError: () => undefined } : {}),
  });
}

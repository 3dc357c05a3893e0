/**
 * How the console authenticates. A console link leaves an httpOnly session cookie (the script
 * never sees it) and a readable CSRF cookie whose value goes back in a header. An operator who
 * signs in with a key keeps it in this module's memory only: never in storage, gone on reload.
 */
export type AuthMode = { mode: 'session'; csrf: string } | { mode: 'key'; token: string } | { mode: 'none'; reason?: string };

const CSRF_COOKIES = ['__Host-kp_csrf', 'kp_csrf'];
export const CSRF_HEADER = 'x-keyplane-csrf';

let current: AuthMode = { mode: 'none' };
const listeners = new Set<(a: AuthMode) => void>();

function readCsrfCookie(): string | null {
  for (const part of document.cookie.split(';')) {
    const [name, ...rest] = part.trim().split('=');
    if (name && CSRF_COOKIES.includes(name) && rest.length) return rest.join('=');
  }
  return null;
}

/** At start-up: a session if the CSRF cookie of one is present. */
export function initialAuth(): AuthMode {
  const csrf = readCsrfCookie();
  current = csrf ? { mode: 'session', csrf } : { mode: 'none' };
  return current;
}

export function getAuth(): AuthMode {
  return current;
}

export function setAuth(a: AuthMode): void {
  current = a;
  for (const l of listeners) l(a);
}

export function onAuthChange(l: (a: AuthMode) => void): () => void {
  listeners.add(l);
  return () => listeners.delete(l);
}

/** Forgets the CSRF cookie of a session the server no longer accepts, so a reload starts clean. */
function forgetSessionCookie(): void {
  const secure = location.protocol === 'https:' ? '; Secure' : '';
  // biome-ignore lint/suspicious/noDocumentCookie: the Cookie Store API is not in every browser the console supports
  for (const name of CSRF_COOKIES) document.cookie = `${name}=; Max-Age=0; Path=/; SameSite=Strict${secure}`;
}

export function signedOut(reason?: string): void {
  if (current.mode === 'session') forgetSessionCookie();
  if (current.mode !== 'none') setAuth({ mode: 'none', reason });
}

/** Headers for /graphql: the CSRF token with the cookie session, or the key as a Bearer token. */
export function authHeaders(): Record<string, string> {
  if (current.mode === 'session') return { [CSRF_HEADER]: current.csrf };
  if (current.mode === 'key') return { authorization: `Bearer ${current.token}` };
  return {};
}

/** The same, as graphql-ws connection params (the browser adds the cookie to the upgrade itself). */
export function connectionParams(): Record<string, string> {
  return authHeaders();
}

export async function signOut(): Promise<void> {
  const a = current;
  if (a.mode === 'session') {
    await fetch('/console/logout', { method: 'POST', credentials: 'same-origin', headers: { [CSRF_HEADER]: a.csrf } }).catch(() => undefined);
  }
  if (a.mode === 'session') forgetSessionCookie();
  setAuth({ mode: 'none', reason: 'You have signed out.' });
}

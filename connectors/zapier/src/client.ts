import type { AfterResponseMiddleware, BeforeRequestMiddleware, Bundle, ZObject } from 'zapier-platform-core';
import type { TypedDocumentString } from './gql/graphql.js';

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * The GraphQL endpoint of the Keyplane the user connected, from the `baseUrl` auth field, or null
 * when it is not usable. Plain http is accepted only on loopback (a local Keyplane in development
 * and tests): anywhere else the key would cross the network in clear.
 */
export function graphqlEndpoint(baseUrl: unknown): string | null {
  if (typeof baseUrl !== 'string' || baseUrl.length > 2048) return null;
  let url: URL;
  try {
    url = new URL(baseUrl.trim());
  } catch {
    return null;
  }
  if (url.username || url.password || url.search || url.hash) return null;
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname))) return null;
  const path = url.pathname.replace(/\/+$/, '');
  return `${url.origin}${path.endsWith('/graphql') ? path : `${path}/graphql`}`;
}

function endpointOrThrow(z: ZObject, bundle: Bundle): string {
  const endpoint = graphqlEndpoint(bundle.authData?.baseUrl);
  if (!endpoint) {
    throw new z.errors.Error(
      'The Keyplane URL must be an https:// address such as https://keys.example.com (http:// only for localhost).',
      'InvalidBaseUrl',
      400,
    );
  }
  return endpoint;
}

/** Sends the integration key, and only to the connected Keyplane. */
export const includeApiKey: BeforeRequestMiddleware = (request, _z, bundle) => {
  const endpoint = graphqlEndpoint(bundle.authData?.baseUrl);
  const apiKey = bundle.authData?.apiKey;
  if (endpoint && apiKey && sameOrigin(request.url, endpoint)) {
    request.headers = { ...request.headers, authorization: `Bearer ${apiKey}` };
  }
  return request;
};

function sameOrigin(a: string, b: string): boolean {
  try {
    return new URL(a).origin === new URL(b).origin;
  } catch {
    return false;
  }
}

type GraphQLErrorJson = { message?: string; extensions?: { code?: string } };

function firstError(z: ZObject, errors: GraphQLErrorJson[], status: number): Error {
  const [e] = errors;
  return new z.errors.Error(e?.message ?? 'Keyplane answered with an error', e?.extensions?.code ?? 'GraphQLError', status);
}

/**
 * Keyplane answers 401 for a key that is unknown, revoked, expired or whose user was disabled:
 * the connection is dead, so Zapier is told to ask the user to reconnect (ExpiredAuthError is the
 * platform's signal for auth types that cannot refresh themselves).
 */
export const handleErrors: AfterResponseMiddleware = (response, z) => {
  if (response.status === 401) {
    throw new z.errors.ExpiredAuthError('Keyplane refused the integration key (revoked, expired, or its user disabled). Reconnect with a valid key.');
  }
  if (response.status >= 400) {
    const body = safeJson(response.content) as { errors?: GraphQLErrorJson[] } | null;
    if (body?.errors?.length) throw firstError(z, body.errors, response.status);
  }
  return response;
};

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/** Runs one typed operation against the connected Keyplane and returns its `data`. */
export async function execute<TResult, TVariables>(
  z: ZObject,
  bundle: Bundle,
  document: TypedDocumentString<TResult, TVariables>,
  variables: TVariables,
): Promise<TResult> {
  const response = await z.request<{ data?: TResult | null; errors?: GraphQLErrorJson[] }>({
    url: endpointOrThrow(z, bundle),
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: { query: document.toString(), variables },
  });
  const body = response.data;
  if (body?.errors?.length) throw firstError(z, body.errors, response.status);
  if (!body?.data) throw new z.errors.Error('Keyplane sent an empty answer', 'EmptyResponse', response.status);
  return body.data;
}

type PayloadError = { __typename: string; code?: string; message?: string; fields?: { path: string; message: string }[] };

const STATUS_BY_CODE: Record<string, number> = { VALIDATION: 400, NOT_FOUND: 404, FORBIDDEN: 403, CONFLICT: 409 };

/**
 * A mutation payload is a union of its success type and typed errors; anything but the success
 * becomes a Zapier error naming the fields at fault, so the user sees what to fix in the step.
 */
export function expectSuccess<P extends { __typename?: string }, N extends string>(z: ZObject, payload: P, typename: N): Extract<P, { __typename?: N }> {
  if (payload.__typename === typename) return payload as Extract<P, { __typename?: N }>;
  const e = payload as unknown as PayloadError;
  const message = e.message ?? 'Keyplane refused the request';
  const details = (e.fields ?? []).map((f) => `${f.path}: ${f.message}`).filter((d) => !message.includes(d));
  const fields = details.length ? ` (${details.join('; ')})` : '';
  const code = e.code ?? e.__typename ?? 'Error';
  throw new z.errors.Error(`${message}${fields}`, code, STATUS_BY_CODE[code] ?? 400);
}

/** Whether a payload is the NOT_FOUND member (out of reach looks the same as missing). */
export function isNotFound(payload: { __typename?: string }): boolean {
  return payload.__typename === 'NotFoundError';
}

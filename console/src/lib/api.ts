import { humanMessage } from './format.js';
import type { TypedDocumentString } from '../gql/graphql.js';
import { authHeaders, signedOut } from './auth.js';

export type FieldError = { path: string; message: string };

/** A failure to show: the message of a typed error member, a GraphQL error, or the network. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly code: string = 'ERROR',
    readonly fields: FieldError[] = [],
  ) {
    super(humanMessage(message));
  }
}

type Payload = { __typename?: string; message?: string; code?: string; fields?: FieldError[] };

/**
 * Runs one typed operation against /graphql. The console talks to nothing else: a 401 means the
 * session or key is no longer valid, and sends the user back to sign-in.
 */
export async function request<R, V>(doc: TypedDocumentString<R, V>, ...[variables]: V extends Record<string, never> ? [] | [V] : [V]): Promise<R> {
  let res: Response;
  try {
    res = await fetch('/graphql', {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json', ...authHeaders() },
      body: JSON.stringify({ query: doc.toString(), variables: variables ?? {} }),
    });
  } catch {
    throw new ApiError('Keyplane could not be reached. Check your connection and try again.', 'NETWORK');
  }
  if (res.status === 401) {
    signedOut('Your session has ended. Sign in again.');
    throw new ApiError('Signed out', 'UNAUTHENTICATED');
  }
  const body = (await res.json().catch(() => null)) as { data?: R; errors?: { message: string; extensions?: { code?: string } }[] } | null;
  if (!body) throw new ApiError(`Unexpected answer (HTTP ${res.status})`);
  if (body.errors?.length && !body.data) {
    const e = body.errors[0]!;
    throw new ApiError(e.message, e.extensions?.code ?? 'ERROR');
  }
  if (body.errors?.length) {
    const e = body.errors[0]!;
    throw new ApiError(e.message, e.extensions?.code ?? 'ERROR');
  }
  return body.data as R;
}

/** Narrows a mutation payload union to its success member; throws its typed error otherwise. */
export function ok<P extends Payload, N extends string>(payload: P, typename: N): Extract<P, { __typename?: N }> {
  if (payload.__typename === typename) return payload as never;
  throw new ApiError(payload.message ?? 'The change was refused', payload.code ?? 'ERROR', payload.fields ?? []);
}

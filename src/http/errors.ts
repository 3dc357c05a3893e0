import type { ServerResponse } from 'node:http';

/**
 * The one error body of every non-GraphQL route (the same shape GraphQL errors have, so a client
 * reads `errors[0].extensions.code` whichever way it called): `{ errors: [{ message, extensions:
 * { code, ...details } }] }`. Codes are upper-case constants (UNAUTHENTICATED, FORBIDDEN,
 * VALIDATION, NOT_FOUND, METHOD_NOT_ALLOWED, LENGTH_REQUIRED, PAYLOAD_TOO_LARGE,
 * UNSUPPORTED_MEDIA_TYPE, UNAVAILABLE, INTERNAL).
 */
export type ErrorBody = { errors: [{ message: string; extensions: { code: string } & Record<string, unknown> }] };

export const JSON_HEADERS = { 'content-type': 'application/json; charset=utf-8' } as const;

export function errorBody(code: string, message: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ errors: [{ message, extensions: { code, ...extra } }] } satisfies ErrorBody);
}

/** Answers `status` with the shared error body (and extra headers: allow, retry-after, www-authenticate). */
export function sendError(
  res: ServerResponse,
  status: number,
  code: string,
  message: string,
  extra: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { ...JSON_HEADERS, ...headers });
  res.end(errorBody(code, message, extra));
}

/** A JSON answer (any status) with the usual content type. */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { ...JSON_HEADERS, ...headers });
  res.end(typeof body === 'string' ? body : JSON.stringify(body));
}

import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendError } from './errors.ts';

/**
 * Reads a request body of at most `limit` bytes, whatever its content-length announced; null when
 * it is longer (the request is then destroyed: the caller answers 413 on a connection that closes).
 */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        resolve(null);
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/**
 * The JSON body of an API route, bounded: answers the shared error (415, 411, 413, 400) itself and
 * returns undefined when the body is not a JSON document of at most `limit` bytes.
 */
export async function readJsonBody(req: IncomingMessage, res: ServerResponse, limit: number): Promise<unknown> {
  const type = req.headers['content-type'];
  if (!type?.startsWith('application/json')) return sendError(res, 415, 'UNSUPPORTED_MEDIA_TYPE', 'Send the input as application/json');
  const announced = req.headers['content-length'];
  if (announced === undefined) return sendError(res, 411, 'LENGTH_REQUIRED', 'content-length required');
  if (Number(announced) > limit) return sendError(res, 413, 'PAYLOAD_TOO_LARGE', `the body is limited to ${limit} bytes`);
  const body = await readBody(req, limit);
  if (body === null) return sendError(res, 413, 'PAYLOAD_TOO_LARGE', `the body is limited to ${limit} bytes`);
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return sendError(res, 400, 'VALIDATION', 'the body is not valid JSON');
  }
}

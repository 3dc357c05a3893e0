import type { App } from '../app.ts';
import { type GithubKeySource, verifyGithubSignature } from '../modules/leaks/github-signature.ts';
import { parseGithubBatch } from '../modules/leaks/github-batch.ts';
import { handleLeakReports, type LeakReport } from '../modules/leaks/leak.service.ts';
import { z } from 'zod';
import { readBody, readJsonBody } from './body.ts';
import { sendError, sendJson } from './errors.ts';
import type { Route } from './server.ts';

export const GITHUB_SCANNING_PATH = '/v1/secret-scanning/github';
export const REPORT_LEAK_PATH = '/v1/keys/report-leak';

/** GitHub sends at most 1,000 tokens a request: about 1 KiB each with url and source. */
const MAX_GITHUB_BODY = 1024 * 1024;
const MAX_REPORT_BODY = 4096;
/** Reports per client address per minute. */
export const REPORTS_PER_MINUTE = 10;

const url = z
  .string()
  .max(2048)
  .refine((u) => /^https?:\/\//i.test(u) && URL.canParse(u), 'an http(s) URL');
const reportBody = z.object({ token: z.string().min(1).max(256), url: url.nullish() }).strict();

/**
 * GitHub's secret-scanning partner endpoint. The raw body must carry GitHub's signature (ECDSA
 * P-256, keys from GitHub or configured); anything else is 401 and changes nothing. Answers one
 * label per token in GitHub's feedback format.
 */
export function githubScanningRoute(app: App, keys: GithubKeySource): Route {
  return async (req, res) => {
    if (req.method !== 'POST') return sendError(res, 405, 'METHOD_NOT_ALLOWED', 'Use POST', {}, { allow: 'POST' });
    const announced = Number(req.headers['content-length'] ?? 0);
    if (announced > MAX_GITHUB_BODY) return sendError(res, 413, 'PAYLOAD_TOO_LARGE', `the body is limited to ${MAX_GITHUB_BODY} bytes`);
    const raw = await readBody(req, MAX_GITHUB_BODY);
    if (raw === null) return sendError(res, 413, 'PAYLOAD_TOO_LARGE', `the body is limited to ${MAX_GITHUB_BODY} bytes`);
    const signed = await verifyGithubSignature(keys, raw, req.headers['github-public-key-identifier'], req.headers['github-public-key-signature']);
    if (!signed) return sendError(res, 401, 'UNAUTHENTICATED', 'Missing or invalid GitHub signature');
    const batch = parseGithubBatch(raw);
    if (!batch.ok) return sendError(res, 400, 'VALIDATION', batch.message);
    const reports: LeakReport[] = batch.items.map((t) => ({ token: t.token, type: t.type, url: t.url || null, source: t.source || null }));
    const verdicts = await handleLeakReports(app.deps, 'github', reports);
    sendJson(
      res,
      200,
      batch.items.map((t, i) => ({ token_raw: t.token, token_type: t.type, label: verdicts[i] ? 'true_positive' : 'false_positive' })),
    );
  };
}

/**
 * Anyone holding a token may report it leaked, without authentication. The answer is the same
 * (202, before anything is looked up) whether or not the token exists, so the endpoint is no
 * oracle; the report is then handled as GitHub's are. Rate limited per client address.
 */
export function reportLeakRoute(app: App): Route {
  return async (req, res, meta) => {
    if (req.method !== 'POST') return sendError(res, 405, 'METHOD_NOT_ALLOWED', 'Use POST', {}, { allow: 'POST' });
    const body = await readJsonBody(req, res, MAX_REPORT_BODY);
    if (body === undefined) return;
    const parsed = reportBody.safeParse(body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return sendError(res, 400, 'VALIDATION', `${issue?.path.join('.') || 'body'}: ${issue?.message ?? 'invalid'}`, {
        fields: parsed.error.issues.map((i) => ({ field: i.path.join('.'), message: i.message })),
      });
    }
    const counter = `${app.deps.config.redisPrefix}:leak-report:${meta.ip ?? 'unknown'}`;
    let seen: number;
    try {
      [[, seen]] = (await app.redis.multi().incr(counter).expire(counter, 60, 'NX').exec()) as [[Error | null, number]];
    } catch {
      return sendError(res, 503, 'UNAVAILABLE', 'Reports cannot be taken right now; retry', {}, { 'retry-after': '5' });
    }
    if (seen > REPORTS_PER_MINUTE) return sendError(res, 429, 'RATE_LIMITED', `At most ${REPORTS_PER_MINUTE} reports a minute`, {}, { 'retry-after': '60' });
    sendJson(res, 202, { received: true });
    const report: LeakReport = { token: parsed.data.token, type: null, url: parsed.data.url ?? null, source: null };
    await handleLeakReports(app.deps, 'report', [report]).catch((err: unknown) => app.deps.log.error({ err }, 'leak report failed'));
  };
}

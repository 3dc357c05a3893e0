import { z } from 'zod';

/** One token GitHub found: what it matched (`type`), where (`url`) and in what (`source`: content, commit, …). */
export type GithubFinding = { token: string; type: string; url: string; source: string };
/** GitHub's feedback format: one label per token. */
export type GithubLabel = { token_raw: string; token_type: string; label: 'true_positive' | 'false_positive' };

export const MAX_GITHUB_TOKENS = 1000;

const finding = z.object({
  token: z.string().min(1).max(256),
  type: z.string().max(100).default(''),
  url: z.string().max(2048).default(''),
  source: z.string().max(100).default(''),
});
const batch = z.array(finding).min(1).max(MAX_GITHUB_TOKENS);

/** The validated findings of a partner request, or why the body is not one. */
export function parseGithubBatch(raw: Buffer): { ok: true; items: GithubFinding[] } | { ok: false; message: string } {
  let json: unknown;
  try {
    json = JSON.parse(raw.toString('utf8'));
  } catch {
    return { ok: false, message: 'The body is not JSON' };
  }
  const r = batch.safeParse(json);
  if (!r.success) {
    const issue = r.error.issues[0];
    return {
      ok: false,
      message: `${issue?.path.join('.') || 'body'}: ${issue?.message ?? 'invalid'} (a list of 1 to ${MAX_GITHUB_TOKENS} { token, type, url, source })`,
    };
  }
  return { ok: true, items: r.data };
}

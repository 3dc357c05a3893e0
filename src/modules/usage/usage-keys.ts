/**
 * Redis key names of the usage limiter. Every key starts with the configured prefix (so a test run
 * or a deployment can share one Redis); the `{…}` hash tag keeps one key's rate-limit window and
 * credits lease, which one script touches together, in the same Redis Cluster slot.
 */
export function limiterKeys(prefix: string, apiKeyId: string): [rateLimit: string, credits: string] {
  const base = `${prefix}:lim:{${apiKeyId}}`;
  return [`${base}:rl`, `${base}:cr`];
}

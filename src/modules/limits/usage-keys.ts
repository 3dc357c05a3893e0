/**
 * Redis key names of the usage limiter. Every key starts with the configured prefix (so a test run
 * or a deployment can share one Redis); the `{…}` hash tag keeps one key's rate-limit window and
 * credits lease, which one script touches together, in the same Redis Cluster slot.
 */
export function limiterKeys(prefix: string, apiKeyId: string, customerId: string | null = null): [rateLimit: string, credits: string] {
  // A customer's keys share its slot: one script spends a key's and its customer's limits together.
  const base = customerId ? `${prefix}:lim:{${customerId}}:${apiKeyId}` : `${prefix}:lim:{${apiKeyId}}`;
  return [`${base}:rl`, `${base}:cr`];
}

/** A customer's shared rate-limit window and credit pool lease, in the customer's slot. */
export function poolKeys(prefix: string, customerId: string): [rateLimit: string, credits: string] {
  const base = `${prefix}:lim:{${customerId}}`;
  return [`${base}:prl`, `${base}:pcr`];
}

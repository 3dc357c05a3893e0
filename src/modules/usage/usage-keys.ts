/**
 * Redis key names for metering. Every key starts with the configured prefix (so a test run or a
 * deployment can share one Redis); the `{…}` hash tags keep the keys one script or one RENAME
 * touches in the same Redis Cluster slot.
 */
export function usageKeys(prefix: string) {
  const base = `${prefix}:usage:{${prefix}}`;
  return {
    counts: `${base}:counts`,
    last: `${base}:last`,
    log: `${base}:log`,
    procId: `${base}:proc:id`,
    procCounts: `${base}:proc:counts`,
    procLast: `${base}:proc:last`,
    procLog: `${base}:proc:log`,
  };
}
export type UsageKeys = ReturnType<typeof usageKeys>;

/** Per-key rate-limit counter and credits hash, tagged by the key's row id. */
export function limiterKeys(prefix: string, apiKeyId: string): [rateLimit: string, credits: string] {
  const base = `${prefix}:lim:{${apiKeyId}}`;
  return [`${base}:rl`, `${base}:cr`];
}

/** Field of the counts hash: `apiKeyId|organizationId|minute (epoch minutes)|code`. */
export function countField(apiKeyId: string, organizationId: string, minute: number, code: string): string {
  return `${apiKeyId}|${organizationId}|${minute}|${code}`;
}

export function parseCountField(field: string): { apiKeyId: string; organizationId: string; minute: number; code: string } | null {
  const parts = field.split('|');
  if (parts.length !== 4) return null;
  const minute = Number(parts[2]);
  if (!Number.isSafeInteger(minute)) return null;
  return { apiKeyId: parts[0]!, organizationId: parts[1]!, minute, code: parts[3]! };
}

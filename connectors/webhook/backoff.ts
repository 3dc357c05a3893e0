const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/** Delays after attempts 1..7 (Standard Webhooks' suggestion): eight attempts over about 28 h. */
export const DEFAULT_RETRY_SCHEDULE_MS: readonly number[] = Object.freeze([5 * SECOND, 5 * MINUTE, 30 * MINUTE, 2 * HOUR, 5 * HOUR, 10 * HOUR, 10 * HOUR]);

export const MAX_RETRY_DELAY_MS = 24 * HOUR;

/**
 * Milliseconds to wait after failed attempt number `attempt` (1 = the first attempt), or null to
 * give up. The step is spread by ±`jitter` so endpoints recovering from an outage are not hit
 * by every retry at once; a receiver's Retry-After lengthens the wait, never shortens it.
 */
export function nextAttemptDelayMs(
  attempt: number,
  schedule: readonly number[] = DEFAULT_RETRY_SCHEDULE_MS,
  jitter = 0.2,
  retryAfterSeconds?: number,
): number | null {
  if (!Number.isInteger(attempt) || attempt < 1) throw new RangeError(`attempt must be a positive integer, got ${attempt}`);
  if (attempt > schedule.length) return null;
  const spread = Math.min(Math.max(jitter, 0), 1);
  let delay = schedule[attempt - 1] * (1 + (Math.random() * 2 - 1) * spread);
  if (retryAfterSeconds !== undefined && Number.isFinite(retryAfterSeconds) && retryAfterSeconds > 0) {
    delay = Math.max(delay, retryAfterSeconds * SECOND);
  }
  return Math.round(Math.min(Math.max(delay, 0), MAX_RETRY_DELAY_MS));
}

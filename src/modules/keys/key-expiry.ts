/**
 * The one definition of when a key expires and which warning is due. Pure: the sweep, the
 * operator's dry run and `ApiKey.expiresAt` all call these, so they cannot disagree.
 * A "day" is 24 hours of UTC time: thresholds are instants, not calendar dates.
 */

export const DAY_MS = 86_400_000;

/** What the due computation needs of a key. */
export type ExpiryKeyState = { lastActivityAt: Date; validUntil: Date | null };

/** What it needs of the key's organisation (`inactivityDays` 0 turns inactivity expiry off). */
export type ExpirySettings = { inactivityDays: number; warningDays: readonly number[] };

export type ExpiryReason = 'inactivity' | 'validity_window';

export type ExpiryDecision =
  | { action: 'none'; nextDueAt: Date | null }
  | { action: 'warn'; threshold: number; daysLeft: number; expiresAt: Date }
  | { action: 'expire'; reason: ExpiryReason; expiresAt: Date };

/** When a key expires for disuse: last activity + the organisation's inactivity days; null when off. */
export function inactivityExpiry(lastActivityAt: Date, inactivityDays: number): Date | null {
  if (!(inactivityDays > 0)) return null;
  return new Date(lastActivityAt.getTime() + inactivityDays * DAY_MS);
}

/** `ApiKey.expiresAt`: the earlier of `validUntil` and the inactivity expiry; null when neither applies. */
export function keyExpiresAt(key: ExpiryKeyState, inactivityDays: number): Date | null {
  const inactive = inactivityExpiry(key.lastActivityAt, inactivityDays);
  if (!inactive) return key.validUntil;
  if (!key.validUntil) return inactive;
  return key.validUntil.getTime() <= inactive.getTime() ? key.validUntil : inactive;
}

/** Whole days left, rounded up: 7 exactly 7 × 24 h before the instant, still 7 a minute later. */
export function daysLeft(expiresAt: Date, now: Date): number {
  return Math.max(0, Math.ceil((expiresAt.getTime() - now.getTime()) / DAY_MS));
}

/** Thresholds still to send this period: positive, and more urgent than the last one sent. */
function pendingThresholds(warningDays: readonly number[], sentThreshold: number | null): number[] {
  return warningDays.filter((t) => Number.isInteger(t) && t > 0 && (sentThreshold === null || t < sentThreshold));
}

/**
 * Inactivity warnings are only for keys that will expire for disuse: when the validity window
 * ends first, the key expires by that instead and warnings would announce a date that never comes.
 */
function warnsForInactivity(key: ExpiryKeyState, inactive: Date | null): inactive is Date {
  return inactive !== null && (key.validUntil === null || key.validUntil.getTime() > inactive.getTime());
}

/**
 * The instant the next action on an active key becomes due (a sweep acts once `now >= nextDueAt`);
 * null: nothing will ever be due. `sentThreshold` is the smallest warning threshold already sent
 * in the key's current inactivity period (identified by `lastActivityAt`), null if none.
 * The sweep's SQL pre-filter (`NEXT_DUE_SQL` in expiry-sweep.service.ts) mirrors this formula.
 */
export function nextDueAt(key: ExpiryKeyState, settings: ExpirySettings, sentThreshold: number | null): Date | null {
  const inactive = inactivityExpiry(key.lastActivityAt, settings.inactivityDays);
  if (!warnsForInactivity(key, inactive)) return key.validUntil;
  const pending = pendingThresholds(settings.warningDays, sentThreshold);
  const lead = pending.length ? Math.max(...pending) : 0;
  const due = new Date(inactive.getTime() - lead * DAY_MS);
  return key.validUntil && key.validUntil.getTime() < due.getTime() ? key.validUntil : due;
}

/**
 * What a sweep at `now` does to an active key: expire it when past either expiry, otherwise send
 * the most urgent warning that is due and not yet sent this period (so a late sweep sends only
 * that one), otherwise nothing.
 */
export function decideExpiry(key: ExpiryKeyState, settings: ExpirySettings, now: Date, sentThreshold: number | null): ExpiryDecision {
  const next = nextDueAt(key, settings, sentThreshold);
  if (next === null || now.getTime() < next.getTime()) return { action: 'none', nextDueAt: next };
  const inactive = inactivityExpiry(key.lastActivityAt, settings.inactivityDays);
  const t = now.getTime();
  const validEnded = key.validUntil !== null && key.validUntil.getTime() <= t;
  const inactiveEnded = inactive !== null && inactive.getTime() <= t;
  if (validEnded && (!inactiveEnded || key.validUntil!.getTime() <= inactive!.getTime()))
    return { action: 'expire', reason: 'validity_window', expiresAt: key.validUntil! };
  if (inactiveEnded) return { action: 'expire', reason: 'inactivity', expiresAt: inactive! };
  // Due and not expired: a warning threshold has been reached (next < inactive expiry).
  const remaining = inactive!.getTime() - t;
  const due = pendingThresholds(settings.warningDays, sentThreshold).filter((d) => d * DAY_MS >= remaining);
  return { action: 'warn', threshold: Math.min(...due), daysLeft: daysLeft(inactive!, now), expiresAt: inactive! };
}

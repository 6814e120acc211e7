/**
 * When to try a failed delivery again. Pure: the caller keeps the schedule in Redis, so a
 * restart loses no retry (docs/decisions/0009-notifications.md), and asks only for the delay.
 */

/** The pause before each retry: after the 1st failed attempt 10 s, then 30 s, 2 min, 10 min, 30 min. */
export const RETRY_DELAYS_MS: readonly number[] = [10_000, 30_000, 120_000, 600_000, 1_800_000];

/**
 * How long to wait before trying again after failed attempt number `attempt` (1 for the first
 * try), or null to give up: after the first attempt and five retries, about 43 minutes in all,
 * a notification about a callback due within minutes is no longer worth sending.
 */
export function nextRetryDelay(attempt: number): number | null {
  if (!Number.isInteger(attempt) || attempt < 1) {
    throw new RangeError(`attempt must be a whole number from 1 (the first try), got ${attempt}`);
  }
  return RETRY_DELAYS_MS[attempt - 1] ?? null;
}

/**
 * The one promise policy: what we promise a caller nobody answered, and the words that say it.
 * Pure; the call flow records and plays it, `nevermiss explain` prints it, the AstDB drain uses it
 * for calls the dialplan took while the service was down.
 *
 * Every word must be true:
 * - "within N" only when someone can really call back within N: the route is open until at least
 *   the deadline, or an out-of-hours hunt with at least one phone left (nobody away) is on duty.
 *   Otherwise "when we open", due `afterOpeningMs` after the next opening.
 * - N is never shorter than the real deadline: a deadline of 10m20s is spoken as 11 minutes.
 * - "When we open" names when the callback is due (this afternoon, tomorrow morning, on Monday
 *   evening, within 12 days), says "we are closed" only when we are, and says "when we open"
 *   without a time only when no opening is known (closed by the owner until further notice).
 */
import { nextOpening, openPeriodAt } from './hours.js';
import type { OpeningHours, Weekday } from './types.js';
import { addDays, localDateOf, localMinuteOf, weekdayOf } from './zone.js';

/** What the promise may say, decided when nobody answered (time passes during the hunt). */
export interface PromisePolicy {
  /** null: always open (the owner's status aside). */
  readonly hours: OpeningHours | null;
  /** The route's time zone, in which "tomorrow morning" is said. */
  readonly timezone: string;
  /** How soon we promise to call back while open, in ms. */
  readonly deadlineMs: number;
  /** How long after opening a "when we open" callback is due, in ms. */
  readonly afterOpeningMs: number;
  /** An out-of-hours hunt with at least one phone left (not away): the deadline holds while closed too. */
  readonly onDuty: boolean;
  /** The owner switched to closed: until then (ms; Infinity = until switched back), or null. */
  readonly closedByOwnerUntil: number | null;
}

export type PromiseKind = 'within' | 'when-open';

export type CallbackPromise =
  | { readonly kind: 'within'; readonly dueAt: number }
  | {
      readonly kind: 'when-open';
      readonly dueAt: number;
      /** When we open next; null when nobody knows (closed by the owner without an end, no hours). */
      readonly opensAt: number | null;
      /** Closed at the moment of the call (else open, but closing before the deadline). */
      readonly closedNow: boolean;
    };

export function decideCallbackPromise(policy: PromisePolicy, now: number): CallbackPromise {
  const within: CallbackPromise = { kind: 'within', dueAt: now + policy.deadlineMs };
  if (policy.onDuty) return within;
  const { hours } = policy;
  const whenOpen = (opensAt: number | null, closedNow: boolean): CallbackPromise => ({
    kind: 'when-open',
    // Nobody knows when we open: the callback is in front of a person by the deadline all the same.
    dueAt: opensAt === null ? now + policy.deadlineMs : opensAt + policy.afterOpeningMs,
    opensAt,
    closedNow,
  });

  const closedUntil = policy.closedByOwnerUntil;
  if (closedUntil !== null) {
    if (Number.isFinite(closedUntil)) return whenOpen(hours ? nextOpening(hours, closedUntil) : closedUntil, true);
    if (!hours) return whenOpen(null, true);
    // Closed today: the next opening after the open period we are in (if any).
    const after = openPeriodAt(hours, now)?.closesAt ?? now;
    return whenOpen(nextOpening(hours, after), true);
  }
  if (!hours) return within;
  const period = openPeriodAt(hours, now);
  if (period && now + policy.deadlineMs <= period.closesAt) return within;
  return whenOpen(nextOpening(hours, period ? period.closesAt : now), period === null);
}

/** A duration as it is spoken: whole hours and minutes, never less than the duration itself. */
export interface SpokenDuration {
  readonly hours: number;
  readonly minutes: number;
}

export type DayPart = 'morning' | 'afternoon' | 'evening';

/** When a "when we open" callback is due, as we can say it. */
export type SpokenDue =
  /** today, tomorrow, or a weekday within the next six days, and the part of that day */
  | { readonly kind: 'day'; readonly day: 'today' | 'tomorrow' | Weekday; readonly part: DayPart }
  /** more than six days away: "within N days" (N ≤ MAX_SPOKEN_NUMBER), else "within N weeks" */
  | { readonly kind: 'days'; readonly days: number }
  | { readonly kind: 'weeks'; readonly weeks: number }
  /** no opening is known */
  | { readonly kind: 'unknown' };

export type PromiseWords =
  | { readonly kind: 'within'; readonly within: SpokenDuration }
  | { readonly kind: 'when-open'; readonly closedNow: boolean; readonly due: SpokenDue };

/** The largest number our prompts say (num-1 … num-120, scripts/make-prompts.sh). */
export const MAX_SPOKEN_NUMBER = 120;
const MS_PER_MINUTE = 60_000;
const MS_PER_DAY = 86_400_000;

/** Rounded up to the minute, so what is said is never shorter than what is meant. */
export function spokenDuration(ms: number): SpokenDuration {
  const total = Math.max(1, Math.ceil(ms / MS_PER_MINUTE));
  return { hours: Math.floor(total / 60), minutes: total % 60 };
}

/**
 * The words of a promise made at `now`. "Within" speaks the policy's deadline; "when we open"
 * names the local day and part of the day its due time falls in (a part of the day ends at 12:00,
 * 18:00 and midnight, so the due time is never later than what is said).
 */
export function promiseWords(promise: CallbackPromise, policy: PromisePolicy, now: number): PromiseWords {
  if (promise.kind === 'within') return { kind: 'within', within: spokenDuration(policy.deadlineMs) };
  return { kind: 'when-open', closedNow: promise.closedNow, due: promise.opensAt === null ? { kind: 'unknown' } : spokenDue(promise.dueAt, policy.timezone, now) };
}

function spokenDue(dueAt: number, timezone: string, now: number): SpokenDue {
  const today = localDateOf(now, timezone);
  const dueDay = localDateOf(dueAt, timezone);
  const daysAway = Math.round((Date.parse(dueDay) - Date.parse(today)) / MS_PER_DAY);
  if (daysAway > 6) {
    const days = Math.ceil((dueAt - now) / MS_PER_DAY);
    return days <= MAX_SPOKEN_NUMBER ? { kind: 'days', days } : { kind: 'weeks', weeks: Math.ceil(days / 7) };
  }
  const minute = localMinuteOf(dueAt, timezone);
  const part: DayPart = minute < 12 * 60 ? 'morning' : minute < 18 * 60 ? 'afternoon' : 'evening';
  const day = daysAway <= 0 ? 'today' : dueDay === addDays(today, 1) ? 'tomorrow' : weekdayOf(dueDay);
  return { kind: 'day', day, part };
}

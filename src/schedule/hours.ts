/**
 * When a route is open, from its OpeningHours and an instant that is always passed in.
 *
 * Each day's hours come from one place, in this order (the first that applies wins):
 *   1. specialDates: the firm's own hours for that date, even on a holiday;
 *   2. closedDates: the firm's own closed days;
 *   3. public holidays of `hours.holidays` (date-holidays, type 'public' only);
 *   4. the weekly hours.
 * A day's ranges become instants by the DST policy in zone.ts: a boundary is the first instant the
 * wall clock shows that time or later, so a range never crashes on a DST day, it just gets shorter
 * (spring) or longer (autumn), and a range entirely inside the skipped hour is empty.
 *
 * Searches look at most SEARCH_DAYS days ahead (and back, for the start of a period).
 */
import { publicHolidayOn } from './holidays.js';
import type { OpeningHours, TimeRange } from './types.js';
import { addDays, localDateOf, wallClockInstant, weekdayOf } from './zone.js';

/** Long enough to cross a year of weekly hours and a long holiday season; bounds every search. */
export const SEARCH_DAYS = 400;

export type DayReason = 'weekly' | 'special' | { readonly holiday: string } | 'closed-day';

export interface DayPlan {
  readonly ranges: readonly TimeRange[];
  readonly why: DayReason;
}

/** A stretch of time during which the route is open without a break: [opensAt, closesAt). */
export interface OpenPeriod {
  readonly opensAt: number;
  readonly closesAt: number;
}

/** The hours of one local date ("YYYY-MM-DD" in hours.timezone), and where they come from. */
export function dayPlan(hours: OpeningHours, localDate: string): DayPlan {
  const weekday = weekdayOf(localDate); // also rejects a malformed date before it is used as a key
  const special = hours.specialDates[localDate];
  if (special) return { ranges: special, why: 'special' };
  if (hours.closedDates.includes(localDate)) return { ranges: [], why: 'closed-day' };
  const holiday = hours.holidays ? publicHolidayOn(hours.holidays, localDate) : null;
  if (holiday) return { ranges: rangesBefore(hours.weekly[weekday], holiday.fromMinute), why: { holiday: holiday.name } };
  return { ranges: hours.weekly[weekday], why: 'weekly' };
}

export function isOpen(hours: OpeningHours, now: number): boolean {
  return intervalContaining(hours, now) !== null;
}

/**
 * The open period containing `now`, or null when closed. Ranges that touch, on one day or across
 * midnight (Sat 22:00-24:00 and Sun 00:00-02:00), are one period. A period still open after
 * SEARCH_DAYS is reported as closing there.
 */
export function openPeriodAt(hours: OpeningHours, now: number): OpenPeriod | null {
  const found = intervalContaining(hours, now);
  if (!found) return null;
  const today = localDateOf(now, hours.timezone);

  let closesAt = found.end;
  for (const next of intervalsForward(hours, addDays(today, -1), SEARCH_DAYS + 1)) {
    if (next.end <= closesAt) continue;
    if (next.start > closesAt) break;
    closesAt = next.end;
  }
  let opensAt = found.start;
  for (const previous of intervalsBackward(hours, addDays(today, 1), SEARCH_DAYS + 1)) {
    if (previous.start >= opensAt) continue;
    if (previous.end < opensAt) break;
    opensAt = previous.start;
  }
  return { opensAt, closesAt };
}

/** The first instant at or after `after` at which the route is open, or null if not within SEARCH_DAYS. */
export function nextOpening(hours: OpeningHours, after: number): number | null {
  const firstDate = addDays(localDateOf(after, hours.timezone), -1);
  for (const interval of intervalsForward(hours, firstDate, SEARCH_DAYS + 1)) {
    if (interval.end > after) return Math.max(interval.start, after);
  }
  return null;
}

/** An open range of one date as instants: [start, end), never empty. */
interface Interval {
  readonly start: number;
  readonly end: number;
}

/** The weekly ranges cut off where an afternoon holiday begins. */
function rangesBefore(ranges: readonly TimeRange[], minute: number): readonly TimeRange[] {
  return ranges.filter((range) => range.from < minute).map((range) => ({ from: range.from, to: Math.min(range.to, minute) }));
}

function intervalsOn(hours: OpeningHours, date: string): Interval[] {
  return dayPlan(hours, date)
    .ranges.map((range) => ({
      start: wallClockInstant(date, range.from, hours.timezone),
      end: wallClockInstant(date, range.to, hours.timezone),
    }))
    .filter((interval) => interval.end > interval.start);
}

function intervalContaining(hours: OpeningHours, now: number): Interval | null {
  // The day before and after too: in the few zones whose clocks go back across midnight, an
  // instant's local date and the date whose range covers it can differ.
  const yesterday = addDays(localDateOf(now, hours.timezone), -1);
  for (const interval of intervalsForward(hours, yesterday, 3)) {
    if (interval.start <= now && now < interval.end) return interval;
  }
  return null;
}

/** Open intervals in time order, date by date from `firstDate`, for `days` dates. */
function* intervalsForward(hours: OpeningHours, firstDate: string, days: number): Generator<Interval> {
  for (let i = 0; i < days; i++) yield* intervalsOn(hours, addDays(firstDate, i));
}

/** Open intervals latest first, date by date back from `lastDate`, for `days` dates. */
function* intervalsBackward(hours: OpeningHours, lastDate: string, days: number): Generator<Interval> {
  for (let i = 0; i < days; i++) yield* intervalsOn(hours, addDays(lastDate, -i)).reverse();
}

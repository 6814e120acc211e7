/**
 * The period a report covers: whole days in the firm's time zone, from the first day's midnight
 * to the midnight after the last day. Days are local, so a day may have 23 or 25 hours (daylight
 * saving time), and a call at 23:30 local time belongs to that day whatever UTC says.
 */
import { DateTime } from 'luxon';
import { ErrorCodes, NevermissError } from '../errors.js';

/** The longest period one report covers: a year, plus a leap day. */
export const MAX_PERIOD_DAYS = 366;

export interface Period {
  /** First and last day, YYYY-MM-DD, both included. */
  readonly from: string;
  readonly to: string;
  /** IANA time zone the days are in. */
  readonly zone: string;
  /** The first day's local midnight (ms). */
  readonly start: number;
  /** The local midnight after the last day (ms, excluded). */
  readonly end: number;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * The period from `from` to `to` (YYYY-MM-DD, both included) in `zone`.
 * @throws NevermissError NM_USAGE naming the value that is wrong and what is expected.
 */
export function periodOf(from: string, to: string, zone: string): Period {
  const first = localDay('from', from, zone);
  const last = localDay('to', to, zone);
  if (last < first) usage(`to (${to}) is before from (${from}); give the first day as from and the last as to`);
  const days = Math.round(last.diff(first, 'days').days) + 1;
  if (days > MAX_PERIOD_DAYS) usage(`from ${from} to ${to} is ${days} days; a report covers at most ${MAX_PERIOD_DAYS} days`);
  return { from, to, zone, start: first.toMillis(), end: last.plus({ days: 1 }).startOf('day').toMillis() };
}

/** Today's date (YYYY-MM-DD) in `zone` at `now`. */
export function today(zone: string, now: number): string {
  return DateTime.fromMillis(now, { zone }).toISODate() ?? '';
}

/** The local hours of the period, as their starts (ms): 24 a day, 23 or 25 on the days the clocks change. */
export function hoursOf(period: Period): number[] {
  const hours: number[] = [];
  for (let at = period.start; at < period.end; at += HOUR_MS) hours.push(at);
  return hours;
}

/** The days of the period, each with its local midnight and the next (ms). */
export function daysOf(period: Period): { readonly date: string; readonly start: number; readonly end: number }[] {
  const days: { date: string; start: number; end: number }[] = [];
  let day = DateTime.fromMillis(period.start, { zone: period.zone });
  while (day.toMillis() < period.end) {
    const next = day.plus({ days: 1 }).startOf('day');
    days.push({ date: day.toISODate() ?? '', start: day.toMillis(), end: next.toMillis() });
    day = next;
  }
  return days;
}

/** The local date (YYYY-MM-DD) of an instant. */
export function localDate(at: number, zone: string): string {
  return DateTime.fromMillis(at, { zone }).toISODate() ?? '';
}

/** An instant as local ISO time with its offset, like 2026-03-29T03:00:00.000+02:00. */
export function localTime(at: number, zone: string): string {
  return DateTime.fromMillis(at, { zone }).toISO() ?? new Date(at).toISOString();
}

export const HOUR_MS = 3_600_000;

function localDay(name: 'from' | 'to', text: string, zone: string): DateTime {
  if (!DATE.test(text)) usage(`${name} must be a date like 2026-03-01, got ${JSON.stringify(text)}`);
  const day = DateTime.fromISO(text, { zone }).startOf('day');
  if (!day.isValid) usage(`${name} ${JSON.stringify(text)} is not a date that exists (${day.invalidExplanation ?? 'invalid'})`);
  return day;
}

function usage(message: string): never {
  throw new NevermissError(ErrorCodes.USAGE, message);
}

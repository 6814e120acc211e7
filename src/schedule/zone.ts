/**
 * Calendar dates and wall-clock times in an IANA time zone, turned into instants.
 *
 * Dates are "YYYY-MM-DD" strings; calendar arithmetic on them is done on UTC days, where every
 * day has 24 hours, so DST never shifts a date. Only `wallClockInstant` and `localDateOf` look at
 * the zone, through luxon's IANAZone (which reads the platform's tz database via Intl).
 *
 * DST policy, the one rule every schedule function inherits: a local time on a date means the
 * FIRST instant at which the wall clock shows that time or a later one on that date.
 * - A time that exists once is that instant.
 * - A time that exists twice (autumn, clocks go back) is its first occurrence, in summer time:
 *   2026-10-25 02:30 in Europe/Copenhagen is 02:30+02:00.
 * - A time that the clocks skip (spring, clocks go forward) is the moment of the jump, the first
 *   instant at which the clock shows a later time: 2026-03-29 02:30 in Europe/Copenhagen is
 *   03:00+02:00.
 * luxon's own `DateTime.fromObject` does neither (it moves a skipped time forward by the size of
 * the gap, 02:30 → 03:30, and takes the later occurrence of a repeated time), so we don't use it
 * for this.
 */
import { IANAZone } from 'luxon';
import type { Weekday } from './types.js';

export const MINUTES_PER_DAY = 1440;
const MS_PER_MINUTE = 60_000;
const MS_PER_DAY = 86_400_000;

/** Date.getUTCDay() order. */
const WEEKDAYS: readonly Weekday[] = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

const LOCAL_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** For the config loader: the same test the schedule functions rely on. */
export function isKnownTimeZone(name: string): boolean {
  return IANAZone.isValidZone(name);
}

function zoneNamed(name: string): IANAZone {
  // IANAZone.create caches per name, so this is cheap after the first call.
  const zone = IANAZone.create(name);
  // The config loader validates zones; reaching this is a bug, not bad input.
  if (!zone.isValid) throw new Error(`unknown time zone "${name}"`);
  return zone;
}

/** Offset of `zone` from UTC at `instant`, in ms. */
function offsetMs(zone: IANAZone, instant: number): number {
  return zone.offset(instant) * MS_PER_MINUTE;
}

/** Midnight UTC of a "YYYY-MM-DD" date, as epoch ms: a day number that DST cannot touch. */
function utcDay(date: string): number {
  const match = LOCAL_DATE.exec(date);
  const ms = match ? Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])) : Number.NaN;
  // Round-tripping rejects dates like 2026-02-30 that Date.UTC would quietly roll over.
  if (Number.isNaN(ms) || formatUtcDay(ms) !== date) throw new Error(`not a date like "2026-03-29": "${date}"`);
  return ms;
}

function formatUtcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

export function addDays(date: string, days: number): string {
  return formatUtcDay(utcDay(date) + days * MS_PER_DAY);
}

export function weekdayOf(date: string): Weekday {
  const weekday = WEEKDAYS[new Date(utcDay(date)).getUTCDay()];
  if (!weekday) throw new Error(`no weekday for "${date}"`);
  return weekday;
}

/** The calendar date the wall clock in `zoneName` shows at `instant`. */
export function localDateOf(instant: number, zoneName: string): string {
  return formatUtcDay(instant + offsetMs(zoneNamed(zoneName), instant));
}

/**
 * The first instant at which the wall clock in `zoneName` shows `minute` (0..1440) or later on
 * `date`; 1440 is the start of the next day. See the DST policy at the top of this file.
 */
export function wallClockInstant(date: string, minute: number, zoneName: string): number {
  const zone = zoneNamed(zoneName);
  // The wall-clock reading written as if it were UTC; an instant t shows it when t + offset(t) = wall.
  const wall = utcDay(date) + minute * MS_PER_MINUTE;
  // The offsets in force a day either side. Real zones never change offset twice within two days,
  // so one of these is the offset at `wall` unless the clocks jump over it.
  const before = wall - offsetMs(zone, wall - MS_PER_DAY);
  const after = wall - offsetMs(zone, wall + MS_PER_DAY);
  const shows = (t: number) => t + offsetMs(zone, t) === wall;
  if (shows(before) && shows(after)) return Math.min(before, after); // repeated: first occurrence
  if (shows(before)) return before;
  if (shows(after)) return after;
  // Skipped: `after` still has the old offset and `before` already the new one; find the jump.
  return firstInstantWithNewOffset(zone, after, before);
}

/** Binary search for the offset change in (oldAt, newAt]; runs only for skipped times. */
function firstInstantWithNewOffset(zone: IANAZone, oldAt: number, newAt: number): number {
  const old = zone.offset(oldAt);
  let lo = oldAt;
  let hi = newAt;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (zone.offset(mid) === old) lo = mid;
    else hi = mid;
  }
  return hi;
}

/** Minutes after local midnight that the wall clock in `zoneName` shows at `instant` (0 ≤ m < 1440). */
export function localMinuteOf(instant: number, zoneName: string): number {
  const wall = instant + offsetMs(zoneNamed(zoneName), instant);
  return Math.floor((((wall % MS_PER_DAY) + MS_PER_DAY) % MS_PER_DAY) / MS_PER_MINUTE);
}

/**
 * A local date and time of day (ms after midnight) as an instant, by the DST policy above: the
 * same rule the opening hours follow, so `nevermiss explain --at` reads a time as the schedule does.
 */
export function localTimeInstant(date: string, msOfDay: number, zoneName: string): number {
  const minute = Math.floor(msOfDay / MS_PER_MINUTE);
  return wallClockInstant(date, minute, zoneName) + (msOfDay - minute * MS_PER_MINUTE);
}

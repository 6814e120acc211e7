/**
 * Opening hours as people write them: days ("mon", "mon-fri"), time ranges ("07:00-16:00") and
 * dates ("2026-12-24"), read into the data src/schedule works with. Pure text handling; the
 * wording of problems lives with the schemas that use these.
 */
import { DateTime } from 'luxon';

import type { TimeRange, Weekday } from '../schedule/types.js';

/** In week order: a range of days runs forward through this list. */
export const WEEKDAYS: readonly Weekday[] = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

const DAY = `(${WEEKDAYS.join('|')})`;
export const DAYS_PATTERN = new RegExp(`^${DAY}(?:-${DAY})?$`);

/** 24:00 may only end a range: it is midnight at the end of the day. */
const TIME = '(?:[01][0-9]|2[0-3]):[0-5][0-9]';
export const TIME_RANGE_PATTERN = new RegExp(`^(${TIME})-(${TIME}|24:00)$`);

export const DATE_PATTERN = /^[0-9]{4}-[0-9]{2}-[0-9]{2}$/;

const MINUTES_PER_HOUR = 60;

/** "mon-fri" -> mon..fri, "sat" -> [sat]; [] for anything else, including a range that runs backwards. */
export function daysOf(text: string): Weekday[] {
  const match = DAYS_PATTERN.exec(text);
  if (match === null) return [];
  const first = WEEKDAYS.indexOf(match[1] as Weekday);
  const last = match[2] === undefined ? first : WEEKDAYS.indexOf(match[2] as Weekday);
  return WEEKDAYS.slice(first, last + 1);
}

/** A written range in minutes after midnight; null when it is not HH:MM-HH:MM. May end before it starts. */
export function parseTimeRange(text: string): TimeRange | null {
  const match = TIME_RANGE_PATTERN.exec(text);
  if (match === null) return null;
  return { from: minutesOf(match[1] ?? ''), to: minutesOf(match[2] ?? '') };
}

function minutesOf(time: string): number {
  const [hours = 0, minutes = 0] = time.split(':').map(Number);
  return hours * MINUTES_PER_HOUR + minutes;
}

/** The text `parseTimeRange` reads back as `range`. */
export function formatTimeRange(range: TimeRange): string {
  return `${formatTime(range.from)}-${formatTime(range.to)}`;
}

function formatTime(minutes: number): string {
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${pad(Math.floor(minutes / MINUTES_PER_HOUR))}:${pad(minutes % MINUTES_PER_HOUR)}`;
}

/** Ranges are half-open, so "07:00-12:00" and "12:00-16:00" touch without overlapping. */
export function overlaps(a: TimeRange, b: TimeRange): boolean {
  return a.from < b.to && b.from < a.to;
}

export function byStart(a: TimeRange, b: TimeRange): number {
  return a.from - b.from;
}

/** A YYYY-MM-DD text that names a day in the calendar (not "2026-02-30"). */
export function isCalendarDate(text: string): boolean {
  return DATE_PATTERN.test(text) && DateTime.fromISO(text, { zone: 'utc' }).isValid;
}

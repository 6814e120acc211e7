/**
 * The schemas of a route's opening hours: weekly hours, public holidays, closed days and days
 * with special hours. Each value is checked on its own here; relations between them (a day given
 * twice, holidays without hours) are in hours-checks.ts.
 */
import { z } from 'zod';

import type { TimeRange } from '../schedule/types.js';
import { hasHolidayCalendar, holidayRegionsOf } from './holiday-calendars.js';
import { alternatives, expectation, expecting, quote } from './messages.js';
import {
  byStart,
  DATE_PATTERN,
  DAYS_PATTERN,
  daysOf,
  formatTimeRange,
  isCalendarDate,
  overlaps,
  parseTimeRange,
  TIME_RANGE_PATTERN,
  WEEKDAYS,
} from './opening-hours.js';
import { settings } from './schema-kit.js';

const TIME_RANGE_PHRASE = 'a time range like "07:00-16:00" (HH:MM-HH:MM, 24-hour clock)';
const MIDNIGHT_HINT = 'to stay open past midnight, end the day at "24:00" and start the next at "00:00"';

/** One "HH:MM-HH:MM", ending after it starts. `phrase` says what else the place allows. */
function timeRange(phrase: string) {
  return z
    .string({ error: expecting(phrase) })
    .regex(TIME_RANGE_PATTERN, { error: expecting(phrase), abort: true })
    .refine((text) => endsAfterStart(text), {
      error: (issue) => {
        const message = expectation('a time range that ends after it starts, like "07:00-16:00"', issue.input);
        return endsBeforeStart(String(issue.input)) ? `${message}; ${MIDNIGHT_HINT}` : message;
      },
      abort: true,
    })
    .transform(checkedTimeRange);
}

function checkedTimeRange(text: string): TimeRange {
  const range = parseTimeRange(text);
  // The pattern above has accepted the text, so this is a bug, not bad input.
  if (range === null) throw new Error(`Time range "${text}" passed its pattern but did not parse`);
  return range;
}

function endsAfterStart(text: string): boolean {
  const range = parseTimeRange(text);
  return range !== null && range.to > range.from;
}

function endsBeforeStart(text: string): boolean {
  const range = parseTimeRange(text);
  return range !== null && range.to < range.from;
}

/**
 * One range or a list of them, read as a list sorted by start time. Ranges in a list must not
 * overlap: which of two overlapping ranges the user meant is a guess.
 */
function timeRanges(phrase: string) {
  const list = z
    .array(timeRange(phrase), { error: expecting(`a list of time ranges like ["08:00-12:00", "13:00-16:00"]`) })
    .min(1, { error: expecting('at least one time range like "07:00-16:00" (leave a day out to close it)') })
    .superRefine(reportOverlaps)
    .transform((ranges) => ranges.toSorted(byStart));
  return z.union([timeRange(phrase).transform((range) => [range]), list], {
    error: expecting(`${TIME_RANGE_PHRASE}, or a list of them`),
  });
}

function reportOverlaps(ranges: readonly TimeRange[], context: z.RefinementCtx): void {
  ranges.forEach((range, index) => {
    const earlier = ranges.slice(0, index).find((other) => overlaps(other, range));
    if (earlier === undefined) return;
    const joined = { from: Math.min(earlier.from, range.from), to: Math.max(earlier.to, range.to) };
    context.addIssue({
      code: 'custom',
      path: [index],
      input: range,
      message: `${quote(formatTimeRange(range))} overlaps ${quote(formatTimeRange(earlier))}; ranges in one day must not overlap, so join them, like ${quote(formatTimeRange(joined))}`,
    });
  });
}

const DAYS_PHRASE = `a day (${WEEKDAYS.join(', ')}) or a range of days like "mon-fri"`;

const days = z
  .string()
  .regex(DAYS_PATTERN, { error: expecting(DAYS_PHRASE), abort: true })
  .refine((text) => daysOf(text).length > 0, {
    error: expecting('a range of days from an earlier to a later day of the week (mon first, sun last), like "mon-fri"'),
  });

/** Day or range of days -> ranges; a day not listed is closed. */
export const HoursSchema = z.record(days, timeRanges(TIME_RANGE_PHRASE), {
  error: expecting('opening hours per day, like "mon-fri: 07:00-16:00"'),
});

const DATE_PHRASE = 'a date like "2026-12-24" (YYYY-MM-DD)';

const date = z
  .string({ error: expecting(DATE_PHRASE) })
  .regex(DATE_PATTERN, { error: expecting(DATE_PHRASE), abort: true })
  .refine(isCalendarDate, { error: expecting('a date that exists in the calendar, like "2026-12-24"'), abort: true });

export const ClosedDaysSchema = z
  .array(date, { error: expecting('a list of dates, like ["2026-12-24", "2026-12-31"]') })
  .superRefine(reportRepeatedDates);

function reportRepeatedDates(dates: readonly string[], context: z.RefinementCtx): void {
  dates.forEach((day, index) => {
    if (dates.indexOf(day) === index) return;
    context.addIssue({ code: 'custom', path: [index], input: day, message: `${day} is already listed; list each date once` });
  });
}

const SPECIAL_DAY_PHRASE = 'a time range like "08:00-13:00" (HH:MM-HH:MM), a list of them, or "closed"';

/** Date -> its own ranges, [] when closed all day. */
export const SpecialHoursSchema = z.record(
  date,
  z.union([z.literal('closed').transform((): TimeRange[] => []), timeRanges(SPECIAL_DAY_PHRASE)], {
    error: expecting(SPECIAL_DAY_PHRASE),
  }),
  { error: expecting('dates with their own hours, like "2026-12-23": "08:00-13:00"') },
);

const HOLIDAY_COUNTRY_PHRASE = 'a two-letter country code with a public-holiday calendar, like "DK"';

const holidayCountry = z
  .string({ error: expecting(HOLIDAY_COUNTRY_PHRASE) })
  .regex(/^[A-Z]{2}$/, { error: expecting(HOLIDAY_COUNTRY_PHRASE), abort: true })
  .refine(hasHolidayCalendar, { error: expecting(HOLIDAY_COUNTRY_PHRASE), abort: true });

const holidayRegion = settings(
  { country: holidayCountry, region: z.string({ error: expecting('a region code like "BY"') }).optional() },
  'holiday settings (country:, region:)',
).superRefine(reportUnknownRegion);

function reportUnknownRegion(rule: { country: string; region?: string | undefined }, context: z.RefinementCtx): void {
  if (rule.region === undefined || !hasHolidayCalendar(rule.country)) return;
  const regions = holidayRegionsOf(rule.country);
  if (regions.includes(rule.region)) return;
  const message =
    regions.length === 0
      ? `${rule.country} has no regions in its holiday calendar, got ${quote(rule.region)}; remove region:`
      : expectation(`a region of ${rule.country}: ${alternatives(regions)}`, rule.region);
  context.addIssue({ code: 'custom', path: ['region'], input: rule.region, message });
}

/** A country, a country and region, or false for none. */
export const HolidaysSchema = z.union([holidayCountry, holidayRegion, z.literal(false)], {
  error: expecting('a country code like "DK", a map like { country: DE, region: BY }, or false'),
});

/**
 * Public holidays from date-holidays, by local calendar date.
 *
 * Only holidays of type 'public' close a route. date-holidays also lists 'observance', 'bank',
 * 'school' and 'optional' days; in Denmark Christmas Eve (Juleaftensdag), Constitution Day
 * (Grundlovsdag) and 1 May are 'observance', so a firm that closes on them lists them in
 * `closedDates`. Store Bededag is 'public' up to 2023 and gone from 2024, as the law changed.
 *
 * Building a Holidays calendar parses its country's rules (~10 ms), and computing a year takes a
 * few ms more (~25 ms for the first year after start-up), so both are cached for the life of the
 * process. The caches only ever hold what date-holidays would compute again, so the functions stay
 * pure in behaviour.
 */
import Holidays from 'date-holidays';
import type { HolidayRule } from './types.js';
import { addDays, MINUTES_PER_DAY } from './zone.js';

export interface PublicHoliday {
  /** The name in the country's own language, e.g. "Påskedag". */
  readonly name: string;
  /**
   * Minute of the local day from which the holiday closes: 0 for a whole day. A few countries
   * have afternoon holidays (Iceland's Christmas Eve from 13:00); those close from that minute.
   */
  readonly fromMinute: number;
}

const MS_PER_DAY = 86_400_000;

/** date-holidays writes `date` as "YYYY-MM-DD hh:mm:ss", sometimes followed by an offset. */
const HOLIDAY_DATE = /^(\d{4}-\d{2}-\d{2}) (\d{2}):(\d{2})/;

const catalogue = new Holidays();
const calendars = new Map<string, Holidays>();
const years = new Map<string, ReadonlyMap<string, PublicHoliday>>();

/** For the config loader: a country date-holidays knows, and a state of it if one is given. */
export function isKnownHolidayRule(rule: HolidayRule): boolean {
  if (!Object.hasOwn(catalogue.getCountries(), rule.country)) return false;
  if (rule.region === undefined) return true;
  // getStates returns undefined for countries without states, whatever its types say.
  const states = catalogue.getStates(rule.country) as Record<string, string> | undefined;
  return states !== undefined && Object.hasOwn(states, rule.region);
}

/** The public holiday on a local date, or null. */
export function publicHolidayOn(rule: HolidayRule, localDate: string): PublicHoliday | null {
  const year = Number(localDate.slice(0, 4));
  // A holiday of several days that starts in late December is listed under the year it starts in.
  return publicHolidaysIn(rule, year).get(localDate) ?? publicHolidaysIn(rule, year - 1).get(localDate) ?? null;
}

function ruleKey(rule: HolidayRule): string {
  return rule.region === undefined ? rule.country : `${rule.country}-${rule.region}`;
}

function calendarFor(rule: HolidayRule): Holidays {
  const key = ruleKey(rule);
  let calendar = calendars.get(key);
  if (!calendar) {
    // date-holidays silently falls back to the whole country for an unknown state; the config
    // loader rejects those with isKnownHolidayRule, so reaching this is a bug, not bad input.
    if (!isKnownHolidayRule(rule)) throw new Error(`date-holidays knows no holidays for "${key}"`);
    calendar = rule.region === undefined ? new Holidays(rule.country) : new Holidays(rule.country, rule.region);
    calendars.set(key, calendar);
  }
  return calendar;
}

/** Every local date of `year`'s public holidays (and any days they run into the next year). */
function publicHolidaysIn(rule: HolidayRule, year: number): ReadonlyMap<string, PublicHoliday> {
  const key = `${ruleKey(rule)}/${year}`;
  let byDate = years.get(key);
  if (!byDate) {
    byDate = datesOf(calendarFor(rule).getHolidays(year));
    years.set(key, byDate);
  }
  return byDate;
}

function datesOf(holidays: readonly { date: string; start: Date; end: Date; name: string; type: string }[]): Map<string, PublicHoliday> {
  const byDate = new Map<string, PublicHoliday>();
  const add = (date: string, holiday: PublicHoliday) => {
    const known = byDate.get(date);
    // Two holidays on one date: the one that closes earlier decides.
    if (!known || holiday.fromMinute < known.fromMinute) byDate.set(date, holiday);
  };
  for (const holiday of holidays) {
    if (holiday.type !== 'public') continue;
    const match = HOLIDAY_DATE.exec(holiday.date);
    if (!match?.[1]) continue;
    const fromMinute = Number(match[2]) * 60 + Number(match[3]);
    if (fromMinute > 0) {
      // Afternoon holidays all end at midnight of their day.
      add(match[1], { name: holiday.name, fromMinute: Math.min(fromMinute, MINUTES_PER_DAY) });
      continue;
    }
    // A whole-day holiday may last several days (3 days for Eid in some countries). Rounding
    // absorbs the 23- and 25-hour days of DST and the evening starts of Islamic holidays.
    const days = Math.max(1, Math.round((holiday.end.getTime() - holiday.start.getTime()) / MS_PER_DAY));
    for (let i = 0; i < days; i++) add(addDays(match[1], i), { name: holiday.name, fromMinute: 0 });
  }
  return byDate;
}

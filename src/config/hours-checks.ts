/**
 * Checks of a route's opening hours that relate one entry to another: each day is given once,
 * holidays and closed or special days come with hours to depart from, and a date is either
 * closed or has special hours, not both.
 */
import type { Weekday } from '../schedule/types.js';
import type { Finding, Path } from './problems.js';
import { daysOf } from './opening-hours.js';
import { entriesOf, fieldOf, isMap, itemsOf } from './raw.js';

/** The keys that change the weekly hours, and so mean nothing without them. */
const NEED_HOURS = ['holidays', 'closedDays', 'specialHours'] as const;

export function checkOpeningHours(raw: unknown): Finding[] {
  return entriesOf(fieldOf(raw, 'routes')).flatMap(([id, route]) => {
    const path = ['routes', id];
    return [
      ...checkEachDayOnce([...path, 'hours'], fieldOf(route, 'hours')),
      ...checkHoursAreGiven(path, route),
      ...checkSpecialDaysAreNotClosed(path, route),
      ...checkOpensAtAll(path, route),
    ];
  });
}

/** A day in two entries ("mon-fri" and "wed") has two sets of hours; which one is meant is a guess. */
function checkEachDayOnce(path: Path, hours: unknown): Finding[] {
  const entryGiving = new Map<Weekday, string>();
  return entriesOf(hours).flatMap(([entry]): Finding[] => {
    const days = daysOf(entry);
    const repeated = days.filter((day) => entryGiving.has(day));
    for (const day of days) if (!entryGiving.has(day)) entryGiving.set(day, entry);
    if (repeated.length === 0) return [];
    const earlier = [...new Set(repeated.map((day) => `"${entryGiving.get(day) ?? ''}"`))].join(' and ');
    const verb = repeated.length === 1 ? 'is' : 'are';
    return [{ path: [...path, entry], at: 'key', message: `${repeated.join(', ')} ${verb} already given by ${earlier}; give each day once` }];
  });
}

function checkHoursAreGiven(path: Path, route: unknown): Finding[] {
  if (fieldOf(route, 'hours') !== undefined) return [];
  return NEED_HOURS.filter((key) => saysSomething(fieldOf(route, key))).map((key): Finding => ({
    path: [...path, key],
    at: 'key',
    message: `${key} need hours: to know when you're open; add hours: to this route, or remove ${key}:`,
  }));
}

/** `holidays: false`, `closedDays: []` and `specialHours: {}` change nothing, with or without hours. */
function saysSomething(value: unknown): boolean {
  if (value === undefined || value === false) return false;
  if (Array.isArray(value)) return value.length > 0;
  return !isMap(value) || Object.keys(value).length > 0;
}

function checkSpecialDaysAreNotClosed(path: Path, route: unknown): Finding[] {
  const closedDays = itemsOf(fieldOf(route, 'closedDays'));
  return entriesOf(fieldOf(route, 'specialHours'))
    .filter(([date]) => closedDays.includes(date))
    .map(([date]): Finding => ({
      path: [...path, 'specialHours', date],
      at: 'key',
      message: `${date} is also in closedDays; list a date in closedDays or in specialHours, not both`,
    }));
}

/**
 * A route whose hours list no open day and no special day with hours is never open: every caller
 * would be promised a callback "when we open" that never comes.
 */
function checkOpensAtAll(path: Path, route: unknown): Finding[] {
  const hours = fieldOf(route, 'hours');
  if (!isMap(hours) || entriesOf(hours).length > 0) return [];
  const specialOpen = entriesOf(fieldOf(route, 'specialHours')).some(([, value]) => value !== 'closed');
  if (specialOpen) return [];
  return [
    {
      path: [...path, 'hours'],
      at: 'key',
      message: 'this route is never open: hours: lists no day; list the days you are open, like "mon-fri: 07:00-16:00", or remove hours: to be open at all times',
    },
  ];
}

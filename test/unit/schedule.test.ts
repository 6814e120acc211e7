import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DateTime } from 'luxon';
import { dayPlan, isOpen, nextOpening, openPeriodAt, type DayReason } from '../../src/schedule/hours.js';
import { isKnownHolidayRule } from '../../src/schedule/holidays.js';
import { decideCallbackPromise, promiseWords, type PromisePolicy } from '../../src/schedule/promise.js';
import { sayInEnglish } from '../../src/routing/explain.js';
import type { OpeningHours, TimeRange, Weekday } from '../../src/schedule/types.js';
import { isKnownTimeZone, wallClockInstant } from '../../src/schedule/zone.js';

const CPH = 'Europe/Copenhagen';

/** "07:00-17:00" -> a TimeRange; "24:00" is the end of the day. */
function range(text: string): TimeRange {
  const [from = '', to = ''] = text.split('-');
  const minutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
  return { from: minutes(from), to: minutes(to) };
}

function hours(weekly: Partial<Record<Weekday, string[]>>, extra: Partial<OpeningHours> = {}): OpeningHours {
  const day = (d: Weekday) => (weekly[d] ?? []).map(range);
  return {
    timezone: CPH,
    weekly: { mon: day('mon'), tue: day('tue'), wed: day('wed'), thu: day('thu'), fri: day('fri'), sat: day('sat'), sun: day('sun') },
    holidays: { country: 'DK' },
    closedDates: [],
    specialDates: {},
    ...extra,
  };
}

/**
 * A local time in Copenhagen ("2026-03-31T07:00") as epoch ms. Write the offset for a time that
 * exists twice ("2026-10-25T02:30+01:00"); luxon would otherwise pick one for us.
 */
function at(local: string, zone = CPH): number {
  const parsed = DateTime.fromISO(local, { zone });
  assert.ok(parsed.isValid, `bad time in test: ${local}`);
  return parsed.toMillis();
}

/** Epoch ms as a Copenhagen local time with its offset, so DST is visible in the assertions. */
function show(ms: number | null | undefined, zone = CPH): string | null {
  return ms === null || ms === undefined ? null : DateTime.fromMillis(ms, { zone }).toFormat("yyyy-MM-dd'T'HH:mmZZ");
}

// A firm: Mon–Thu 07:00–17:00, Fri 07:00–16:00, Danish public holidays, one own closed day, and
// its own hours on Maundy Thursday 2026 (a holiday).
const firm = hours(
  { mon: ['07:00-17:00'], tue: ['07:00-17:00'], wed: ['07:00-17:00'], thu: ['07:00-17:00'], fri: ['07:00-16:00'] },
  { closedDates: ['2026-07-20'], specialDates: { '2026-04-02': [range('10:00-14:00')] } },
);

// A shop with a lunch break on weekdays, and a Saturday.
const shop = hours({
  mon: ['09:00-12:00', '13:00-17:00'],
  tue: ['09:00-12:00', '13:00-17:00'],
  wed: ['09:00-12:00', '13:00-17:00'],
  thu: ['09:00-12:00', '13:00-17:00'],
  fri: ['09:00-12:00', '13:00-17:00'],
  sat: ['10:00-14:00'],
});

// A night line: Saturday night into Sunday, plus ranges that touch within a day, no holidays.
const nightLine = hours(
  { mon: ['08:00-12:00', '12:00-16:00'], sat: ['22:00-24:00'], sun: ['00:00-02:00', '10:00-12:00'] },
  { holidays: null },
);

// Open every night 02:00–04:00, across the DST changes; and all day every day.
const everyNight = hours(
  { mon: ['02:00-04:00'], tue: ['02:00-04:00'], wed: ['02:00-04:00'], thu: ['02:00-04:00'], fri: ['02:00-04:00'], sat: ['02:00-04:00'], sun: ['02:00-04:00'] },
  { holidays: null },
);
const allDay = ['00:00-24:00'];
const alwaysOpen = hours({ mon: allDay, tue: allDay, wed: allDay, thu: allDay, fri: allDay, sat: allDay, sun: allDay }, { holidays: null });
const neverOpen = hours({});

test('isOpen: weekdays, weekends and the exact boundaries of ranges', () => {
  const cases: ReadonlyArray<readonly [OpeningHours, string, boolean, string]> = [
    [firm, '2026-03-10T10:00', true, 'Tuesday morning'],
    [firm, '2026-03-10T06:59', false, 'a minute before opening'],
    [firm, '2026-03-10T07:00', true, 'opens at 07:00 exactly'],
    [firm, '2026-03-10T16:59', true, 'a minute before closing'],
    [firm, '2026-03-10T17:00', false, 'closed at 17:00 exactly'],
    [firm, '2026-03-13T15:59', true, 'Friday before 16:00'],
    [firm, '2026-03-13T16:00', false, 'Friday closed at 16:00 exactly'],
    [firm, '2026-03-14T10:00', false, 'Saturday'],
    [firm, '2026-03-15T10:00', false, 'Sunday'],
    [shop, '2026-03-10T11:59', true, 'before lunch'],
    [shop, '2026-03-10T12:00', false, 'lunch starts at 12:00'],
    [shop, '2026-03-10T12:59', false, 'still lunch'],
    [shop, '2026-03-10T13:00', true, 'afternoon opens at 13:00'],
    [shop, '2026-03-14T13:59', true, 'Saturday'],
    [nightLine, '2026-03-14T23:59', true, 'Saturday night'],
    [nightLine, '2026-03-15T00:00', true, 'Sunday midnight'],
    [nightLine, '2026-03-15T02:00', false, 'Sunday 02:00'],
    [nightLine, '2026-03-16T12:00', true, 'where two ranges touch'],
    [neverOpen, '2026-03-10T10:00', false, 'never open'],
  ];
  for (const [h, local, expected, label] of cases) assert.equal(isOpen(h, at(local)), expected, `${label}: ${local}`);
});

test('openPeriodAt: the whole period containing now, merged across touching ranges and midnight', () => {
  const cases: ReadonlyArray<readonly [OpeningHours, string, string | null, string | null]> = [
    [firm, '2026-03-10T10:00', '2026-03-10T07:00+01:00', '2026-03-10T17:00+01:00'],
    [firm, '2026-03-10T07:00', '2026-03-10T07:00+01:00', '2026-03-10T17:00+01:00'],
    [firm, '2026-03-10T17:00', null, null],
    [shop, '2026-03-10T10:00', '2026-03-10T09:00+01:00', '2026-03-10T12:00+01:00'],
    [shop, '2026-03-10T12:30', null, null],
    [nightLine, '2026-03-14T23:00', '2026-03-14T22:00+01:00', '2026-03-15T02:00+01:00'],
    [nightLine, '2026-03-15T01:00', '2026-03-14T22:00+01:00', '2026-03-15T02:00+01:00'],
    [nightLine, '2026-03-15T11:00', '2026-03-15T10:00+01:00', '2026-03-15T12:00+01:00'],
    [nightLine, '2026-03-16T09:00', '2026-03-16T08:00+01:00', '2026-03-16T16:00+01:00'],
    [nightLine, '2026-03-16T15:00', '2026-03-16T08:00+01:00', '2026-03-16T16:00+01:00'],
  ];
  for (const [h, local, opensAt, closesAt] of cases) {
    const period = openPeriodAt(h, at(local));
    assert.deepEqual(period && { opensAt: show(period.opensAt), closesAt: show(period.closesAt) }, opensAt === null ? null : { opensAt, closesAt }, local);
  }
});

test('openPeriodAt: a route open day and night reports its period cut at the search horizon', () => {
  const period = openPeriodAt(alwaysOpen, at('2026-03-10T10:00'));
  assert.ok(period);
  assert.ok(period.opensAt <= at('2025-02-05T00:00') && period.closesAt >= at('2027-04-14T00:00'));
});

test('nextOpening: now when open, else the first opening, over weekends, lunch and midnight', () => {
  const cases: ReadonlyArray<readonly [OpeningHours, string, string | null]> = [
    [firm, '2026-03-10T10:00', '2026-03-10T10:00+01:00'],
    [firm, '2026-03-10T06:00', '2026-03-10T07:00+01:00'],
    [firm, '2026-03-10T17:00', '2026-03-11T07:00+01:00'],
    [firm, '2026-03-13T16:00', '2026-03-16T07:00+01:00'],
    [firm, '2026-03-14T12:00', '2026-03-16T07:00+01:00'],
    [shop, '2026-03-10T12:00', '2026-03-10T13:00+01:00'],
    [shop, '2026-03-14T14:00', '2026-03-16T09:00+01:00'],
    [nightLine, '2026-03-14T21:00', '2026-03-14T22:00+01:00'],
    [nightLine, '2026-03-15T02:00', '2026-03-15T10:00+01:00'],
    [neverOpen, '2026-03-10T10:00', null],
  ];
  for (const [h, local, expected] of cases) assert.equal(show(nextOpening(h, at(local))), expected, local);
});

test('nextOpening searches 400 days: special hours 300 days ahead are found, 500 days ahead are not', () => {
  const now = at('2026-03-10T10:00');
  assert.equal(show(nextOpening(hours({}, { specialDates: { '2027-01-04': [range('09:00-10:00')] } }), now)), '2027-01-04T09:00+01:00');
  assert.equal(nextOpening(hours({}, { specialDates: { '2027-07-23': [range('09:00-10:00')] } }), now), null);
});

test('dayPlan: special hours, then own closed days, then public holidays, then the weekly hours', () => {
  const cases: ReadonlyArray<readonly [OpeningHours, string, DayReason, readonly string[]]> = [
    [firm, '2026-03-10', 'weekly', ['07:00-17:00']],
    [firm, '2026-03-14', 'weekly', []],
    [firm, '2026-07-20', 'closed-day', []],
    [firm, '2026-04-02', 'special', ['10:00-14:00']], // Skærtorsdag, with the firm's own hours
    [firm, '2026-04-03', { holiday: 'Langfredag' }, []],
    [firm, '2026-04-05', { holiday: 'Påskedag' }, []],
    [firm, '2026-04-06', { holiday: 'Anden påskedag' }, []],
    [firm, '2026-01-01', { holiday: 'Nytårsdag' }, []],
    [firm, '2025-12-31', 'weekly', ['07:00-17:00']], // New Year's Eve is no holiday
    [firm, '2026-12-25', { holiday: 'Juledag' }, []],
    [firm, '2026-12-26', { holiday: 'Anden Juledag' }, []],
    [firm, '2026-05-14', { holiday: 'Kristi Himmelfartsdag' }, []],
    [firm, '2026-05-25', { holiday: 'Anden Pinsedag' }, []],
    // date-holidays lists these as 'observance', not 'public': a firm that closes adds them itself.
    [firm, '2026-12-24', 'weekly', ['07:00-17:00']], // Juleaftensdag
    [firm, '2026-06-05', 'weekly', ['07:00-16:00']], // Grundlovsdag
    [firm, '2026-05-01', 'weekly', ['07:00-16:00']], // 1. maj
    // Store Bededag was abolished from 2024.
    [firm, '2023-05-05', { holiday: 'Store Bededag' }, []],
    [firm, '2024-04-26', 'weekly', ['07:00-16:00']],
    [firm, '2025-05-16', 'weekly', ['07:00-16:00']],
  ];
  for (const [h, date, why, ranges] of cases) {
    const plan = dayPlan(h, date);
    assert.deepEqual({ why: plan.why, ranges: plan.ranges }, { why, ranges: ranges.map(range) }, date);
  }
});

test('dayPlan: a special date beats an own closed day on the same date; days without holidays', () => {
  const both = hours({ mon: ['07:00-17:00'] }, { closedDates: ['2026-04-06'], specialDates: { '2026-04-06': [range('09:00-11:00')] } });
  assert.deepEqual(dayPlan(both, '2026-04-06'), { ranges: [range('09:00-11:00')], why: 'special' });
  const closedOnHoliday = hours({ mon: ['07:00-17:00'] }, { closedDates: ['2026-04-06'] });
  assert.deepEqual(dayPlan(closedOnHoliday, '2026-04-06'), { ranges: [], why: 'closed-day' });
  const noHolidays = hours({ mon: ['07:00-17:00'] }, { holidays: null });
  assert.deepEqual(dayPlan(noHolidays, '2026-04-06'), { ranges: [range('07:00-17:00')], why: 'weekly' });
});

test('dayPlan: regions matter — Epiphany is a holiday in Bavaria, not in Germany as a whole', () => {
  const weekdays = { tue: ['08:00-16:00'] };
  const bavaria = hours(weekdays, { timezone: 'Europe/Berlin', holidays: { country: 'DE', region: 'BY' } });
  const germany = hours(weekdays, { timezone: 'Europe/Berlin', holidays: { country: 'DE' } });
  assert.deepEqual(dayPlan(bavaria, '2026-01-06'), { ranges: [], why: { holiday: 'Heilige Drei Könige' } });
  assert.deepEqual(dayPlan(germany, '2026-01-06'), { ranges: [range('08:00-16:00')], why: 'weekly' });
  assert.equal(isOpen(bavaria, at('2026-01-06T10:00', 'Europe/Berlin')), false);
  assert.equal(isOpen(germany, at('2026-01-06T10:00', 'Europe/Berlin')), true);
});

test('dayPlan: an afternoon holiday closes the day from its start (Iceland, Christmas Eve from 13:00)', () => {
  const reykjavik = hours({ thu: ['09:00-12:00', '12:30-17:00'] }, { timezone: 'Atlantic/Reykjavik', holidays: { country: 'IS' } });
  assert.deepEqual(dayPlan(reykjavik, '2026-12-24'), { ranges: [range('09:00-12:00'), range('12:30-13:00')], why: { holiday: 'Aðfangadagur' } });
  assert.equal(isOpen(reykjavik, at('2026-12-24T12:45', 'Atlantic/Reykjavik')), true);
  assert.equal(isOpen(reykjavik, at('2026-12-24T13:00', 'Atlantic/Reykjavik')), false);
});

test('dayPlan rejects a malformed date instead of reading it as another day', () => {
  assert.throws(() => dayPlan(firm, '2026-02-30'), /not a date/);
  assert.throws(() => dayPlan(firm, '2026-3-1'), /not a date/);
});

test('holidays: New Year, Easter and Christmas close the firm; nextOpening skips them', () => {
  const cases: ReadonlyArray<readonly [string, boolean, string]> = [
    ['2025-12-31T16:59', true, '2025-12-31T16:59+01:00'], // New Year's Eve, a Wednesday: open
    ['2025-12-31T17:00', false, '2026-01-02T07:00+01:00'], // New Year's Day (Thursday) closed
    ['2026-01-01T10:00', false, '2026-01-02T07:00+01:00'],
    ['2026-04-01T17:00', false, '2026-04-02T10:00+02:00'], // Maundy Thursday: the firm's own 10–14
    ['2026-04-02T14:00', false, '2026-04-07T07:00+02:00'], // Good Friday, Easter Sunday and Monday
    ['2026-04-05T23:59', false, '2026-04-07T07:00+02:00'], // Sunday 23:59 on Easter Sunday
    ['2026-12-24T10:00', true, '2026-12-24T10:00+01:00'], // Christmas Eve (Thursday): open
    ['2026-12-24T17:00', false, '2026-12-28T07:00+01:00'], // Christmas Day Fri, Boxing Day Sat
    ['2023-05-04T17:00', false, '2023-05-08T07:00+02:00'], // Store Bededag 2023 (Friday)
    ['2024-04-25T17:00', false, '2024-04-26T07:00+02:00'], // its Friday in 2024: an ordinary day
  ];
  for (const [local, open, next] of cases) {
    assert.equal(isOpen(firm, at(local)), open, `isOpen ${local}`);
    assert.equal(show(nextOpening(firm, at(local))), next, `nextOpening ${local}`);
  }
});

test('"Sunday 23:59 in Europe/Copenhagen during a holiday" for a route open every day', () => {
  const daily = hours({ mon: ['08:00-20:00'], tue: ['08:00-20:00'], sun: ['08:00-24:00'] });
  const sundayNight = at('2026-04-05T23:59'); // Påskedag
  assert.equal(isOpen(daily, sundayNight), false);
  assert.deepEqual(dayPlan(daily, '2026-04-05').why, { holiday: 'Påskedag' });
  assert.equal(show(nextOpening(daily, sundayNight)), '2026-04-07T08:00+02:00'); // Monday is Anden påskedag
  assert.equal(isOpen(daily, at('2026-04-12T23:59')), true); // the Sunday after: open
});

test('DST: a skipped local time is the moment the clocks jump; a repeated one is its first occurrence', () => {
  // 2026-03-29 Europe/Copenhagen: 02:00 CET jumps to 03:00 CEST (01:00Z).
  assert.equal(wallClockInstant('2026-03-29', 120, CPH), Date.UTC(2026, 2, 29, 1, 0));
  assert.equal(wallClockInstant('2026-03-29', 150, CPH), Date.UTC(2026, 2, 29, 1, 0));
  assert.equal(wallClockInstant('2026-03-29', 180, CPH), Date.UTC(2026, 2, 29, 1, 0));
  assert.equal(wallClockInstant('2026-03-29', 119, CPH), Date.UTC(2026, 2, 29, 0, 59));
  // 2026-10-25: 03:00 CEST goes back to 02:00 CET (01:00Z); 02:00–02:59 happen twice.
  assert.equal(wallClockInstant('2026-10-25', 150, CPH), at('2026-10-25T02:30+02:00'));
  assert.equal(wallClockInstant('2026-10-25', 180, CPH), at('2026-10-25T03:00+01:00'));
  assert.equal(wallClockInstant('2026-10-25', 1440, CPH), at('2026-10-26T00:00+01:00'));
});

test('DST spring: 02:00-04:00 on 2026-03-29 is open from the jump (03:00+02:00) to 04:00, one hour', () => {
  assert.deepEqual(dayPlan(everyNight, '2026-03-29'), { ranges: [range('02:00-04:00')], why: 'weekly' });
  assert.equal(isOpen(everyNight, at('2026-03-29T01:59+01:00')), false);
  assert.equal(isOpen(everyNight, at('2026-03-29T03:00+02:00')), true);
  assert.equal(isOpen(everyNight, at('2026-03-29T04:00+02:00')), false);
  const period = openPeriodAt(everyNight, at('2026-03-29T03:30+02:00'));
  assert.deepEqual(period && [show(period.opensAt), show(period.closesAt)], ['2026-03-29T03:00+02:00', '2026-03-29T04:00+02:00']);
  assert.equal(show(nextOpening(everyNight, at('2026-03-29T01:00+01:00'))), '2026-03-29T03:00+02:00');
  // The night before and after have their usual two hours.
  assert.equal(show(nextOpening(everyNight, at('2026-03-28T05:00'))), '2026-03-29T03:00+02:00');
  assert.equal(show(nextOpening(everyNight, at('2026-03-29T05:00'))), '2026-03-30T02:00+02:00');
});

test('DST spring: a range wholly inside the skipped hour is empty, one across it is cut', () => {
  const inGap = hours({}, { holidays: null, specialDates: { '2026-03-29': [range('02:15-02:45')], '2026-03-30': [range('09:00-10:00')] } });
  assert.equal(show(nextOpening(inGap, at('2026-03-29T00:00'))), '2026-03-30T09:00+02:00');
  const across = hours({}, { holidays: null, specialDates: { '2026-03-29': [range('02:30-03:30')] } });
  const period = openPeriodAt(across, at('2026-03-29T03:10+02:00'));
  assert.deepEqual(period && [show(period.opensAt), show(period.closesAt)], ['2026-03-29T03:00+02:00', '2026-03-29T03:30+02:00']);
});

test('DST autumn: 02:00-04:00 on 2026-10-25 covers both passes through 02:00–03:00, three hours', () => {
  assert.equal(isOpen(everyNight, at('2026-10-25T01:59+02:00')), false);
  assert.equal(isOpen(everyNight, at('2026-10-25T02:00+02:00')), true);
  assert.equal(isOpen(everyNight, at('2026-10-25T02:30+01:00')), true);
  assert.equal(isOpen(everyNight, at('2026-10-25T04:00+01:00')), false);
  const period = openPeriodAt(everyNight, at('2026-10-25T02:30+01:00'));
  assert.ok(period);
  assert.equal(period.closesAt - period.opensAt, 3 * 3_600_000);
  assert.deepEqual([show(period.opensAt), show(period.closesAt)], ['2026-10-25T02:00+02:00', '2026-10-25T04:00+01:00']);
});

test('DST autumn: a range wholly inside the repeated hour is open on the first pass only', () => {
  const inRepeat = hours({}, { holidays: null, specialDates: { '2026-10-25': [range('02:00-02:30')] } });
  assert.equal(isOpen(inRepeat, at('2026-10-25T02:15+02:00')), true);
  assert.equal(isOpen(inRepeat, at('2026-10-25T02:15+01:00')), false);
});

test('DST: whole days are 23 and 25 hours long; a firm opens at 07:00 local on either side', () => {
  const spring = openPeriodAt(hours({ sun: allDay }, { holidays: null }), at('2026-03-29T12:00'));
  const autumn = openPeriodAt(hours({ sun: allDay }, { holidays: null }), at('2026-10-25T12:00'));
  assert.equal(spring && spring.closesAt - spring.opensAt, 23 * 3_600_000);
  assert.equal(autumn && autumn.closesAt - autumn.opensAt, 25 * 3_600_000);
  assert.equal(show(nextOpening(firm, at('2026-03-27T16:00'))), '2026-03-30T07:00+02:00');
  assert.equal(show(nextOpening(firm, at('2026-10-23T16:00'))), '2026-10-26T07:00+01:00');
});

test('decideCallbackPromise: each rule, and the words that say it', () => {
  const policy: PromisePolicy = { hours: null, timezone: CPH, deadlineMs: 10 * 60_000, afterOpeningMs: 30 * 60_000, onDuty: false, closedByOwnerUntil: null };
  const INF = Number.POSITIVE_INFINITY;
  type Row = readonly [label: string, hours: OpeningHours | null, local: string, overrides: Partial<PromisePolicy>, kind: 'within' | 'when-open', dueAt: string, said: string];
  const cases: readonly Row[] = [
    ['no opening hours: within', null, '2026-03-14T03:00', {}, 'within', '2026-03-14T03:10+01:00', "we'll call you back within 10 minutes"],
    ['someone on duty: within, out of hours', firm, '2026-03-14T03:00', { onDuty: true }, 'within', '2026-03-14T03:10+01:00', "we'll call you back within 10 minutes"],
    ['open long enough: within', firm, '2026-03-10T16:40', {}, 'within', '2026-03-10T16:50+01:00', "we'll call you back within 10 minutes"],
    ['deadline exactly at closing: within', firm, '2026-03-10T16:50', {}, 'within', '2026-03-10T17:00+01:00', "we'll call you back within 10 minutes"],
    ['open, but closes before the deadline: not "we are closed"', firm, '2026-03-10T16:55', {}, 'when-open', '2026-03-11T07:30+01:00', "we'll call you back tomorrow morning"],
    ['closed on Saturday: Monday morning', firm, '2026-03-14T10:00', {}, 'when-open', '2026-03-16T07:30+01:00', "we're closed right now; we'll call you back on Monday morning"],
    ['before lunch: this afternoon', shop, '2026-03-10T11:55', {}, 'when-open', '2026-03-10T13:30+01:00', "we'll call you back this afternoon"],
    ['at 03:00: this morning', firm, '2026-03-10T03:00', {}, 'when-open', '2026-03-10T07:30+01:00', "we're closed right now; we'll call you back this morning"],
    ['open across midnight: within', nightLine, '2026-03-14T23:55', {}, 'within', '2026-03-15T00:05+01:00', "we'll call you back within 10 minutes"],
    ['after the merged period: next period', nightLine, '2026-03-15T01:55', {}, 'when-open', '2026-03-15T10:30+01:00', "we'll call you back this morning"],
    ['never opens: nobody knows when', neverOpen, '2026-03-10T10:00', {}, 'when-open', '2026-03-10T10:10+01:00', "we're closed right now; we'll call you back when we open"],
    ['Easter: after the long weekend', firm, '2026-04-05T23:59', {}, 'when-open', '2026-04-07T07:30+02:00', "we're closed right now; we'll call you back on Tuesday morning"],
    ['due more than six days away: within N days', firm, '2026-07-17T16:30', { afterOpeningMs: 0, closedByOwnerUntil: at('2026-07-27T00:00') }, 'when-open', '2026-07-27T07:00+02:00', "we're closed right now; we'll call you back within 10 days"],
    ['seconds are spoken as a whole minute more', null, '2026-03-10T10:00', { deadlineMs: 10 * 60_000 + 20_000 }, 'within', '2026-03-10T10:10+01:00', "we'll call you back within 11 minutes"],
    ['90 minutes: an hour and 30 minutes', null, '2026-03-10T10:00', { deadlineMs: 90 * 60_000 }, 'within', '2026-03-10T11:30+01:00', "we'll call you back within 1 hour and 30 minutes"],
    ['3 hours', null, '2026-03-10T10:00', { deadlineMs: 3 * 3_600_000 }, 'within', '2026-03-10T13:00+01:00', "we'll call you back within 3 hours"],
    ['closed by the owner, no hours, no end: when we open', null, '2026-03-10T10:00', { closedByOwnerUntil: INF }, 'when-open', '2026-03-10T10:10+01:00', "we're closed right now; we'll call you back when we open"],
    ['closed by the owner until 14:00, no hours', null, '2026-03-10T10:00', { closedByOwnerUntil: at('2026-03-10T14:00') }, 'when-open', '2026-03-10T14:30+01:00', "we're closed right now; we'll call you back this afternoon"],
    ['closed by the owner, but someone on duty: within', firm, '2026-03-10T10:00', { closedByOwnerUntil: INF, onDuty: true }, 'within', '2026-03-10T10:10+01:00', "we'll call you back within 10 minutes"],
    ['closed by the owner today: the next opening after today', firm, '2026-03-10T10:00', { closedByOwnerUntil: INF }, 'when-open', '2026-03-11T07:30+01:00', "we're closed right now; we'll call you back tomorrow morning"],
  ];
  for (const [label, h, local, overrides, kind, dueAt, said] of cases) {
    const p = { ...policy, hours: h, ...overrides };
    const promise = decideCallbackPromise(p, at(local));
    assert.deepEqual([promise.kind, show(promise.dueAt), sayInEnglish(promiseWords(promise, p, at(local)))], [kind, dueAt, said], label);
  }
});

test('decideCallbackPromise: due exactly afterOpeningMs after opening, to the millisecond', () => {
  const policy: PromisePolicy = { hours: firm, timezone: CPH, deadlineMs: 600_000, afterOpeningMs: 45 * 60_000, onDuty: false, closedByOwnerUntil: null };
  const promise = decideCallbackPromise(policy, at('2026-03-10T16:55'));
  assert.equal(promise.kind, 'when-open');
  assert.equal(promise.dueAt, at('2026-03-11T07:45'));
});

test('the spoken part of the day is never earlier than the due time', () => {
  const policy: PromisePolicy = { hours: null, timezone: CPH, deadlineMs: 600_000, afterOpeningMs: 0, onDuty: false, closedByOwnerUntil: null };
  const now = at('2026-03-09T08:00');
  const ends = { morning: 12 * 60, afternoon: 18 * 60, evening: 24 * 60 };
  for (let minute = 0; minute < 6 * 1440; minute += 7) {
    const until = now + minute * 60_000 + 1;
    const p = { ...policy, closedByOwnerUntil: until };
    const words = promiseWords(decideCallbackPromise(p, now), p, now);
    assert.ok(words.kind === 'when-open' && words.due.kind === 'day', `minute ${minute}`);
    const local = DateTime.fromMillis(until, { zone: CPH });
    assert.ok(local.hour * 60 + local.minute < ends[words.due.part], `${local.toISO() ?? ''} said as ${words.due.part}`);
  }
});

test('validators for the config loader: time zones and holiday rules', () => {
  assert.equal(isKnownTimeZone(CPH), true);
  assert.equal(isKnownTimeZone('Europe/Kopenhagen'), false);
  assert.equal(isKnownHolidayRule({ country: 'DK' }), true);
  assert.equal(isKnownHolidayRule({ country: 'DE', region: 'BY' }), true);
  assert.equal(isKnownHolidayRule({ country: 'DE', region: 'XX' }), false);
  assert.equal(isKnownHolidayRule({ country: 'DK', region: 'BY' }), false);
  assert.equal(isKnownHolidayRule({ country: 'XX' }), false);
  assert.throws(() => dayPlan(hours({}, { holidays: { country: 'DE', region: 'XX' } }), '2026-01-06'), /no holidays for "DE-XX"/);
  assert.throws(() => isOpen(hours({}, { timezone: 'Mars/Olympus' }), 0), /unknown time zone/);
});

/** The figures as pure functions: statistics, a callback's standing, call classes, periods in a time zone, a whole report. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DateTime } from 'luxon';
import { median, seconds, share, worst } from '../../src/figures/stats.js';
import { daysOf, hoursOf, periodOf, today } from '../../src/figures/period.js';
import { classifyCall, computeReport, outcomeKey, standing } from '../../src/figures/report.js';
import { formatReport, humanSeconds } from '../../src/figures/table.js';
import type { Callback, CallLogEntry } from '../../src/callbacks/types.js';
import type { Outcome } from '../../src/call-flow/types.js';
import { ErrorCodes, isNevermissError } from '../../src/errors.js';

const ZONE = 'Europe/Copenhagen';
const MIN = 60_000;
/** A local time in Copenhagen, as ms. */
const at = (local: string): number => DateTime.fromISO(local, { zone: ZONE }).toMillis();

function call(callId: string, startedAt: number, outcome: Outcome, caller = '+4520111111'): CallLogEntry {
  return { callId, caller, called: '+4530123456', route: 'main', startedAt, endedAt: startedAt + 30_000, outcome };
}

const answered = (person: string, phone: string, step: number | undefined, ringMs = 5_000): Outcome => ({
  kind: 'answered',
  by: { person, phone },
  ...(step === undefined ? {} : { step }),
  ringMs,
  talkMs: 60_000,
});
const missed = (callbackId: string): Outcome => ({ kind: 'callback-pending', callbackId, reason: 'no-answer', promise: 'within', dueAt: 0 });

function callback(id: string, createdAt: number, fields: Partial<Callback> = {}): Callback {
  return {
    id,
    caller: '+4520111111',
    called: '+4530123456',
    route: 'main',
    status: 'pending',
    createdAt,
    dueAt: createdAt + 10 * MIN,
    lastAttemptAt: createdAt,
    attempts: 1,
    dialAttempts: 0,
    language: 'en',
    ...fields,
  };
}

test('median: the middle value, the mean of the two middle ones for an even count, null for none; worst is the largest', () => {
  assert.equal(median([5, 1, 3]), 3);
  assert.equal(median([4, 1, 3, 10]), 3.5);
  assert.equal(median([7]), 7);
  assert.equal(median([]), null);
  assert.equal(worst([3, 9, 2]), 9);
  assert.equal(worst([]), null);
  assert.equal(worst(Array.from({ length: 200_000 }, (_, i) => i)), 199_999, 'a long list does not overflow the stack');
  assert.equal(seconds(61_449), 61.4);
  assert.equal(seconds(null), null);
  assert.equal(share(2, 3), 0.6667);
  assert.equal(share(0, 0), null);
});

test('a callback is kept when the customer was reached at or before the deadline, late after it', () => {
  const due = 1_000_000;
  const done = (reachedAt: number) => ({ status: 'done' as const, dueAt: due, reachedAt, closedAt: reachedAt });
  assert.equal(standing(done(due - 1), 2_000_000), 'kept');
  assert.equal(standing(done(due), 2_000_000), 'kept', 'exactly at the deadline is within the promise');
  assert.equal(standing(done(due + 1), 2_000_000), 'late');
  // Closed before reachedAt was recorded: its closing time stands in.
  assert.equal(standing({ status: 'done', dueAt: due, closedAt: due - 5 }, 2_000_000), 'kept');
  assert.equal(standing({ status: 'done', dueAt: due, closedAt: due + 5 }, 2_000_000), 'late');
  // reachedAt wins over a later closedAt (a person closed it by hand long after).
  assert.equal(standing({ status: 'done', dueAt: due, reachedAt: due - 5, closedAt: due + 500 }, 2_000_000), 'kept');
});

test('open callbacks are open until the deadline passes, then overdue; failed and cancelled are what they are', () => {
  const due = 1_000_000;
  assert.equal(standing({ status: 'pending', dueAt: due }, due), 'open');
  assert.equal(standing({ status: 'pending', dueAt: due }, due + 1), 'overdue');
  assert.equal(standing({ status: 'dialing', dueAt: due }, due + 1), 'overdue');
  assert.equal(standing({ status: 'failed', dueAt: due, closedAt: due - 1 }, due + 1), 'failed');
  assert.equal(standing({ status: 'cancelled', dueAt: due, closedAt: due - 1 }, due + 1), 'cancelled');
});

test('calls are answered, missed or blocked; the fallback counts by whether a person answered it', () => {
  const fallback = (isAnswered: boolean): Outcome => ({ kind: 'fallback', answered: isAnswered, dialStatus: isAnswered ? 'ANSWER' : 'NOANSWER', talkMs: 0, reason: null, callbackId: null });
  const cases: [Outcome, string, string][] = [
    [answered('owner', 'desk', 0), 'answered', 'answered'],
    [missed('cb-1'), 'missed', 'callback-pending'],
    [{ kind: 'withheld-no-callback', reason: 'no-answer', message: null }, 'missed', 'withheld-no-callback'],
    [{ kind: 'failed', error: 'x' }, 'missed', 'failed'],
    [{ kind: 'blocked' }, 'blocked', 'blocked'],
    [fallback(true), 'answered', 'fallback-answered'],
    [fallback(false), 'missed', 'fallback-missed'],
  ];
  for (const [outcome, kind, key] of cases) {
    assert.equal(classifyCall(outcome), kind, JSON.stringify(outcome));
    assert.equal(outcomeKey(outcome), key);
  }
});

test('a period is whole local days: 24 hours, 23 on the day clocks go forward, 25 on the day they go back', () => {
  const normal = periodOf('2026-03-10', '2026-03-10', ZONE);
  assert.equal(normal.start, Date.parse('2026-03-09T23:00:00Z'));
  assert.equal(normal.end, Date.parse('2026-03-10T23:00:00Z'));
  assert.equal(hoursOf(normal).length, 24);

  const spring = periodOf('2026-03-29', '2026-03-29', ZONE);
  assert.equal(hoursOf(spring).length, 23);
  assert.equal(spring.end - spring.start, 23 * 3_600_000);

  const autumn = periodOf('2026-10-25', '2026-10-25', ZONE);
  assert.equal(hoursOf(autumn).length, 25);

  const march = periodOf('2026-03-01', '2026-03-31', ZONE);
  assert.equal(daysOf(march).length, 31);
  assert.deepEqual(daysOf(march).at(-1), { date: '2026-03-31', start: Date.parse('2026-03-30T22:00:00Z'), end: Date.parse('2026-03-31T22:00:00Z') });
  assert.equal(hoursOf(march).length, 31 * 24 - 1);
  assert.equal(today(ZONE, Date.parse('2026-03-09T23:30:00Z')), '2026-03-10', 'half past midnight in Copenhagen is already the next day');
});

test('a period that cannot be read is refused with what is wrong', () => {
  const refused = (from: string, to: string, pattern: RegExp) =>
    assert.throws(() => periodOf(from, to, ZONE), (err: unknown) => isNevermissError(err, ErrorCodes.USAGE) && pattern.test(err.message));
  refused('2026-3-1', '2026-03-02', /from must be a date like 2026-03-01, got "2026-3-1"/);
  refused('2026-03-01', 'tomorrow', /to must be a date like 2026-03-01, got "tomorrow"/);
  refused('2026-02-30', '2026-03-02', /from "2026-02-30" is not a date that exists/);
  refused('2026-03-02', '2026-03-01', /to \(2026-03-01\) is before from \(2026-03-02\)/);
  refused('2025-01-01', '2026-03-01', /is 425 days; a report covers at most 366 days/);
  assert.doesNotThrow(() => periodOf('2024-01-01', '2024-12-31', ZONE), 'a leap year fits');
});

test('the report: calls by outcome, who answered in which step, callbacks kept within the promise, times to call back', () => {
  const period = periodOf('2026-03-10', '2026-03-10', ZONE);
  const now = at('2026-03-11T09:00');
  const calls = [
    call('a1', at('2026-03-10T08:05'), answered('owner', 'desk', 0, 4_000)),
    call('a2', at('2026-03-10T08:40'), answered('owner', 'desk', 0, 6_000)),
    call('a3', at('2026-03-10T09:10'), answered('colleague', 'mobile', 1, 20_000)),
    call('a4', at('2026-03-10T10:00'), answered('owner', 'mobile', undefined, 8_000)),
    call('m1', at('2026-03-10T08:15'), missed('cb-kept')),
    call('m2', at('2026-03-10T09:20'), missed('cb-late')),
    call('m3', at('2026-03-10T09:50'), { kind: 'withheld-no-callback', reason: 'caller-hung-up', message: null }, ''),
    call('b1', at('2026-03-10T11:00'), { kind: 'blocked' }),
    // Outside the period: the day before and the day after (local).
    call('x1', at('2026-03-09T23:59'), answered('owner', 'desk', 0)),
    call('x2', at('2026-03-11T00:00'), missed('cb-x')),
  ];
  const callbacks = [
    callback('cb-kept', at('2026-03-10T08:16'), { status: 'done', reachedAt: at('2026-03-10T08:23'), reachedVia: 'dial-back', closedAt: at('2026-03-10T08:23') }),
    callback('cb-late', at('2026-03-10T09:21'), { status: 'done', reachedAt: at('2026-03-10T10:21'), reachedVia: 'called-again', closedAt: at('2026-03-10T10:21') }),
    callback('cb-exact', at('2026-03-10T12:00'), { status: 'done', reachedAt: at('2026-03-10T12:10'), reachedVia: 'by-hand', closedAt: at('2026-03-10T12:10') }),
    callback('cb-failed', at('2026-03-10T13:00'), { status: 'failed', closedAt: at('2026-03-10T13:30') }),
    callback('cb-cancelled', at('2026-03-10T14:00'), { status: 'cancelled', closedAt: at('2026-03-10T14:01') }),
    callback('cb-overdue', at('2026-03-10T15:00')),
    callback('cb-old-done', at('2026-03-10T16:00'), { status: 'done', closedAt: at('2026-03-10T16:04') }),
    callback('cb-open', at('2026-03-10T23:55'), { dueAt: at('2026-03-11T10:00') }),
    callback('cb-x', at('2026-03-11T00:01')),
  ];
  const report = computeReport({ period, calls, callbacks, now });

  assert.deepEqual(report.period, { from: '2026-03-10', to: '2026-03-10', timezone: ZONE, start: '2026-03-10T00:00:00.000+01:00', end: '2026-03-11T00:00:00.000+01:00' });
  assert.equal(report.generatedAt, new Date(now).toISOString());
  assert.deepEqual(
    { total: report.calls.total, answered: report.calls.answered, missed: report.calls.missed, blocked: report.calls.blocked },
    { total: 8, answered: 4, missed: 3, blocked: 1 },
  );
  assert.deepEqual(report.calls.outcomes, {
    answered: 4,
    'callback-pending': 2,
    'withheld-no-callback': 1,
    failed: 0,
    blocked: 1,
    'fallback-answered': 0,
    'fallback-missed': 0,
  });
  assert.deepEqual(report.calls.answeredBy, [
    { person: 'owner', phone: 'desk', step: 0, calls: 2 },
    { person: 'colleague', phone: 'mobile', step: 1, calls: 1 },
    { person: 'owner', phone: 'mobile', step: null, calls: 1 },
  ]);
  assert.deepEqual(report.calls.byPerson, [{ person: 'owner', calls: 3 }, { person: 'colleague', calls: 1 }]);
  assert.deepEqual(report.calls.byStep, [{ step: 0, calls: 2 }, { step: 1, calls: 1 }, { step: null, calls: 1 }]);
  assert.deepEqual(report.calls.timeToAnswer, { count: 4, medianSeconds: 7, worstSeconds: 20 });

  const { callbacks: cb } = report;
  assert.deepEqual(
    [cb.created, cb.kept, cb.late, cb.failed, cb.cancelled, cb.open, cb.overdue],
    [8, 3, 1, 1, 1, 1, 1],
    'kept: dial-back, by hand exactly at the deadline, and one closed before reachedAt existed; late: reached after an hour',
  );
  assert.equal(cb.keptShare, 0.5, '3 kept of 6 due or settled (kept, late, failed, overdue)');
  assert.deepEqual(cb.reachedVia, { 'dial-back': 1, 'called-again': 1, outbound: 0, fallback: 0, 'by-hand': 1, unknown: 1 });
  // Reached after 7, 60, 10 and 4 minutes.
  assert.deepEqual(cb.timeToCallBack, { count: 4, medianSeconds: 8.5 * 60, worstSeconds: 3600 });
  assert.equal(cb.longestOpenWaitSeconds, (now - at('2026-03-10T15:00')) / 1000);

  assert.deepEqual(report.perDay, [{ date: '2026-03-10', calls: 8, answered: 4, missed: 3, callbacks: 8, kept: 3 }]);
  assert.equal(report.perHour.length, 24);
  assert.deepEqual(report.perHour[8], { start: '2026-03-10T08:00:00.000+01:00', calls: 3, answered: 2, missed: 1 });
  assert.deepEqual(report.perHour[9], { start: '2026-03-10T09:00:00.000+01:00', calls: 3, answered: 1, missed: 2 });
  assert.deepEqual(report.perHour[11], { start: '2026-03-10T11:00:00.000+01:00', calls: 1, answered: 0, missed: 0 }, 'a blocked call counts as a call');
  assert.equal(report.perHour.reduce((sum, hour) => sum + hour.calls, 0), report.calls.total);
});

test('per-hour buckets follow local time across the change to summer time, and the day boundary is local midnight', () => {
  const period = periodOf('2026-03-29', '2026-03-29', ZONE);
  const calls = [
    call('c0', Date.parse('2026-03-28T23:30:00Z'), missed('cb-0')), // 00:30 local, the 29th
    call('c1', Date.parse('2026-03-29T00:59:59Z'), missed('cb-1')), // 01:59:59 local, the last second before the jump
    call('c2', Date.parse('2026-03-29T01:00:00Z'), answered('owner', 'desk', 0)), // 03:00 local, summer time
    call('c3', Date.parse('2026-03-29T21:59:59Z'), answered('owner', 'desk', 0)), // 23:59:59 local
    call('c4', Date.parse('2026-03-29T22:00:00Z'), answered('owner', 'desk', 0)), // 00:00 the 30th: outside
  ];
  const report = computeReport({ period, calls, callbacks: [], now: Date.parse('2026-04-01T00:00:00Z') });
  assert.equal(report.period.end, '2026-03-30T00:00:00.000+02:00');
  assert.equal(report.calls.total, 4);
  const hours = report.perHour.map((hour) => hour.start.slice(11, 13));
  assert.deepEqual(hours.slice(0, 4), ['00', '01', '03', '04'], 'there is no 02:00 that day');
  assert.deepEqual(report.perHour.slice(0, 3).map((hour) => [hour.calls, hour.answered, hour.missed]), [[1, 0, 1], [1, 0, 1], [1, 1, 0]]);
  assert.deepEqual(report.perHour.at(-1), { start: '2026-03-29T23:00:00.000+02:00', calls: 1, answered: 1, missed: 0 });
});

test('across the change back to winter time, the hour from 02:00 comes twice, each with its own calls', () => {
  const period = periodOf('2026-10-25', '2026-10-25', ZONE);
  const calls = [
    call('s', Date.parse('2026-10-25T00:30:00Z'), missed('cb-s')), // 02:30 summer time
    call('w', Date.parse('2026-10-25T01:30:00Z'), missed('cb-w')), // 02:30 winter time
  ];
  const report = computeReport({ period, calls, callbacks: [], now: Date.parse('2026-11-01T00:00:00Z') });
  assert.equal(report.perHour.length, 25);
  assert.deepEqual(report.perHour.slice(2, 4), [
    { start: '2026-10-25T02:00:00.000+02:00', calls: 1, answered: 0, missed: 1 },
    { start: '2026-10-25T02:00:00.000+01:00', calls: 1, answered: 0, missed: 1 },
  ]);
});

test('an empty period reports zeros and nulls, not errors; the table says so', () => {
  const report = computeReport({ period: periodOf('2026-03-10', '2026-03-11', ZONE), calls: [], callbacks: [], now: at('2026-03-12T00:00') });
  assert.equal(report.calls.total, 0);
  assert.equal(report.callbacks.keptShare, null);
  assert.deepEqual(report.callbacks.timeToCallBack, { count: 0, medianSeconds: null, worstSeconds: null });
  assert.equal(report.callbacks.longestOpenWaitSeconds, null);
  assert.equal(report.perDay.length, 2);
  assert.equal(report.perHour.length, 48);
  const text = formatReport(report).join('\n');
  assert.match(text, /nevermiss report, 2026-03-10 to 2026-03-11 \(Europe\/Copenhagen\)/);
  assert.match(text, /promises kept: none due yet/);
  assert.match(text, /time to call back: none yet/);
});

test('durations read as people say them', () => {
  assert.equal(humanSeconds(42), '42 s');
  assert.equal(humanSeconds(8.4), '8.4 s');
  assert.equal(humanSeconds(432), '7 min 12 s');
  assert.equal(humanSeconds(600), '10 min');
  assert.equal(humanSeconds(3900), '1 h 5 min');
  assert.equal(humanSeconds(7200), '2 h');
});

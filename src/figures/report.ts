/**
 * The figures that show whether promises are kept, computed from the call log and the callbacks
 * without I/O: (records, period, now) -> the report, in the JSON shape the API, the CLI and the
 * owner's page share. What each figure means is written where it is computed; the decision
 * behind them is docs/decisions/0017.
 */
import type { Outcome } from '../call-flow/types.js';
import type { Callback, CallLogEntry, ReachedVia } from '../callbacks/types.js';
import { REACHED_VIA } from '../callbacks/types.js';
import { HOUR_MS, daysOf, hoursOf, localDate, localTime, type Period } from './period.js';
import { median, seconds, share, worst } from './stats.js';

/** How a call ended, as the figures count it. */
export type CallClass = 'answered' | 'missed' | 'blocked';

/** The outcome kinds, with the dialplan fallback's calls split by whether a person answered. */
export const OUTCOME_KEYS = [
  'answered',
  'callback-pending',
  'withheld-no-callback',
  'failed',
  'blocked',
  'fallback-answered',
  'fallback-missed',
] as const;
export type OutcomeKey = (typeof OUTCOME_KEYS)[number];

/**
 * Where a callback stands:
 *   kept       done, the customer reached at or before the promised deadline
 *   late       done, reached after the deadline
 *   failed     not reached after the allowed dial attempts
 *   cancelled  withdrawn by a person (no promise to judge)
 *   open       still owed, deadline not yet passed
 *   overdue    still owed, deadline passed
 */
export type CallbackStanding = 'kept' | 'late' | 'failed' | 'cancelled' | 'open' | 'overdue';

export interface Duration {
  readonly count: number;
  readonly medianSeconds: number | null;
  readonly worstSeconds: number | null;
}

export interface Report {
  readonly period: { readonly from: string; readonly to: string; readonly timezone: string; readonly start: string; readonly end: string };
  readonly generatedAt: string;
  readonly calls: {
    readonly total: number;
    readonly answered: number;
    readonly missed: number;
    readonly blocked: number;
    readonly outcomes: Readonly<Record<OutcomeKey, number>>;
    /** Hunt answers by phone and step (the fallback's answers are in outcomes only: no person is known). */
    readonly answeredBy: readonly { readonly person: string; readonly phone: string; readonly step: number | null; readonly calls: number }[];
    readonly byPerson: readonly { readonly person: string; readonly calls: number }[];
    readonly byStep: readonly { readonly step: number | null; readonly calls: number }[];
    /** From the call's arrival to the answer, for answered hunt calls. */
    readonly timeToAnswer: Duration;
  };
  readonly callbacks: {
    /** Callbacks created in the period: each a promise made to a caller. */
    readonly created: number;
    readonly kept: number;
    readonly late: number;
    readonly failed: number;
    readonly cancelled: number;
    readonly open: number;
    readonly overdue: number;
    /** kept / (kept + late + failed + overdue): of the promises that are due or settled, the share kept; null if none. */
    readonly keptShare: number | null;
    /** How the done ones were reached; "unknown" for callbacks closed before that was recorded. */
    readonly reachedVia: Readonly<Record<ReachedVia | 'unknown', number>>;
    /** From the missed call (the callback's creation) to reaching the customer, for the done ones. */
    readonly timeToCallBack: Duration;
    /** How long the customer of the oldest callback still open has waited; null when none is open. */
    readonly longestOpenWaitSeconds: number | null;
  };
  readonly perDay: readonly DayFigures[];
  /** One entry per local hour of the period, for a chart (23 or 25 on the days the clocks change). */
  readonly perHour: readonly HourFigures[];
}

export interface DayFigures {
  readonly date: string;
  readonly calls: number;
  readonly answered: number;
  readonly missed: number;
  readonly callbacks: number;
  readonly kept: number;
}

export interface HourFigures {
  /** The hour's start in local time with its offset, like 2026-03-29T03:00:00.000+02:00. */
  readonly start: string;
  readonly calls: number;
  readonly answered: number;
  readonly missed: number;
}

export interface ReportInput {
  readonly period: Period;
  /** Call-log entries; those that did not arrive in the period are ignored. */
  readonly calls: readonly CallLogEntry[];
  /** Callbacks; those not created in the period are ignored. */
  readonly callbacks: readonly Callback[];
  readonly now: number;
}

/** answered: a person took the call; missed: nobody did (including the service failing); blocked: refused on purpose. */
export function classifyCall(outcome: Outcome): CallClass {
  switch (outcome.kind) {
    case 'answered':
      return 'answered';
    case 'callback-pending':
    case 'withheld-no-callback':
    case 'failed':
      return 'missed';
    case 'blocked':
      return 'blocked';
    case 'fallback':
      return outcome.answered ? 'answered' : 'missed';
  }
}

export function outcomeKey(outcome: Outcome): OutcomeKey {
  if (outcome.kind === 'fallback') return outcome.answered ? 'fallback-answered' : 'fallback-missed';
  return outcome.kind;
}

/**
 * When the customer was reached: recorded since the figures exist; for a callback closed done
 * before that, its closing time stands in (the best we know); null when it was not reached.
 */
export function reachedAt(callback: Pick<Callback, 'status' | 'reachedAt' | 'closedAt'>): number | null {
  if (callback.status !== 'done') return null;
  return callback.reachedAt ?? callback.closedAt ?? null;
}

/** A callback's standing at `now`. A customer reached exactly at the deadline counts as kept. */
export function standing(callback: Pick<Callback, 'status' | 'dueAt' | 'reachedAt' | 'closedAt'>, now: number): CallbackStanding {
  switch (callback.status) {
    case 'done': {
      const at = reachedAt(callback) ?? now;
      return at <= callback.dueAt ? 'kept' : 'late';
    }
    case 'failed':
      return 'failed';
    case 'cancelled':
      return 'cancelled';
    case 'pending':
    case 'dialing':
      return callback.dueAt < now ? 'overdue' : 'open';
  }
}

export function computeReport({ period, calls, callbacks, now }: ReportInput): Report {
  const inPeriod = (at: number): boolean => at >= period.start && at < period.end;
  const ours = calls.filter((call) => inPeriod(call.startedAt));
  const promised = callbacks.filter((callback) => inPeriod(callback.createdAt));

  const days = daysOf(period);
  const perDay = new Map(days.map((day) => [day.date, { date: day.date, calls: 0, answered: 0, missed: 0, callbacks: 0, kept: 0 }]));
  const hours = hoursOf(period).map((start) => ({ start: localTime(start, period.zone), calls: 0, answered: 0, missed: 0 }));

  const outcomes = Object.fromEntries(OUTCOME_KEYS.map((key) => [key, 0])) as Record<OutcomeKey, number>;
  const classes: Record<CallClass, number> = { answered: 0, missed: 0, blocked: 0 };
  const byPhone = new Map<string, { person: string; phone: string; step: number | null; calls: number }>();
  const ringTimes: number[] = [];
  for (const call of ours) {
    const kind = classifyCall(call.outcome);
    classes[kind] += 1;
    outcomes[outcomeKey(call.outcome)] += 1;
    const day = perDay.get(localDate(call.startedAt, period.zone));
    const hour = hours[Math.floor((call.startedAt - period.start) / HOUR_MS)];
    for (const bucket of [day, hour]) {
      if (!bucket) continue;
      bucket.calls += 1;
      if (kind !== 'blocked') bucket[kind] += 1;
    }
    if (call.outcome.kind === 'answered') {
      const { person, phone } = call.outcome.by;
      const step = call.outcome.step ?? null;
      const key = `${person}\u0000${phone}\u0000${String(step)}`;
      const entry = byPhone.get(key) ?? { person, phone, step, calls: 0 };
      entry.calls += 1;
      byPhone.set(key, entry);
      ringTimes.push(call.outcome.ringMs);
    }
  }
  const answeredBy = [...byPhone.values()].sort((a, b) => b.calls - a.calls || a.person.localeCompare(b.person) || a.phone.localeCompare(b.phone) || (a.step ?? -1) - (b.step ?? -1));

  const standings: Record<CallbackStanding, number> = { kept: 0, late: 0, failed: 0, cancelled: 0, open: 0, overdue: 0 };
  const reachedVia = Object.fromEntries([...REACHED_VIA, 'unknown'].map((via) => [via, 0])) as Record<ReachedVia | 'unknown', number>;
  const callBackTimes: number[] = [];
  const openWaits: number[] = [];
  for (const callback of promised) {
    const judged = standing(callback, now);
    standings[judged] += 1;
    const day = perDay.get(localDate(callback.createdAt, period.zone));
    if (day) {
      day.callbacks += 1;
      if (judged === 'kept') day.kept += 1;
    }
    const reached = reachedAt(callback);
    if (reached !== null) {
      reachedVia[callback.reachedVia ?? 'unknown'] += 1;
      callBackTimes.push(Math.max(0, reached - callback.createdAt));
    }
    if (judged === 'open' || judged === 'overdue') openWaits.push(Math.max(0, now - callback.createdAt));
  }
  const due = standings.kept + standings.late + standings.failed + standings.overdue;

  return {
    period: {
      from: period.from,
      to: period.to,
      timezone: period.zone,
      start: localTime(period.start, period.zone),
      end: localTime(period.end, period.zone),
    },
    generatedAt: new Date(now).toISOString(),
    calls: {
      total: ours.length,
      ...classes,
      outcomes,
      answeredBy,
      byPerson: totals(answeredBy, (entry) => entry.person).map(([person, count]) => ({ person, calls: count })),
      byStep: totals(answeredBy, (entry) => entry.step).map(([step, count]) => ({ step, calls: count })),
      timeToAnswer: duration(ringTimes),
    },
    callbacks: {
      created: promised.length,
      ...standings,
      keptShare: share(standings.kept, due),
      reachedVia,
      timeToCallBack: duration(callBackTimes),
      longestOpenWaitSeconds: seconds(worst(openWaits)),
    },
    perDay: [...perDay.values()],
    perHour: hours,
  };
}

function duration(ms: readonly number[]): Duration {
  return { count: ms.length, medianSeconds: seconds(median(ms)), worstSeconds: seconds(worst(ms)) };
}

/** Sums `calls` by a key, largest first (ties: in key order, nulls last). */
function totals<T extends { readonly calls: number }, K extends string | number | null>(entries: readonly T[], keyOf: (entry: T) => K): [K, number][] {
  const sums = new Map<K, number>();
  for (const entry of entries) sums.set(keyOf(entry), (sums.get(keyOf(entry)) ?? 0) + entry.calls);
  return [...sums.entries()].sort(([a, x], [b, y]) => y - x || order(a, b));
}

function order(a: string | number | null, b: string | number | null): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  return typeof a === 'number' && typeof b === 'number' ? a - b : String(a).localeCompare(String(b));
}

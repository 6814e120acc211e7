/**
 * `nevermiss explain`: what will happen to a call, computed by the same pure functions the
 * service uses (decide, the promise rule), as data and as readable text.
 */
import type { Config } from '../config/types.js';
import type { PlannedStep } from '../call-flow/types.js';
import { decide, type CallInput, type Decision } from './decide.js';
import { decideCallbackPromise, promiseWords, type CallbackPromise, type PromiseWords } from '../schedule/promise.js';

export interface TimelineEntry {
  readonly step: number;
  readonly person: string;
  readonly phone: string;
  readonly dial: string;
  readonly fromMs: number;
  readonly toMs: number;
  readonly screen: boolean;
}

export interface Explanation {
  readonly at: number;
  readonly called: string;
  readonly caller: string | null;
  readonly decision: Decision;
  /** Who rings when, if nobody answers. */
  readonly timeline: readonly TimelineEntry[];
  /** When the hunt is over if nobody answers (ms after the call arrived). */
  readonly huntEndsAfterMs: number;
  /** What the caller is then told; null for blocked callers. Withheld callers get no callback. */
  readonly promise: (CallbackPromise & { readonly words: PromiseWords }) | null;
}

export function explain(config: Config, call: CallInput): Explanation {
  const decision = decide(config, call);
  const { timeline, endMs } = simulate(decision.plan.steps);
  const promisedAt = call.now + endMs;
  const decided = decision.plan.treatment === 'blocked' ? null : decideCallbackPromise(decision.plan.promise, promisedAt);
  const promise = decided && { ...decided, words: promiseWords(decided, decision.plan.promise, promisedAt) };
  return { at: call.now, called: call.called, caller: decision.caller, decision, timeline, huntEndsAfterMs: endMs, promise };
}

/**
 * The ring timeline when nobody answers: a step with a delay starts at its delay; one without
 * starts when the step before it is over, which is when its longest-ringing phone stops.
 */
function simulate(steps: readonly PlannedStep[]): { timeline: TimelineEntry[]; endMs: number } {
  const timeline: TimelineEntry[] = [];
  let previousEnd = 0;
  let endMs = 0;
  steps.forEach((step, index) => {
    const start = index === 0 ? 0 : (step.delayMs ?? previousEnd);
    const end = start + Math.max(...step.legs.map((leg) => leg.ringMs));
    for (const leg of step.legs) {
      timeline.push({ step: index, person: leg.person, phone: leg.phone, dial: leg.dial, fromMs: start, toMs: start + leg.ringMs, screen: leg.screen });
    }
    previousEnd = end;
    endMs = Math.max(endMs, end);
  });
  return { timeline, endMs };
}

export function formatExplanation(e: Explanation, timezone: string): string[] {
  const d = e.decision;
  const when = (ms: number): string => formatLocal(ms, timezone);
  const secs = (ms: number): string => `${Math.round(ms / 1000)}s`;
  const lines = [
    `Call to ${e.called} from ${e.caller ?? 'a withheld number'} at ${when(e.at)} (${timezone})`,
    `  route:    ${d.route.id} (${d.matched === 'number' ? 'its number matched' : 'no route lists this number: defaultRoute'})`,
    `  caller:   ${d.callerRule ? `callers rule #${d.callerRule.index + 1}: ${d.callerRule.treat}` : 'no caller rule matched'}`,
    `  hours:    ${d.open ? 'open' : 'closed'} (${d.why})`,
    `  hunt:     ${describeHunt(d)}`,
  ];
  if (d.plan.treatment === 'blocked') {
    lines.push('  then:     the caller hears a polite message and the call ends; no callback (logged as blocked)');
    return lines;
  }
  if (e.timeline.length > 0) {
    lines.push('  timeline (if nobody answers):');
    const width = Math.max(...e.timeline.map((t) => `${t.person}.${t.phone}`.length));
    for (const t of e.timeline) {
      const range = `${secs(t.fromMs)}–${secs(t.toMs)}`.padStart(9);
      const screen = t.screen ? `  screened: must press 1 within ${secs(d.plan.screenTimeoutMs)}` : '';
      lines.push(`    ${range}  ${`${t.person}.${t.phone}`.padEnd(width)}  ${t.dial}${screen}`);
    }
  }
  const after = secs(e.huntEndsAfterMs);
  if (e.caller === null) {
    lines.push(`  then:     at ${after}, the caller is told the number is withheld and may leave a message; no callback`);
  } else if (d.plan.uncallable !== null) {
    lines.push(`  then:     at ${after}, the missed call is recorded as one that can't be called back (${d.plan.uncallable}); the caller hears so, and nobody is rung for it`);
  } else if (e.promise) {
    lines.push(`  then:     at ${after}, a callback is recorded, then the caller hears "${sayInEnglish(e.promise.words)}"`);
    lines.push(`  due:      ${when(e.promise.dueAt)}`);
  }
  return lines;
}

function describeHunt(d: Decision): string {
  switch (d.hunt) {
    case 'route':
      return 'the route\'s hunt';
    case 'known caller':
      return 'the known-caller hunt of the matching rule';
    case 'out of hours':
      return 'the out-of-hours hunt (someone on duty)';
    case 'none':
      return d.plan.treatment === 'blocked' ? 'none (blocked caller)' : 'none (closed, nobody on duty)';
  }
}

function formatLocal(ms: number, timezone: string): string {
  return new Intl.DateTimeFormat('en-GB', {
    timeZone: timezone,
    weekday: 'short',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hour12: false,
  }).format(ms);
}

/** The promise's words as the English prompts say them (prompts/src/en.txt). */
export function sayInEnglish(words: PromiseWords): string {
  if (words.kind === 'within') {
    const { hours, minutes } = words.within;
    const h = hours === 0 ? '' : hours === 1 ? '1 hour' : `${hours} hours`;
    const m = minutes === 0 ? '' : minutes === 1 ? '1 minute' : `${minutes} minutes`;
    return `we'll call you back within ${[h, m].filter(Boolean).join(' and ')}`;
  }
  const intro = words.closedNow ? "we're closed right now; we'll call you back" : "we'll call you back";
  const due = words.due;
  switch (due.kind) {
    case 'day': {
      const part = due.part;
      if (due.day === 'today') return `${intro} this ${part}`;
      if (due.day === 'tomorrow') return `${intro} tomorrow ${part}`;
      return `${intro} on ${WEEKDAY_NAMES[due.day]} ${part}`;
    }
    case 'days':
      return `${intro} within ${due.days} days`;
    case 'weeks':
      return `${intro} within ${due.weeks} weeks`;
    case 'unknown':
      return `${intro} when we open`;
  }
}

const WEEKDAY_NAMES = { mon: 'Monday', tue: 'Tuesday', wed: 'Wednesday', thu: 'Thursday', fri: 'Friday', sat: 'Saturday', sun: 'Sunday' } as const;

/**
 * Pure routing: (config, call facts, owner status, now) -> the plan a call follows, with the
 * rules that decided it. The service and `nevermiss explain` call this same function, so what
 * explain prints is what will happen.
 */
import type { Config, HuntStep, PhoneRef, Route } from '../config/types.js';
import type { HuntPlan, PlannedLeg, PlannedStep } from '../call-flow/types.js';
import { dayPlan, isOpen } from '../schedule/hours.js';
import { localDateOf } from '../schedule/zone.js';
import { callbackNumber } from './caller.js';
import { firstMatchingRule, normalizeNumber } from './numbers.js';
import { legId } from './plan.js';
import { callability } from '../numbers/callable.js';

export type StatusMode = 'normal' | 'away' | 'closed';

export interface StatusInput {
  readonly mode: StatusMode;
  readonly until: number | null;
}

export interface CallInput {
  readonly callId: string;
  readonly called: string;
  /** The caller's number as the PBX delivered it ("anonymous" when withheld). */
  readonly callerRaw: string;
  readonly callerName: string;
  readonly now: number;
  readonly status: StatusInput;
}

export type OpenReason = 'always open' | 'open' | 'outside opening hours' | 'closed day' | 'closed by the owner' | `holiday: ${string}`;

export interface Decision {
  readonly route: Route;
  readonly matched: 'number' | 'default';
  /** E.164 where possible; null when withheld. */
  readonly caller: string | null;
  readonly callerRule: { readonly index: number; readonly treat: 'known' | 'blocked' } | null;
  readonly open: boolean;
  readonly why: OpenReason;
  /** Which hunt the call follows. */
  readonly hunt: 'route' | 'known caller' | 'out of hours' | 'none';
  readonly plan: HuntPlan;
}

const SCREEN_TIMEOUT_MS = 10_000;

export function selectRoute(config: Config, called: string): { route: Route; matched: 'number' | 'default' } {
  for (const route of Object.values(config.routes)) {
    if (route.numbers.includes(called)) return { route, matched: 'number' };
  }
  const fallback = config.routes[config.defaultRoute];
  // The loader guarantees defaultRoute names a route; a broken invariant is a bug, not bad input.
  if (!fallback) throw new Error(`defaultRoute "${config.defaultRoute}" names no route`);
  return { route: fallback, matched: 'default' };
}

export function decide(config: Config, call: CallInput): Decision {
  const { route, matched } = selectRoute(config, call.called);
  const raw = callbackNumber(call.callerRaw);
  const caller = raw === null ? null : (normalizeNumber(raw, route.country) ?? raw);
  const rule = firstMatchingRule(caller, route.callers);
  const callerRule = rule ? { index: route.callers.indexOf(rule), treat: rule.treat } : null;
  const { open, why } = openness(route, call.status, call.now);
  const away = call.status.mode === 'away' ? new Set(config.status.away) : new Set<string>();

  const base = {
    routeId: route.id,
    language: route.language,
    promise: {
      hours: route.hours,
      timezone: route.timezone,
      deadlineMs: route.promise.deadlineMs,
      afterOpeningMs: route.promise.afterOpeningMs,
      // On duty only with a phone left to ring: an out-of-hours hunt that `away` empties can't call back.
      onDuty: (route.outOfHours.hunt ?? []).some((step) => step.ring.some((phone) => !away.has(phone.person))),
      closedByOwnerUntil: call.status.mode === 'closed' ? (call.status.until ?? Number.POSITIVE_INFINITY) : null,
    },
    screenTimeoutMs: SCREEN_TIMEOUT_MS,
    uncallable: caller === null ? null : uncallableReason(caller, config),
  };

  if (rule?.treat === 'blocked') {
    return { route, matched, caller, callerRule, open, why, hunt: 'none', plan: { ...base, treatment: 'blocked', steps: [] } };
  }
  const [hunt, source] = chooseHunt(route, rule?.hunt ?? null, open);
  const steps = planSteps(config, hunt, away, call.callId, caller, call.callerName);
  return { route, matched, caller, callerRule, open, why, hunt: source, plan: { ...base, treatment: 'hunt', steps } };
}

function uncallableReason(caller: string, config: Config): string | null {
  const verdict = callability(caller, config.callable);
  return verdict.callable ? null : verdict.why;
}

function chooseHunt(route: Route, knownHunt: readonly HuntStep[] | null, open: boolean): [readonly HuntStep[], Decision['hunt']] {
  if (!open) return route.outOfHours.hunt ? [route.outOfHours.hunt, 'out of hours'] : [[], 'none'];
  return knownHunt ? [knownHunt, 'known caller'] : [route.hunt, 'route'];
}

function openness(route: Route, status: StatusInput, now: number): { open: boolean; why: OpenReason } {
  if (status.mode === 'closed') return { open: false, why: 'closed by the owner' };
  if (!route.hours) return { open: true, why: 'always open' };
  if (isOpen(route.hours, now)) return { open: true, why: 'open' };
  const day = dayPlan(route.hours, localDateOf(now, route.hours.timezone));
  if (day.why === 'closed-day') return { open: false, why: 'closed day' };
  if (typeof day.why === 'object') return { open: false, why: `holiday: ${day.why.holiday}` };
  return { open: false, why: 'outside opening hours' };
}

/** Steps with the away people's phones left out; a step left empty is dropped. */
function planSteps(
  config: Config,
  hunt: readonly HuntStep[],
  away: ReadonlySet<string>,
  callId: string,
  caller: string | null,
  callerName: string,
): PlannedStep[] {
  const kept = hunt.map((step) => ({ step, phones: step.ring.filter((phone) => !away.has(phone.person)) })).filter(({ phones }) => phones.length > 0);
  return kept.map(({ step, phones }, s) => ({
    timeoutMs: step.timeoutMs,
    // The first step starts with the hunt; a delay there means nothing.
    delayMs: s === 0 ? null : step.delayMs,
    legs: phones.map((phone, i): PlannedLeg => plannedLeg(config, phone, step, legId(callId, s, i), caller, callerName)),
  }));
}

function plannedLeg(config: Config, phone: PhoneRef, step: HuntStep, id: string, caller: string | null, callerName: string): PlannedLeg {
  return {
    legId: id,
    person: phone.person,
    phone: phone.phone,
    dial: phone.dial,
    ringMs: Math.min(step.timeoutMs, phone.timeoutMs ?? Number.POSITIVE_INFINITY),
    screen: phone.screen,
    callerId: presentedCallerId(config, phone, caller, callerName),
    skipWhenBusy: phone.whenBusy === 'skip' && !phone.external,
  };
}

/** What the phone shows: the caller (with an optional prefix), or the firm's own number. */
export function presentedCallerId(config: Config, phone: PhoneRef, caller: string | null, callerName: string): string {
  const who = callerName.trim() && callerName.trim().toLowerCase() !== 'anonymous' ? callerName.trim() : (caller ?? 'Anonymous');
  const name = `${phone.callerId.prefix}${who}`.replace(/["\\<>]/g, '');
  const number = phone.callerId.show === 'firm' && config.firm.number ? config.firm.number : (caller ?? 'anonymous');
  return `"${name}" <${number}>`;
}

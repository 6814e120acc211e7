/**
 * Pure routing: which route a dialled number takes, and the hunt plan a call follows.
 * The service, `nevermiss check` and the tests all call these same functions.
 */
import type { Config, Route } from '../config/types.js';
import type { HuntPlan } from '../call-flow/types.js';

export interface RouteChoice {
  readonly route: Route;
  /** Why this route: the number matched, or nothing matched and the default applied. */
  readonly matched: 'number' | 'default';
}

export function selectRoute(config: Config, called: string): RouteChoice {
  for (const route of Object.values(config.routes)) {
    if (route.numbers.includes(called)) return { route, matched: 'number' };
  }
  const fallback = config.routes[config.defaultRoute];
  // The loader guarantees defaultRoute names a route; a broken invariant is a bug, not bad input.
  if (!fallback) throw new Error(`defaultRoute "${config.defaultRoute}" names no route`);
  return { route: fallback, matched: 'default' };
}

/** Leg ids are derived from the call id, so a retried originate collides instead of ringing twice. */
export function legId(callId: string, step: number, index: number): string {
  return `${callId}-s${step}-${index}`;
}

export function planHunt(route: Route, callId: string): HuntPlan {
  return {
    routeId: route.id,
    language: route.language,
    deadlineMs: route.promise.deadlineMs,
    steps: route.hunt.map((step, s) => ({
      timeoutMs: step.timeoutMs,
      legs: step.ring.map((phone, i) => ({ legId: legId(callId, s, i), person: phone.person, phone: phone.phone, dial: phone.dial })),
    })),
  };
}

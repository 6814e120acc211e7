/**
 * What we promise a caller nobody answered: a callback within the deadline, or a callback soon
 * after the route next opens. A pure decision; the call flow plays and records it.
 */
import { nextOpening, openPeriodAt } from './hours.js';
import type { OpeningHours } from './types.js';

export interface PromisePolicy {
  /** How soon we promise to call back while open, in ms. */
  readonly deadlineMs: number;
  /** How long after opening a "when we open" callback is due, in ms. */
  readonly afterOpeningMs: number;
  /** Someone answers callbacks out of hours too, so the deadline holds at any time. */
  readonly onDuty: boolean;
}

export type CallbackPromise =
  | { readonly kind: 'within'; readonly dueAt: number; readonly minutes: number }
  | { readonly kind: 'when-open'; readonly dueAt: number; readonly opensAt: number };

/**
 * "Within" when the deadline can be kept: no hours (always open), someone on duty, or open now
 * until at least now + deadline. Otherwise "when open", due afterOpeningMs after the next opening
 * that follows the current open period (or now, when closed).
 */
export function decidePromise(hours: OpeningHours | null, now: number, policy: PromisePolicy): CallbackPromise {
  const within: CallbackPromise = { kind: 'within', dueAt: now + policy.deadlineMs, minutes: Math.round(policy.deadlineMs / 60_000) };
  if (hours === null || policy.onDuty) return within;

  const period = openPeriodAt(hours, now);
  if (period && now + policy.deadlineMs <= period.closesAt) return within;

  const opensAt = nextOpening(hours, period ? period.closesAt : now);
  // A route that never opens again (every day closed, or nothing within the search horizon) must
  // not promise "when we open": that callback would never be due. The deadline is the one promise
  // someone can still keep, and it puts the callback in front of a person straight away.
  if (opensAt === null) return within;
  return { kind: 'when-open', dueAt: opensAt + policy.afterOpeningMs, opensAt };
}

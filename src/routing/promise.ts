/**
 * What the promise says when nobody answered: "within N minutes" only when that is true,
 * otherwise "when we open", due a while after the next opening.
 */
import type { PromiseKind, PromisePolicy } from '../call-flow/types.js';
import { nextOpening, openPeriodAt } from '../schedule/hours.js';
import { decidePromise } from '../schedule/promise.js';

export interface PromiseDecision {
  readonly kind: PromiseKind;
  readonly dueAt: number;
}

export function decideCallbackPromise(policy: PromisePolicy, now: number): PromiseDecision {
  const closedUntil = policy.closedByOwnerUntil;
  if (closedUntil !== null && !policy.onDuty) {
    // Closed by the owner: due after the status lapses and the firm is open again. Closed
    // without an end and without opening hours, nothing better than the deadline is known.
    if (Number.isFinite(closedUntil)) {
      const opensAt = policy.hours ? (nextOpening(policy.hours, closedUntil) ?? closedUntil) : closedUntil;
      return { kind: 'when-open', dueAt: opensAt + policy.afterOpeningMs };
    }
    if (policy.hours) {
      // Closed today: the next opening after the one we are in (if any).
      const after = openPeriodAt(policy.hours, now)?.closesAt ?? now;
      const opensAt = nextOpening(policy.hours, after) ?? after;
      return { kind: 'when-open', dueAt: opensAt + policy.afterOpeningMs };
    }
  }
  const decided = decidePromise(policy.hours, now, policy);
  return { kind: decided.kind, dueAt: decided.dueAt };
}

/**
 * A call in progress as people see it: who is calling, on which route, what the call is doing
 * and which phones ring for it now. Pure: read from the call's facts, plan and state.
 */
import type { CallFacts, CallState, CallStateKind, HuntPlan, LegStatus } from './types.js';

export interface LiveLeg {
  readonly person: string;
  readonly phone: string;
  /** ringing; screening: it answered and its user is deciding (press 1). */
  readonly status: Extract<LegStatus, 'ringing' | 'screening'>;
}

export interface LiveCall {
  readonly callId: string;
  /** E.164, or null when withheld. */
  readonly caller: string | null;
  readonly callerName: string;
  readonly called: string;
  readonly route: string;
  readonly startedAt: number;
  readonly state: CallStateKind;
  /** The phones ringing for it now (hunting only), in the plan's order. */
  readonly ringing: readonly LiveLeg[];
  /** The phone that took it (bridged only). */
  readonly answeredBy: { readonly person: string; readonly phone: string; readonly at: number } | null;
}

export function liveCall(facts: CallFacts, plan: HuntPlan, state: CallState): LiveCall {
  const ringing: LiveLeg[] = [];
  if (state.kind === 'hunting') {
    for (const leg of plan.steps.flatMap((step) => step.legs)) {
      const status = state.legs[leg.legId];
      if (status === 'ringing' || status === 'screening') ringing.push({ person: leg.person, phone: leg.phone, status });
    }
  }
  return {
    callId: facts.callId,
    caller: facts.caller,
    callerName: facts.callerName,
    called: facts.called,
    route: plan.routeId,
    startedAt: facts.startedAt,
    state: state.kind,
    ringing,
    answeredBy: state.kind === 'bridged' ? { person: state.winner.person, phone: state.winner.phone, at: state.answeredAt } : null,
  };
}

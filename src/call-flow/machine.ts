/**
 * The call flow as a pure function: (plan, facts, state, event, now) -> (next state, effects).
 *
 * It never performs I/O and never reads the clock. The session shell runs the effects and feeds
 * their results back as events. Events that make no sense in a state (a late leg answer, a second
 * hangup) are answered with the state unchanged and no effects, except where a channel must still
 * be released.
 */
import type {
  CallEvent,
  CallFacts,
  CallState,
  CallbackReason,
  Effect,
  HuntPlan,
  LegStatus,
  Outcome,
  PlannedLeg,
} from './types.js';

export interface Transition {
  readonly state: CallState;
  readonly effects: readonly Effect[];
}

export interface CallContext {
  readonly plan: HuntPlan;
  readonly facts: CallFacts;
}

/** Before `started`, a call is hunting at step -1: nothing rings yet. */
export function initialState(now: number): CallState {
  return { kind: 'hunting', step: -1, stepStartedAt: now, legs: {} };
}

export function transition(ctx: CallContext, state: CallState, event: CallEvent, now: number): Transition {
  switch (state.kind) {
    case 'hunting':
      return whileHunting(ctx, state, event, now);
    case 'bridged':
      return whileBridged(ctx, state, event, now);
    case 'recording':
      return whileRecording(ctx, state, event);
    case 'promising':
      return whilePromising(state, event);
    case 'withheld':
      return whileWithheld(state, event);
    case 'ended':
      return stay(state, releaseLateLeg(event));
  }
}

type Hunting = Extract<CallState, { kind: 'hunting' }>;

function whileHunting(ctx: CallContext, state: Hunting, event: CallEvent, now: number): Transition {
  switch (event.type) {
    case 'started':
      if (state.step !== -1) return stay(state);
      return startStep(ctx, 0, now, [{ type: 'indicateRinging' }]);

    case 'legAnswered': {
      if (state.legs[event.legId] !== 'ringing') return stay(state, releaseLateLeg(event));
      const winner = findLeg(ctx.plan, state.step, event.legId);
      if (!winner) return stay(state, releaseLateLeg(event));
      return {
        state: { kind: 'bridged', winner, answeredAt: now },
        effects: [
          { type: 'cancelStepTimer' },
          ...hangupRinging(state.legs, 'answered_elsewhere', event.legId),
          { type: 'connect', leg: winner },
        ],
      };
    }

    case 'legEnded': {
      if (state.legs[event.legId] !== 'ringing') return stay(state);
      const legs: Record<string, LegStatus> = { ...state.legs, [event.legId]: 'failed' };
      // A busy, rejected or unreachable step does not wait for its timeout.
      if (Object.values(legs).includes('ringing')) return stay({ ...state, legs });
      return startStep(ctx, state.step + 1, now, [{ type: 'cancelStepTimer' }]);
    }

    case 'stepTimedOut':
      if (event.step !== state.step) return stay(state);
      return startStep(ctx, state.step + 1, now, hangupRinging(state.legs, 'normal'));

    case 'callerHungUp':
      // Phones keep a missed-call entry (plain hangup cause), and the caller gets a callback.
      return huntOver(ctx, 'caller-hung-up', [{ type: 'cancelStepTimer' }, ...hangupRinging(state.legs, 'normal')], false);

    case 'connectFailed':
    case 'callbackRecorded':
    case 'callbackFailed':
    case 'promptFinished':
      return stay(state);
  }
}

/** Rings the phones of step `index`, or ends the hunt when there is no such step. */
function startStep(ctx: CallContext, index: number, now: number, before: readonly Effect[]): Transition {
  const step = ctx.plan.steps[index];
  if (!step) return huntOver(ctx, 'no-answer', before, true);
  const legs: Record<string, LegStatus> = {};
  for (const leg of step.legs) legs[leg.legId] = 'ringing';
  return {
    state: { kind: 'hunting', step: index, stepStartedAt: now, legs },
    effects: [
      ...before,
      ...step.legs.map((leg): Effect => ({ type: 'originate', leg, timeoutMs: step.timeoutMs })),
      { type: 'startStepTimer', step: index, ms: step.timeoutMs },
    ],
  };
}

/**
 * Nobody took the call. A caller with a number gets a callback, written before any promise is
 * played; a withheld caller is told we can't call back.
 */
function huntOver(ctx: CallContext, reason: CallbackReason, before: readonly Effect[], callerPresent: boolean): Transition {
  if (ctx.facts.caller === null) {
    if (!callerPresent) return end({ kind: 'withheld-no-callback', reason }, before);
    return {
      state: { kind: 'withheld', reason },
      effects: [...before, { type: 'play', prompt: { kind: 'withheld', language: ctx.plan.language } }],
    };
  }
  return {
    state: { kind: 'recording', reason, callerPresent },
    effects: [...before, { type: 'recordCallback', reason }],
  };
}

type Bridged = Extract<CallState, { kind: 'bridged' }>;

function whileBridged(ctx: CallContext, state: Bridged, event: CallEvent, now: number): Transition {
  const answered = (): Outcome => ({
    kind: 'answered',
    by: { person: state.winner.person, phone: state.winner.phone },
    ringMs: state.answeredAt - ctx.facts.startedAt,
    talkMs: now - state.answeredAt,
  });
  switch (event.type) {
    case 'callerHungUp':
      return end(answered(), [{ type: 'hangupLeg', legId: state.winner.legId, reason: 'normal' }]);
    case 'legEnded':
      if (event.legId !== state.winner.legId) return stay(state);
      return end(answered(), [{ type: 'hangupCaller' }]);
    case 'connectFailed':
      return end({ kind: 'failed', error: `connecting the caller to ${state.winner.dial} failed: ${event.error}` }, [
        { type: 'hangupLeg', legId: state.winner.legId, reason: 'normal' },
        { type: 'hangupCaller' },
      ]);
    case 'legAnswered':
      return stay(state, event.legId === state.winner.legId ? [] : releaseLateLeg(event));
    case 'started':
    case 'stepTimedOut':
    case 'callbackRecorded':
    case 'callbackFailed':
    case 'promptFinished':
      return stay(state);
  }
}

type Recording = Extract<CallState, { kind: 'recording' }>;

function whileRecording(ctx: CallContext, state: Recording, event: CallEvent): Transition {
  switch (event.type) {
    case 'callbackRecorded': {
      const outcome: Outcome = { kind: 'callback-pending', callbackId: event.callbackId, reason: state.reason };
      if (!state.callerPresent) return end(outcome);
      const minutes = Math.max(1, Math.round(ctx.plan.deadlineMs / 60_000));
      return {
        state: { kind: 'promising', callbackId: event.callbackId },
        effects: [{ type: 'play', prompt: { kind: 'promise', minutes, language: ctx.plan.language } }],
      };
    }
    case 'callbackFailed':
      // No promise we can't keep: the caller is asked to try again instead.
      if (!state.callerPresent) return end({ kind: 'failed', error: `recording the callback failed: ${event.error}` });
      return {
        state: { kind: 'withheld', reason: state.reason },
        effects: [{ type: 'play', prompt: { kind: 'sorry', language: ctx.plan.language } }],
      };
    case 'callerHungUp':
      return stay({ ...state, callerPresent: false });
    case 'legAnswered':
      return stay(state, releaseLateLeg(event));
    case 'started':
    case 'legEnded':
    case 'stepTimedOut':
    case 'connectFailed':
    case 'promptFinished':
      return stay(state);
  }
}

type Promising = Extract<CallState, { kind: 'promising' }>;

function whilePromising(state: Promising, event: CallEvent): Transition {
  const pending: Outcome = { kind: 'callback-pending', callbackId: state.callbackId, reason: 'no-answer' };
  switch (event.type) {
    case 'promptFinished':
      return end(pending, [{ type: 'hangupCaller' }]);
    case 'callerHungUp':
      return end(pending);
    case 'legAnswered':
      return stay(state, releaseLateLeg(event));
    case 'started':
    case 'legEnded':
    case 'stepTimedOut':
    case 'connectFailed':
    case 'callbackRecorded':
    case 'callbackFailed':
      return stay(state);
  }
}

type Withheld = Extract<CallState, { kind: 'withheld' }>;

function whileWithheld(state: Withheld, event: CallEvent): Transition {
  const outcome: Outcome = { kind: 'withheld-no-callback', reason: state.reason };
  switch (event.type) {
    case 'promptFinished':
      return end(outcome, [{ type: 'hangupCaller' }]);
    case 'callerHungUp':
      return end(outcome);
    case 'legAnswered':
      return stay(state, releaseLateLeg(event));
    case 'started':
    case 'legEnded':
    case 'stepTimedOut':
    case 'connectFailed':
    case 'callbackRecorded':
    case 'callbackFailed':
      return stay(state);
  }
}

function findLeg(plan: HuntPlan, step: number, legId: string): PlannedLeg | undefined {
  return plan.steps[step]?.legs.find((leg) => leg.legId === legId);
}

function hangupRinging(legs: Readonly<Record<string, LegStatus>>, reason: 'answered_elsewhere' | 'normal', except?: string): Effect[] {
  return Object.entries(legs)
    .filter(([legId, status]) => status === 'ringing' && legId !== except)
    .map(([legId]): Effect => ({ type: 'hangupLeg', legId, reason }));
}

/** A leg that answers after the call was decided is released at once. */
function releaseLateLeg(event: CallEvent): Effect[] {
  return event.type === 'legAnswered' ? [{ type: 'hangupLeg', legId: event.legId, reason: 'normal' }] : [];
}

function stay(state: CallState, effects: readonly Effect[] = []): Transition {
  return { state, effects };
}

function end(outcome: Outcome, before: readonly Effect[] = []): Transition {
  return { state: { kind: 'ended', outcome }, effects: [...before, { type: 'finish', outcome }] };
}

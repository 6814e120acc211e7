/**
 * The call flow as a pure function: (plan, facts, state, event, now) -> (next state, effects).
 *
 * It never performs I/O and never reads the clock. The session shell runs the effects and feeds
 * their results back as events (timers too: an effect names the event it fires). Events that
 * make no sense in a state (a late answer, a second hangup) leave the state unchanged, except
 * that a leg which answers too late is always released.
 */
import { decideCallbackPromise, promiseWords } from '../schedule/promise.js';
import type {
  CallEvent,
  CallFacts,
  CallState,
  CallbackReason,
  Effect,
  HangupReason,
  HuntPlan,
  LegStatus,
  Outcome,
  PlannedLeg,
  Prompt,
} from './types.js';

export interface Transition {
  readonly state: CallState;
  readonly effects: readonly Effect[];
}

export interface CallContext {
  readonly plan: HuntPlan;
  readonly facts: CallFacts;
}

type Hunting = Extract<CallState, { kind: 'hunting' }>;
type Legs = Readonly<Record<string, LegStatus>>;

const stepTimer = (step: number): string => `step-end:${step}`;
const startTimer = (step: number): string => `step-start:${step}`;
const screenTimer = (legId: string): string => `screen:${legId}`;
const LIVE: ReadonlySet<LegStatus> = new Set(['ringing', 'screening']);

/** Before `started` nothing rings. */
export function initialState(plan: HuntPlan): CallState {
  return { kind: 'hunting', started: plan.steps.map(() => false), legs: {} };
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
    case 'announcing':
      return whilePlayingLastWords(state, event);
    case 'message':
      return whileTakingMessage(ctx, state, event);
    case 'ended':
      return stay(state, releaseLateLeg(event));
  }
}

function whileHunting(ctx: CallContext, state: Hunting, event: CallEvent, now: number): Transition {
  switch (event.type) {
    case 'started': {
      if (state.started.some(Boolean) || Object.keys(state.legs).length > 0) return stay(state);
      if (ctx.plan.treatment === 'blocked') return announce({ kind: 'blocked' }, { kind: 'blocked', language: ctx.plan.language }, []);
      const delayed = ctx.plan.steps.flatMap((step, index): Effect[] =>
        index > 0 && step.delayMs !== null ? [{ type: 'startTimer', key: startTimer(index), ms: step.delayMs, event: { type: 'stepDue', step: index } }] : [],
      );
      // The phones first, then the caller's ringing tone: each INVITE out earlier is an answer sooner.
      const started = advance(ctx, state, now, delayed);
      if (started.state.kind !== 'hunting') return advance(ctx, state, now, [{ type: 'indicateRinging' }, ...delayed]);
      return { state: started.state, effects: [...started.effects, { type: 'indicateRinging' }] };
    }

    case 'stepDue':
      if (state.started[event.step] !== false) return stay(state);
      return advance(ctx, startStep(ctx, state, event.step), now, stepEffects(ctx, event.step));

    case 'stepTimedOut': {
      const legIds = legsOfStep(ctx.plan, event.step).filter((legId) => LIVE.has(state.legs[legId] ?? 'failed'));
      const legs = mark(state.legs, legIds, 'cancelled');
      return advance(ctx, { ...state, legs }, now, legIds.flatMap((legId) => hangupLive(state.legs, legId, 'normal')));
    }

    case 'legAnswered': {
      const leg = findLeg(ctx.plan, event.legId);
      // Seen twice (the event, and a reconciliation that found the leg answered): nothing new.
      if (state.legs[event.legId] === 'screening') return stay(state);
      if (state.legs[event.legId] !== 'ringing' || !leg) return stay(state, releaseLateLeg(event));
      if (!leg.screen) return win(ctx, state, leg, now);
      return stay({ ...state, legs: { ...state.legs, [leg.legId]: 'screening' } }, [
        { type: 'screen', leg },
        { type: 'startTimer', key: screenTimer(leg.legId), ms: ctx.plan.screenTimeoutMs, event: { type: 'screenTimedOut', legId: leg.legId } },
      ]);
    }

    case 'legDtmf': {
      const leg = findLeg(ctx.plan, event.legId);
      if (state.legs[event.legId] !== 'screening' || !leg) return stay(state);
      // Only a 1 takes the call; any other key declines it, like hanging up.
      if (event.digit === '1') return win(ctx, state, leg, now);
      return decline(ctx, state, leg.legId, now);
    }

    case 'screenTimedOut':
      if (state.legs[event.legId] !== 'screening') return stay(state);
      return decline(ctx, state, event.legId, now);

    case 'legEnded': {
      if (!LIVE.has(state.legs[event.legId] ?? 'failed')) return stay(state);
      const effects: Effect[] = state.legs[event.legId] === 'screening' ? [{ type: 'cancelTimer', key: screenTimer(event.legId) }] : [];
      return advance(ctx, { ...state, legs: mark(state.legs, [event.legId], 'failed') }, now, effects);
    }

    case 'callerHungUp':
    case 'interrupted': {
      const live = liveLegs(state.legs);
      const timers = ctx.plan.steps.flatMap((_, i): Effect[] => [
        { type: 'cancelTimer', key: stepTimer(i) },
        { type: 'cancelTimer', key: startTimer(i) },
      ]);
      // Phones keep a missed-call entry (plain hangup cause), and the caller gets a callback.
      const hangups = live.flatMap((legId) => hangupLive(state.legs, legId, 'normal'));
      const callerPresent = event.type === 'interrupted';
      return huntOver(ctx, callerPresent ? 'interrupted' : 'caller-hung-up', [...timers, ...hangups], callerPresent, now);
    }

    case 'connected':
    case 'connectFailed':
    case 'callbackRecorded':
    case 'callbackFailed':
    case 'promptFinished':
    case 'messageTaken':
      return stay(state);
  }
}

/**
 * Starts whatever may start now, and ends the hunt when nothing rings and nothing is left.
 * A step without a delay starts when the step before it is over; when nothing rings at all,
 * the next step starts at once, delay or not (a busy step doesn't make the caller wait).
 */
function advance(ctx: CallContext, state: Hunting, now: number, before: readonly Effect[]): Transition {
  let current = state;
  const effects: Effect[] = [...before];
  for (;;) {
    const next = current.started.findIndex((started) => !started);
    if (next === -1) break;
    const step = ctx.plan.steps[next];
    const previousOver = next === 0 || (current.started[next - 1] === true && !legsOfStep(ctx.plan, next - 1).some((id) => LIVE.has(current.legs[id] ?? 'failed')));
    const nothingRings = liveLegs(current.legs).length === 0;
    const due = nothingRings || (step?.delayMs === null && previousOver);
    if (!due) break;
    if (step?.delayMs !== null && next > 0) effects.push({ type: 'cancelTimer', key: startTimer(next) });
    const started = startStep(ctx, current, next);
    effects.push(...stepEffects(ctx, next));
    current = started;
  }
  if (liveLegs(current.legs).length === 0 && current.started.every(Boolean)) {
    return huntOver(ctx, 'no-answer', effects, true, now);
  }
  return { state: current, effects };
}

function startStep(ctx: CallContext, state: Hunting, index: number): Hunting {
  const started = state.started.map((value, i) => value || i === index);
  const legs: Record<string, LegStatus> = { ...state.legs };
  for (const leg of ctx.plan.steps[index]?.legs ?? []) legs[leg.legId] = 'ringing';
  return { kind: 'hunting', started, legs };
}

function stepEffects(ctx: CallContext, index: number): Effect[] {
  const step = ctx.plan.steps[index];
  if (!step) return [];
  return [
    ...step.legs.map((leg): Effect => ({ type: 'originate', leg })),
    { type: 'startTimer', key: stepTimer(index), ms: step.timeoutMs, event: { type: 'stepTimedOut', step: index } },
  ];
}

/** A leg took the call: every other live leg is released, and the caller is connected. */
function win(ctx: CallContext, state: Hunting, winner: PlannedLeg, now: number): Transition {
  const others = liveLegs(state.legs).filter((legId) => legId !== winner.legId);
  const timers = ctx.plan.steps.flatMap((_, i): Effect[] => [
    { type: 'cancelTimer', key: stepTimer(i) },
    { type: 'cancelTimer', key: startTimer(i) },
  ]);
  return {
    state: { kind: 'bridged', winner, answeredAt: now, connected: false },
    // The caller first: their answer goes out before the other phones are released.
    effects: [
      { type: 'connect', leg: winner },
      ...timers,
      { type: 'cancelTimer', key: screenTimer(winner.legId) },
      ...others.flatMap((legId) => hangupLive(state.legs, legId, 'answered_elsewhere')),
    ],
  };
}

/** A screened callee didn't press 1: that leg is dropped and the hunt goes on. */
function decline(ctx: CallContext, state: Hunting, legId: string, now: number): Transition {
  return advance(ctx, { ...state, legs: mark(state.legs, [legId], 'failed') }, now, [
    { type: 'cancelTimer', key: screenTimer(legId) },
    { type: 'hangupLeg', legId, reason: 'normal' },
  ]);
}

/**
 * Nobody took the call. A caller with a number gets a callback, written before any promise is
 * played; the promise says "within N minutes" only if that is true (open long enough, or
 * someone on duty), else when we open (schedule/promise.ts). A number we don't call back
 * (plan.uncallable) is recorded too, for people to see, but the caller is promised nothing.
 * A withheld caller is told we can't call back.
 */
function huntOver(ctx: CallContext, reason: CallbackReason, before: readonly Effect[], callerPresent: boolean, now: number): Transition {
  if (ctx.facts.caller === null) {
    if (!callerPresent) return end({ kind: 'withheld-no-callback', reason, message: null }, before);
    return {
      state: { kind: 'message', phase: 'prompt', reason },
      effects: [...before, { type: 'play', prompt: { kind: 'withheld', language: ctx.plan.language } }],
    };
  }
  const promise = decideCallbackPromise(ctx.plan.promise, now);
  const words = promiseWords(promise, ctx.plan.promise, now);
  return {
    state: { kind: 'recording', reason, callerPresent, promise: { kind: promise.kind, dueAt: promise.dueAt, words }, callable: ctx.plan.uncallable === null },
    effects: [...before, { type: 'recordCallback', reason, dueAt: promise.dueAt }],
  };
}

type Bridged = Extract<CallState, { kind: 'bridged' }>;

function whileBridged(ctx: CallContext, state: Bridged, event: CallEvent, now: number): Transition {
  const answered = (): Outcome => ({
    kind: 'answered',
    by: { person: state.winner.person, phone: state.winner.phone },
    ...stepOf(ctx.plan, state.winner.legId),
    ringMs: state.answeredAt - ctx.facts.startedAt,
    talkMs: now - state.answeredAt,
  });
  switch (event.type) {
    case 'connected':
      return stay({ ...state, connected: true });
    case 'callerHungUp':
      // Gone as the phone was taken, before they were put through: nobody talked to them.
      if (!state.connected) return huntOver(ctx, 'caller-hung-up', [{ type: 'hangupLeg', legId: state.winner.legId, reason: 'normal' }], false, now);
      return end(answered(), [{ type: 'hangupLeg', legId: state.winner.legId, reason: 'normal' }]);
    case 'legEnded':
      if (event.legId !== state.winner.legId) return stay(state);
      return end(answered(), [{ type: 'hangupCaller' }]);
    case 'connectFailed':
      if (event.callerGone) return huntOver(ctx, 'caller-hung-up', [{ type: 'hangupLeg', legId: state.winner.legId, reason: 'normal' }], false, now);
      return end({ kind: 'failed', error: `connecting the caller to ${state.winner.dial} failed: ${event.error}` }, [
        { type: 'hangupLeg', legId: state.winner.legId, reason: 'normal' },
        { type: 'hangupCaller' },
      ]);
    case 'legAnswered':
      return stay(state, event.legId === state.winner.legId ? [] : releaseLateLeg(event));
    case 'started':
    case 'interrupted':
    case 'legDtmf':
    case 'stepDue':
    case 'stepTimedOut':
    case 'screenTimedOut':
    case 'callbackRecorded':
    case 'callbackFailed':
    case 'promptFinished':
    case 'messageTaken':
      return stay(state);
  }
}

type Recording = Extract<CallState, { kind: 'recording' }>;

function whileRecording(ctx: CallContext, state: Recording, event: CallEvent): Transition {
  switch (event.type) {
    case 'callbackRecorded': {
      const outcome: Outcome = {
        kind: 'callback-pending',
        callbackId: event.callbackId,
        reason: state.reason,
        promise: state.callable ? state.promise.kind : 'none',
        dueAt: event.dueAt,
      };
      if (!state.callerPresent) return end(outcome);
      const language = ctx.plan.language;
      const prompt: Prompt = state.callable ? { kind: 'promise', words: state.promise.words, language } : { kind: 'cannot-call-back', language };
      return { state: { kind: 'promising', outcome }, effects: [{ type: 'play', prompt }] };
    }
    case 'callbackFailed': {
      // No promise we can't keep: the caller is asked to try again instead.
      const outcome: Outcome = { kind: 'failed', error: `recording the callback failed: ${event.error}` };
      if (!state.callerPresent) return end(outcome);
      return announce(outcome, { kind: 'sorry', language: ctx.plan.language }, []);
    }
    case 'callerHungUp':
      return stay({ ...state, callerPresent: false });
    case 'legAnswered':
      return stay(state, releaseLateLeg(event));
    case 'started':
    case 'interrupted':
    case 'stepDue':
    case 'stepTimedOut':
    case 'legDtmf':
    case 'screenTimedOut':
    case 'legEnded':
    case 'connected':
    case 'connectFailed':
    case 'promptFinished':
    case 'messageTaken':
      return stay(state);
  }
}

type Message = Extract<CallState, { kind: 'message' }>;

function whileTakingMessage(ctx: CallContext, state: Message, event: CallEvent): Transition {
  switch (event.type) {
    case 'promptFinished':
      if (state.phase !== 'prompt') return stay(state);
      return stay({ ...state, phase: 'recording' }, [{ type: 'takeMessage' }]);
    case 'callerHungUp':
      // Hanging up ends a recording too; its file is kept, so wait for the reference.
      if (state.phase === 'recording') return stay(state);
      return end({ kind: 'withheld-no-callback', reason: state.reason, message: null });
    case 'messageTaken':
      return announce(
        { kind: 'withheld-no-callback', reason: state.reason, message: event.recording },
        { kind: 'message-thanks', language: ctx.plan.language },
        [],
      );
    case 'legAnswered':
      return stay(state, releaseLateLeg(event));
    case 'started':
    case 'interrupted':
    case 'stepDue':
    case 'stepTimedOut':
    case 'legDtmf':
    case 'screenTimedOut':
    case 'legEnded':
    case 'connected':
    case 'connectFailed':
    case 'callbackRecorded':
    case 'callbackFailed':
      return stay(state);
  }
}

type LastWords = Extract<CallState, { kind: 'promising' | 'announcing' }>;

/** The caller hears a last message; the call ends when it finished or the caller hung up. */
function whilePlayingLastWords(state: LastWords, event: CallEvent): Transition {
  switch (event.type) {
    case 'promptFinished':
      return end(state.outcome, [{ type: 'hangupCaller' }]);
    case 'callerHungUp':
      return end(state.outcome);
    case 'legAnswered':
      return stay(state, releaseLateLeg(event));
    case 'started':
    case 'interrupted':
    case 'stepDue':
    case 'stepTimedOut':
    case 'legDtmf':
    case 'screenTimedOut':
    case 'legEnded':
    case 'connected':
    case 'connectFailed':
    case 'callbackRecorded':
    case 'callbackFailed':
    case 'messageTaken':
      return stay(state);
  }
}

function announce(outcome: Outcome, prompt: Prompt, before: readonly Effect[]): Transition {
  return { state: { kind: 'announcing', outcome }, effects: [...before, { type: 'play', prompt }] };
}

function findLeg(plan: HuntPlan, legId: string): PlannedLeg | undefined {
  for (const step of plan.steps) {
    const leg = step.legs.find((candidate) => candidate.legId === legId);
    if (leg) return leg;
  }
  return undefined;
}

function legsOfStep(plan: HuntPlan, index: number): string[] {
  return (plan.steps[index]?.legs ?? []).map((leg) => leg.legId);
}

function liveLegs(legs: Legs): string[] {
  return Object.entries(legs)
    .filter(([, status]) => LIVE.has(status))
    .map(([legId]) => legId);
}

function mark(legs: Legs, legIds: readonly string[], status: LegStatus): Legs {
  const next: Record<string, LegStatus> = { ...legs };
  for (const legId of legIds) next[legId] = status;
  return next;
}

/** Hangs up a live leg; one that is deciding (screening) hears "the call was taken" first. */
function hangupLive(legs: Legs, legId: string, reason: HangupReason): Effect[] {
  if (legs[legId] === 'screening') {
    return [
      { type: 'cancelTimer', key: screenTimer(legId) },
      reason === 'answered_elsewhere' ? { type: 'releaseTaken', legId } : { type: 'hangupLeg', legId, reason },
    ];
  }
  return [{ type: 'hangupLeg', legId, reason }];
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

/** The step whose leg this is; a leg is planned in exactly one step (none for a leg the plan doesn't know). */
function stepOf(plan: HuntPlan, legId: string): { step: number } | Record<string, never> {
  const step = plan.steps.findIndex((candidate) => candidate.legs.some((leg) => leg.legId === legId));
  return step < 0 ? {} : { step };
}

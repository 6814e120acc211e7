import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initialState, transition, type CallContext } from '../../src/call-flow/machine.js';
import type { CallEvent, CallState, Effect, HuntPlan } from '../../src/call-flow/types.js';

const plan: HuntPlan = {
  routeId: 'main',
  language: 'en',
  deadlineMs: 10 * 60_000,
  steps: [
    {
      timeoutMs: 20_000,
      legs: [
        { legId: 'c1-s0-0', person: 'owner', phone: 'desk', dial: 'PJSIP/owner-desk' },
        { legId: 'c1-s0-1', person: 'owner', phone: 'mobile', dial: 'PJSIP/owner-mobile' },
      ],
    },
    { timeoutMs: 15_000, legs: [{ legId: 'c1-s1-0', person: 'colleague', phone: 'mobile', dial: 'PJSIP/colleague' }] },
  ],
};

const withNumber: CallContext = { plan, facts: { callId: 'c1', caller: '4520111111', callerName: 'Kunde', called: '4530123456', startedAt: 1_000 } };
const withheld: CallContext = { plan, facts: { ...withNumber.facts, caller: null } };

/** Runs events from the initial state; returns the final state and every effect in order. */
function run(ctx: CallContext, events: ReadonlyArray<readonly [CallEvent, number]>): { state: CallState; effects: Effect[] } {
  let state = initialState(1_000);
  const effects: Effect[] = [];
  for (const [event, now] of events) {
    const next = transition(ctx, state, event, now);
    state = next.state;
    effects.push(...next.effects);
  }
  return { state, effects };
}

const types = (effects: readonly Effect[]) => effects.map((e) => e.type);

test('started rings the caller and every phone of the first step at once, with the step timer', () => {
  const { state, effects } = run(withNumber, [[{ type: 'started' }, 1_000]]);
  assert.equal(state.kind, 'hunting');
  assert.deepEqual(types(effects), ['indicateRinging', 'originate', 'originate', 'startStepTimer']);
  assert.deepEqual(effects[3], { type: 'startStepTimer', step: 0, ms: 20_000 });
});

test('the first phone to answer wins: the others are hung up as answered elsewhere and the caller is connected', () => {
  const { state, effects } = run(withNumber, [
    [{ type: 'started' }, 1_000],
    [{ type: 'legAnswered', legId: 'c1-s0-1' }, 4_000],
  ]);
  assert.equal(state.kind, 'bridged');
  assert.deepEqual(effects.slice(4), [
    { type: 'cancelStepTimer' },
    { type: 'hangupLeg', legId: 'c1-s0-0', reason: 'answered_elsewhere' },
    { type: 'connect', leg: plan.steps[0]!.legs[1] },
  ]);
});

test('a second phone answering after the winner is released', () => {
  const { effects } = run(withNumber, [
    [{ type: 'started' }, 1_000],
    [{ type: 'legAnswered', legId: 'c1-s0-0' }, 2_000],
    [{ type: 'legAnswered', legId: 'c1-s0-1' }, 2_010],
  ]);
  assert.deepEqual(effects.at(-1), { type: 'hangupLeg', legId: 'c1-s0-1', reason: 'normal' });
});

test('when every phone of a step failed, the next step starts at once without waiting for the timeout', () => {
  const { state, effects } = run(withNumber, [
    [{ type: 'started' }, 1_000],
    [{ type: 'legEnded', legId: 'c1-s0-0', cause: 17 }, 1_200],
    [{ type: 'legEnded', legId: 'c1-s0-1', cause: 21 }, 1_300],
  ]);
  assert.ok(state.kind === 'hunting' && state.step === 1);
  assert.deepEqual(types(effects.slice(4)), ['cancelStepTimer', 'originate', 'startStepTimer']);
});

test('one failed phone does not end the step while another still rings', () => {
  const { state } = run(withNumber, [
    [{ type: 'started' }, 1_000],
    [{ type: 'legEnded', legId: 'c1-s0-0', cause: 17 }, 1_200],
  ]);
  assert.ok(state.kind === 'hunting' && state.step === 0);
});

test('a step timeout hangs up its ringing phones and rings the next step', () => {
  const { state, effects } = run(withNumber, [
    [{ type: 'started' }, 1_000],
    [{ type: 'stepTimedOut', step: 0 }, 21_000],
  ]);
  assert.ok(state.kind === 'hunting' && state.step === 1);
  assert.deepEqual(effects.slice(4, 6), [
    { type: 'hangupLeg', legId: 'c1-s0-0', reason: 'normal' },
    { type: 'hangupLeg', legId: 'c1-s0-1', reason: 'normal' },
  ]);
});

test('a stale timer of an earlier step changes nothing', () => {
  const events: Array<readonly [CallEvent, number]> = [
    [{ type: 'started' }, 1_000],
    [{ type: 'stepTimedOut', step: 0 }, 21_000],
  ];
  const before = run(withNumber, events);
  const after = run(withNumber, [...events, [{ type: 'stepTimedOut', step: 0 }, 21_001]]);
  assert.deepEqual(after.state, before.state);
  assert.equal(after.effects.length, before.effects.length);
});

test('nobody answers: the callback is recorded before the promise is played, then the caller is hung up', () => {
  const { state, effects } = run(withNumber, [
    [{ type: 'started' }, 1_000],
    [{ type: 'stepTimedOut', step: 0 }, 21_000],
    [{ type: 'stepTimedOut', step: 1 }, 36_000],
  ]);
  assert.deepEqual(state, { kind: 'recording', reason: 'no-answer', callerPresent: true });
  assert.equal(effects.at(-1)?.type, 'recordCallback');
  assert.ok(!effects.some((e) => e.type === 'play'), 'no promise before the callback is stored');

  const recorded = transition(withNumber, state, { type: 'callbackRecorded', callbackId: 'cb-1', dueAt: 636_000, attempts: 1 }, 36_010);
  assert.deepEqual(recorded.effects, [{ type: 'play', prompt: { kind: 'promise', minutes: 10, language: 'en' } }]);
  const finished = transition(withNumber, recorded.state, { type: 'promptFinished' }, 45_000);
  const outcome = { kind: 'callback-pending', callbackId: 'cb-1', reason: 'no-answer' } as const;
  assert.deepEqual(finished.state, { kind: 'ended', outcome });
  assert.deepEqual(finished.effects, [{ type: 'hangupCaller' }, { type: 'finish', outcome }]);
});

test('a caller who hangs up mid-hunt cancels every ringing phone and still gets a callback, without a promise', () => {
  const { state, effects } = run(withNumber, [
    [{ type: 'started' }, 1_000],
    [{ type: 'callerHungUp' }, 5_000],
    [{ type: 'callbackRecorded', callbackId: 'cb-2', dueAt: 605_000, attempts: 1 }, 5_010],
  ]);
  assert.deepEqual(types(effects.slice(4)), ['cancelStepTimer', 'hangupLeg', 'hangupLeg', 'recordCallback', 'finish']);
  assert.deepEqual(state, { kind: 'ended', outcome: { kind: 'callback-pending', callbackId: 'cb-2', reason: 'caller-hung-up' } });
});

test('a caller who hangs up while the callback is being written hears no promise', () => {
  const { state, effects } = run(withNumber, [
    [{ type: 'started' }, 1_000],
    [{ type: 'stepTimedOut', step: 0 }, 21_000],
    [{ type: 'stepTimedOut', step: 1 }, 36_000],
    [{ type: 'callerHungUp' }, 36_001],
    [{ type: 'callbackRecorded', callbackId: 'cb-3', dueAt: 636_000, attempts: 1 }, 36_010],
  ]);
  assert.equal(state.kind, 'ended');
  assert.ok(!effects.some((e) => e.type === 'play'));
});

test('if the callback cannot be stored, the caller is asked to try again instead of hearing a promise', () => {
  const { state, effects } = run(withNumber, [
    [{ type: 'started' }, 1_000],
    [{ type: 'stepTimedOut', step: 0 }, 21_000],
    [{ type: 'stepTimedOut', step: 1 }, 36_000],
    [{ type: 'callbackFailed', error: 'Redis down' }, 36_010],
  ]);
  assert.deepEqual(effects.at(-1), { type: 'play', prompt: { kind: 'sorry', language: 'en' } });
  assert.equal(state.kind, 'withheld');
});

test('a withheld caller gets no callback: they hear why, and the call is logged', () => {
  const { state, effects } = run(withheld, [
    [{ type: 'started' }, 1_000],
    [{ type: 'stepTimedOut', step: 0 }, 21_000],
    [{ type: 'stepTimedOut', step: 1 }, 36_000],
    [{ type: 'promptFinished' }, 44_000],
  ]);
  assert.ok(!effects.some((e) => e.type === 'recordCallback'));
  assert.ok(effects.some((e) => e.type === 'play' && e.prompt.kind === 'withheld'));
  assert.deepEqual(state, { kind: 'ended', outcome: { kind: 'withheld-no-callback', reason: 'no-answer' } });
});

test('a withheld caller who hangs up mid-hunt ends with a logged outcome and no callback', () => {
  const { state } = run(withheld, [
    [{ type: 'started' }, 1_000],
    [{ type: 'callerHungUp' }, 3_000],
  ]);
  assert.deepEqual(state, { kind: 'ended', outcome: { kind: 'withheld-no-callback', reason: 'caller-hung-up' } });
});

test('an answered call ends when either side hangs up, with who answered, ring time and talk time', () => {
  const { state, effects } = run(withNumber, [
    [{ type: 'started' }, 1_000],
    [{ type: 'legAnswered', legId: 'c1-s0-0' }, 4_000],
    [{ type: 'legEnded', legId: 'c1-s0-0', cause: 16 }, 64_000],
  ]);
  const outcome = { kind: 'answered', by: { person: 'owner', phone: 'desk' }, ringMs: 3_000, talkMs: 60_000 } as const;
  assert.deepEqual(state, { kind: 'ended', outcome });
  assert.deepEqual(effects.slice(-2), [{ type: 'hangupCaller' }, { type: 'finish', outcome }]);
});

test('every call finishes exactly once, whatever arrives after the end', () => {
  const { effects } = run(withNumber, [
    [{ type: 'started' }, 1_000],
    [{ type: 'legAnswered', legId: 'c1-s0-0' }, 4_000],
    [{ type: 'callerHungUp' }, 10_000],
    [{ type: 'callerHungUp' }, 10_001],
    [{ type: 'legEnded', legId: 'c1-s0-0', cause: 16 }, 10_002],
  ]);
  assert.equal(effects.filter((e) => e.type === 'finish').length, 1);
});

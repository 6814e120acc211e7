import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initialState, transition, type CallContext } from '../../src/call-flow/machine.js';
import type { CallEvent, CallState, Effect, HuntPlan, PlannedLeg } from '../../src/call-flow/types.js';

function leg(legId: string, person: string, phone: string, extra: Partial<PlannedLeg> = {}): PlannedLeg {
  return { legId, person, phone, dial: `PJSIP/${person}-${phone}`, ringMs: 20_000, screen: false, callerId: '"Kunde" <4520111111>', skipWhenBusy: true, ...extra };
}

const plan: HuntPlan = {
  routeId: 'main',
  language: 'en',
  treatment: 'hunt',
  screenTimeoutMs: 10_000,
  promise: { hours: null, timezone: 'Europe/Copenhagen', deadlineMs: 10 * 60_000, afterOpeningMs: 30 * 60_000, onDuty: false, closedByOwnerUntil: null },
  uncallable: null,
  steps: [
    { timeoutMs: 20_000, delayMs: null, legs: [leg('c1-s0-0', 'owner', 'desk'), leg('c1-s0-1', 'owner', 'mobile')] },
    { timeoutMs: 15_000, delayMs: null, legs: [leg('c1-s1-0', 'colleague', 'mobile', { ringMs: 15_000 })] },
  ],
};

const facts = { callId: 'c1', caller: '+4520111111', callerName: 'Kunde', called: '4530123456', startedAt: 1_000 };
const withNumber: CallContext = { plan, facts };
const withheld: CallContext = { plan, facts: { ...facts, caller: null } };

/** Runs events from the initial state; returns the final state and every effect in order. */
function run(ctx: CallContext, events: ReadonlyArray<readonly [CallEvent, number]>): { state: CallState; effects: Effect[] } {
  let state = initialState(ctx.plan);
  const effects: Effect[] = [];
  for (const [event, now] of events) {
    const next = transition(ctx, state, event, now);
    state = next.state;
    effects.push(...next.effects);
  }
  return { state, effects };
}

const types = (effects: readonly Effect[]) => effects.map((e) => e.type);
const started: [CallEvent, number] = [{ type: 'started' }, 1_000];
const timedOut = (step: number, at: number): [CallEvent, number] => [{ type: 'stepTimedOut', step }, at];

test('started rings every phone of the first step at once, with the step timer, then the caller (INVITEs first)', () => {
  const { state, effects } = run(withNumber, [started]);
  assert.equal(state.kind, 'hunting');
  assert.deepEqual(types(effects), ['originate', 'originate', 'startTimer', 'indicateRinging']);
  assert.deepEqual(effects[2], { type: 'startTimer', key: 'step-end:0', ms: 20_000, event: { type: 'stepTimedOut', step: 0 } });
});

test('the first phone to answer wins: the caller is connected first, then the others are hung up as answered elsewhere', () => {
  const { state, effects } = run(withNumber, [started, [{ type: 'legAnswered', legId: 'c1-s0-1' }, 4_000]]);
  assert.equal(state.kind, 'bridged');
  const after = effects.slice(4).filter((e) => e.type !== 'cancelTimer');
  assert.deepEqual(after, [
    { type: 'connect', leg: plan.steps[0]!.legs[1] },
    { type: 'hangupLeg', legId: 'c1-s0-0', reason: 'answered_elsewhere' },
  ]);
  assert.ok(effects.some((e) => e.type === 'cancelTimer' && e.key === 'step-end:0'));
});

test('a second phone answering after the winner is released', () => {
  const { effects } = run(withNumber, [started, [{ type: 'legAnswered', legId: 'c1-s0-0' }, 2_000], [{ type: 'legAnswered', legId: 'c1-s0-1' }, 2_010]]);
  assert.deepEqual(effects.at(-1), { type: 'hangupLeg', legId: 'c1-s0-1', reason: 'normal' });
});

test('when every phone of a step failed, the next step starts at once without waiting for the timeout', () => {
  const { state, effects } = run(withNumber, [
    started,
    [{ type: 'legEnded', legId: 'c1-s0-0', cause: 17 }, 1_200],
    [{ type: 'legEnded', legId: 'c1-s0-1', cause: 21 }, 1_300],
  ]);
  assert.ok(state.kind === 'hunting' && state.started[1] === true);
  assert.deepEqual(types(effects.slice(4)), ['originate', 'startTimer']);
});

test('one failed phone does not end the step while another still rings', () => {
  const { state } = run(withNumber, [started, [{ type: 'legEnded', legId: 'c1-s0-0', cause: 17 }, 1_200]]);
  assert.ok(state.kind === 'hunting' && state.started[1] === false);
});

test('a step timeout hangs up its ringing phones and rings the next step', () => {
  const { state, effects } = run(withNumber, [started, timedOut(0, 21_000)]);
  assert.ok(state.kind === 'hunting' && state.started[1] === true);
  assert.deepEqual(effects.slice(4, 6), [
    { type: 'hangupLeg', legId: 'c1-s0-0', reason: 'normal' },
    { type: 'hangupLeg', legId: 'c1-s0-1', reason: 'normal' },
  ]);
});

test('a stale timer of an earlier step changes nothing', () => {
  const before = run(withNumber, [started, timedOut(0, 21_000)]);
  const after = run(withNumber, [started, timedOut(0, 21_000), timedOut(0, 21_001)]);
  assert.deepEqual(after.state, before.state);
  assert.equal(after.effects.length, before.effects.length);
});

test('a delayed step starts while the first still rings; both keep ringing until their own timeouts', () => {
  const overlapping: CallContext = {
    facts,
    plan: { ...plan, steps: [plan.steps[0]!, { ...plan.steps[1]!, delayMs: 8_000 }] },
  };
  const first = run(overlapping, [started]);
  assert.deepEqual(first.effects.find((e) => e.type === 'startTimer' && e.key === 'step-start:1'), {
    type: 'startTimer',
    key: 'step-start:1',
    ms: 8_000,
    event: { type: 'stepDue', step: 1 },
  });
  const { state, effects } = run(overlapping, [started, [{ type: 'stepDue', step: 1 }, 9_000]]);
  assert.ok(state.kind === 'hunting');
  assert.deepEqual(state.legs, { 'c1-s0-0': 'ringing', 'c1-s0-1': 'ringing', 'c1-s1-0': 'ringing' });
  assert.ok(effects.some((e) => e.type === 'originate' && e.leg.legId === 'c1-s1-0'));
  // The first step's timeout ends only its own phones.
  const later = run(overlapping, [started, [{ type: 'stepDue', step: 1 }, 9_000], timedOut(0, 21_000)]);
  assert.ok(later.state.kind === 'hunting');
  assert.equal(later.state.legs['c1-s1-0'], 'ringing');
});

test('a delayed step starts at once when nothing rings any more (a busy first step)', () => {
  const overlapping: CallContext = { facts, plan: { ...plan, steps: [plan.steps[0]!, { ...plan.steps[1]!, delayMs: 8_000 }] } };
  const { state, effects } = run(overlapping, [
    started,
    [{ type: 'legEnded', legId: 'c1-s0-0', cause: 17 }, 1_100],
    [{ type: 'legEnded', legId: 'c1-s0-1', cause: 17 }, 1_200],
  ]);
  assert.ok(state.kind === 'hunting' && state.started[1] === true);
  assert.ok(effects.some((e) => e.type === 'cancelTimer' && e.key === 'step-start:1'));
});

const screened: CallContext = {
  facts,
  plan: { ...plan, steps: [{ ...plan.steps[0]!, legs: [leg('c1-s0-0', 'owner', 'desk'), leg('c1-s0-1', 'owner', 'mobile', { screen: true })] }, plan.steps[1]!] },
};

test('screening: an answering mobile hears who calls and must press 1; the caller keeps ringing meanwhile', () => {
  const { state, effects } = run(screened, [started, [{ type: 'legAnswered', legId: 'c1-s0-1' }, 3_000]]);
  assert.ok(state.kind === 'hunting' && state.legs['c1-s0-1'] === 'screening');
  assert.deepEqual(types(effects.slice(4)), ['screen', 'startTimer']);
  assert.ok(!effects.some((e) => e.type === 'connect'));
});

test('screening: 1 bridges the call and cancels the other phones', () => {
  const { state, effects } = run(screened, [started, [{ type: 'legAnswered', legId: 'c1-s0-1' }, 3_000], [{ type: 'legDtmf', legId: 'c1-s0-1', digit: '1' }, 5_000]]);
  assert.equal(state.kind, 'bridged');
  assert.ok(effects.some((e) => e.type === 'hangupLeg' && e.legId === 'c1-s0-0' && e.reason === 'answered_elsewhere'));
  const connect = effects.findIndex((e) => e.type === 'connect');
  assert.deepEqual(effects[connect], { type: 'connect', leg: screened.plan.steps[0]!.legs[1] });
  assert.ok(connect < effects.findIndex((e) => e.type === 'hangupLeg'), 'the caller is connected before the other phones are released');
});

test('screening: silence (a voicemail greeting) or another key drops that leg and the hunt goes on', () => {
  for (const decline of [{ type: 'screenTimedOut', legId: 'c1-s0-1' }, { type: 'legDtmf', legId: 'c1-s0-1', digit: '2' }] as const) {
    const { state, effects } = run(screened, [started, [{ type: 'legAnswered', legId: 'c1-s0-1' }, 3_000], [decline, 13_000]]);
    assert.ok(state.kind === 'hunting' && state.legs['c1-s0-1'] === 'failed', decline.type);
    assert.equal(state.legs['c1-s0-0'], 'ringing');
    assert.ok(effects.some((e) => e.type === 'hangupLeg' && e.legId === 'c1-s0-1' && e.reason === 'normal'));
  }
});

test('screening: when another phone wins meanwhile, the deciding one hears "the call was taken"', () => {
  const { state, effects } = run(screened, [started, [{ type: 'legAnswered', legId: 'c1-s0-1' }, 3_000], [{ type: 'legAnswered', legId: 'c1-s0-0' }, 4_000]]);
  assert.equal(state.kind, 'bridged');
  assert.ok(effects.some((e) => e.type === 'releaseTaken' && e.legId === 'c1-s0-1'));
  assert.ok(!effects.some((e) => e.type === 'hangupLeg' && e.legId === 'c1-s0-1'));
});

const tenMinutes = { kind: 'within', within: { hours: 0, minutes: 10 } } as const;

test('nobody answers: the callback is recorded before the promise is played, then the caller is hung up', () => {
  const { state, effects } = run(withNumber, [started, timedOut(0, 21_000), timedOut(1, 36_000)]);
  assert.deepEqual(state, { kind: 'recording', reason: 'no-answer', callerPresent: true, promise: { kind: 'within', dueAt: 636_000, words: tenMinutes }, callable: true });
  assert.deepEqual(effects.at(-1), { type: 'recordCallback', reason: 'no-answer', dueAt: 636_000 });
  assert.ok(!effects.some((e) => e.type === 'play'), 'no promise before the callback is stored');

  const recorded = transition(withNumber, state, { type: 'callbackRecorded', callbackId: 'cb-1', dueAt: 636_000, attempts: 1 }, 36_010);
  assert.deepEqual(recorded.effects, [{ type: 'play', prompt: { kind: 'promise', words: tenMinutes, language: 'en' } }]);
  const finished = transition(withNumber, recorded.state, { type: 'promptFinished' }, 45_000);
  const outcome = { kind: 'callback-pending', callbackId: 'cb-1', reason: 'no-answer', promise: 'within', dueAt: 636_000 } as const;
  assert.deepEqual(finished.state, { kind: 'ended', outcome });
  assert.deepEqual(finished.effects, [{ type: 'hangupCaller' }, { type: 'finish', outcome }]);
});

test('closed by the owner for two hours: no hunt, and the promise says "when we open", due after it', () => {
  const until = 1_000 + 2 * 3_600_000;
  const closed: CallContext = { facts, plan: { ...plan, steps: [], promise: { ...plan.promise, closedByOwnerUntil: until } } };
  const { state, effects } = run(closed, [started]);
  assert.deepEqual(types(effects), ['indicateRinging', 'recordCallback']);
  assert.ok(state.kind === 'recording' && state.promise.kind === 'when-open');
  assert.equal(state.promise.dueAt, until + 30 * 60_000);
  const recorded = transition(closed, state, { type: 'callbackRecorded', callbackId: 'cb-9', dueAt: until + 30 * 60_000, attempts: 1 }, 1_100);
  // 1970-01-01 02:30 in Copenhagen, closed now: "we are closed; we'll call you back this morning".
  const words = { kind: 'when-open', closedNow: true, due: { kind: 'day', day: 'today', part: 'morning' } } as const;
  assert.deepEqual(recorded.effects, [{ type: 'play', prompt: { kind: 'promise', words, language: 'en' } }]);
});

test('a number we don\'t call back (112, premium rate, another country): the missed call is recorded, the caller is promised nothing', () => {
  const uncallable: CallContext = { facts, plan: { ...plan, steps: [], uncallable: '"112" is not a phone number that can be called' } };
  const { state, effects } = run(uncallable, [started]);
  assert.deepEqual(types(effects), ['indicateRinging', 'recordCallback']);
  assert.ok(state.kind === 'recording' && !state.callable);
  const recorded = transition(uncallable, state, { type: 'callbackRecorded', callbackId: 'cb-7', dueAt: 601_000, attempts: 1 }, 1_100);
  assert.deepEqual(recorded.effects, [{ type: 'play', prompt: { kind: 'cannot-call-back', language: 'en' } }]);
  const finished = transition(uncallable, recorded.state, { type: 'promptFinished' }, 9_000);
  assert.deepEqual(finished.state, { kind: 'ended', outcome: { kind: 'callback-pending', callbackId: 'cb-7', reason: 'no-answer', promise: 'none', dueAt: 601_000 } });
});

test('a blocked caller hears a polite message, nothing rings, no callback, and the call is logged as blocked', () => {
  const blocked: CallContext = { facts, plan: { ...plan, treatment: 'blocked', steps: [] } };
  const { state, effects } = run(blocked, [started, [{ type: 'promptFinished' }, 5_000]]);
  assert.deepEqual(types(effects), ['play', 'hangupCaller', 'finish']);
  assert.deepEqual(state, { kind: 'ended', outcome: { kind: 'blocked' } });
});

test('a caller who hangs up mid-hunt cancels every ringing phone and still gets a callback, without a promise', () => {
  const { state, effects } = run(withNumber, [started, [{ type: 'callerHungUp' }, 5_000], [{ type: 'callbackRecorded', callbackId: 'cb-2', dueAt: 605_000, attempts: 1 }, 5_010]]);
  assert.deepEqual(
    effects.slice(4).filter((e) => e.type !== 'cancelTimer').map((e) => e.type),
    ['hangupLeg', 'hangupLeg', 'recordCallback', 'finish'],
  );
  assert.deepEqual(state, { kind: 'ended', outcome: { kind: 'callback-pending', callbackId: 'cb-2', reason: 'caller-hung-up', promise: 'within', dueAt: 605_000 } });
});

test('a caller who hangs up while the callback is being written hears no promise', () => {
  const { state, effects } = run(withNumber, [
    started,
    timedOut(0, 21_000),
    timedOut(1, 36_000),
    [{ type: 'callerHungUp' }, 36_001],
    [{ type: 'callbackRecorded', callbackId: 'cb-3', dueAt: 636_000, attempts: 1 }, 36_010],
  ]);
  assert.equal(state.kind, 'ended');
  assert.ok(!effects.some((e) => e.type === 'play'));
});

test('if the callback cannot be stored, the caller is asked to try again instead of hearing a promise', () => {
  const { state, effects } = run(withNumber, [started, timedOut(0, 21_000), timedOut(1, 36_000), [{ type: 'callbackFailed', error: 'Redis down' }, 36_010]]);
  assert.deepEqual(effects.at(-1), { type: 'play', prompt: { kind: 'sorry', language: 'en' } });
  assert.equal(state.kind, 'announcing');
});

test('a withheld caller gets no callback: told why, then may leave a message, which is kept', () => {
  const { state, effects } = run(withheld, [
    started,
    timedOut(0, 21_000),
    timedOut(1, 36_000),
    [{ type: 'promptFinished' }, 44_000],
    [{ type: 'messageTaken', recording: 'nevermiss-c1' }, 60_000],
    [{ type: 'promptFinished' }, 63_000],
  ]);
  assert.ok(!effects.some((e) => e.type === 'recordCallback'));
  assert.deepEqual(
    effects.filter((e) => e.type === 'play' || e.type === 'takeMessage'),
    [
      { type: 'play', prompt: { kind: 'withheld', language: 'en' } },
      { type: 'takeMessage' },
      { type: 'play', prompt: { kind: 'message-thanks', language: 'en' } },
    ],
  );
  assert.deepEqual(state, { kind: 'ended', outcome: { kind: 'withheld-no-callback', reason: 'no-answer', message: 'nevermiss-c1' } });
});

test('a withheld caller who hangs up while recording still has the message kept', () => {
  const { state } = run(withheld, [
    started,
    timedOut(0, 21_000),
    timedOut(1, 36_000),
    [{ type: 'promptFinished' }, 44_000],
    [{ type: 'callerHungUp' }, 50_000],
    [{ type: 'messageTaken', recording: 'nevermiss-c1' }, 50_100],
    [{ type: 'callerHungUp' }, 50_200],
  ]);
  assert.deepEqual(state, { kind: 'ended', outcome: { kind: 'withheld-no-callback', reason: 'no-answer', message: 'nevermiss-c1' } });
});

test('a withheld caller who hangs up mid-hunt ends with a logged outcome and no callback', () => {
  const { state } = run(withheld, [started, [{ type: 'callerHungUp' }, 3_000]]);
  assert.deepEqual(state, { kind: 'ended', outcome: { kind: 'withheld-no-callback', reason: 'caller-hung-up', message: null } });
});

test('an answered call ends when either side hangs up, with who answered, in which hunt step, ring time and talk time', () => {
  const { state, effects } = run(withNumber, [started, [{ type: 'legAnswered', legId: 'c1-s0-0' }, 4_000], [{ type: 'legEnded', legId: 'c1-s0-0', cause: 16 }, 64_000]]);
  const outcome = { kind: 'answered', by: { person: 'owner', phone: 'desk' }, step: 0, ringMs: 3_000, talkMs: 60_000 } as const;
  assert.deepEqual(state, { kind: 'ended', outcome });
  assert.deepEqual(effects.slice(-2), [{ type: 'hangupCaller' }, { type: 'finish', outcome }]);
});

test('a caller who hangs up as a phone is taken, before being put through, is a missed call with a callback', () => {
  for (const left of [{ type: 'callerHungUp' }, { type: 'connectFailed', error: 'Channel not in Stasis application', callerGone: true }] as const) {
    const { state, effects } = run(withNumber, [started, [{ type: 'legAnswered', legId: 'c1-s0-0' }, 4_000], [left, 4_050]]);
    assert.equal(state.kind, 'recording', left.type);
    assert.ok(state.kind === 'recording' && !state.callerPresent && state.reason === 'caller-hung-up');
    assert.ok(effects.some((e) => e.type === 'hangupLeg' && e.legId === 'c1-s0-0'), 'the phone that took it is let go');
    assert.ok(effects.some((e) => e.type === 'recordCallback'));
  }
  // Bridging that fails with the caller still there is a failure, as before.
  const { state } = run(withNumber, [started, [{ type: 'legAnswered', legId: 'c1-s0-0' }, 4_000], [{ type: 'connectFailed', error: 'boom', callerGone: false }, 4_050]]);
  assert.ok(state.kind === 'ended' && state.outcome.kind === 'failed', JSON.stringify(state));
});

test('a phone of the second hunt step that answers is recorded as step 1', () => {
  const { state } = run(withNumber, [started, timedOut(0, 21_000), [{ type: 'legAnswered', legId: 'c1-s1-0' }, 25_000], [{ type: 'connected' }, 25_100], [{ type: 'callerHungUp' }, 30_000]]);
  assert.deepEqual(state, { kind: 'ended', outcome: { kind: 'answered', by: { person: 'colleague', phone: 'mobile' }, step: 1, ringMs: 24_000, talkMs: 5_000 } });
});

test('every call finishes exactly once, whatever arrives after the end', () => {
  const { effects } = run(withNumber, [
    started,
    [{ type: 'legAnswered', legId: 'c1-s0-0' }, 4_000],
    [{ type: 'connected' }, 4_100],
    [{ type: 'callerHungUp' }, 10_000],
    [{ type: 'callerHungUp' }, 10_001],
    [{ type: 'legEnded', legId: 'c1-s0-0', cause: 16 }, 10_002],
  ]);
  assert.equal(effects.filter((e) => e.type === 'finish').length, 1);
});

test('a caller found again after a restart (interrupted): live legs released, the callback recorded before the caller hears the promise', () => {
  const { state, effects } = run(withNumber, [started, [{ type: 'interrupted' }, 5_000]]);
  assert.equal(state.kind, 'recording');
  assert.ok(state.kind === 'recording' && state.callerPresent && state.reason === 'interrupted');
  const after = effects.slice(4).filter((e) => e.type !== 'cancelTimer');
  assert.deepEqual(after, [
    { type: 'hangupLeg', legId: 'c1-s0-0', reason: 'normal' },
    { type: 'hangupLeg', legId: 'c1-s0-1', reason: 'normal' },
    { type: 'recordCallback', reason: 'interrupted', dueAt: 5_000 + 10 * 60_000 },
  ]);
  const recorded = transition(withNumber, state, { type: 'callbackRecorded', callbackId: 'cb-1', dueAt: 605_000, attempts: 1 }, 5_100);
  assert.equal(recorded.state.kind, 'promising');
  assert.deepEqual(recorded.effects, [{ type: 'play', prompt: { kind: 'promise', words: tenMinutes, language: 'en' } }]);
});

test('an interrupted withheld caller is told why there is no callback and may leave a message', () => {
  const { state, effects } = run(withheld, [started, [{ type: 'interrupted' }, 5_000]]);
  assert.equal(state.kind, 'message');
  assert.deepEqual(effects.at(-1), { type: 'play', prompt: { kind: 'withheld', language: 'en' } });
});

test('interrupted means nothing once the hunt is decided', () => {
  const bridged = run(withNumber, [started, [{ type: 'legAnswered', legId: 'c1-s0-0' }, 2_000]]).state;
  assert.deepEqual(transition(withNumber, bridged, { type: 'interrupted' }, 3_000), { state: bridged, effects: [] });
});

test('a screened leg reported answered twice (its event, and a reconciliation) keeps screening', () => {
  const screened: HuntPlan = { ...plan, steps: [{ ...plan.steps[0]!, legs: [leg('c1-s0-0', 'owner', 'mobile', { screen: true })] }] };
  const ctx: CallContext = { plan: screened, facts };
  const { state } = run(ctx, [started, [{ type: 'legAnswered', legId: 'c1-s0-0' }, 2_000]]);
  assert.ok(state.kind === 'hunting' && state.legs['c1-s0-0'] === 'screening');
  assert.deepEqual(transition(ctx, state, { type: 'legAnswered', legId: 'c1-s0-0' }, 2_100), { state, effects: [] });
});

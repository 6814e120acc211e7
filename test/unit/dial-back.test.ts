import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dialBackTransition, initialDialBackState, type DialBackEffect, type DialBackEvent, type DialBackPlan, type DialBackState } from '../../src/dial-back/machine.js';

const plan: DialBackPlan = {
  sessionId: 'db1',
  callbackId: 'cb-1',
  person: 'owner',
  ownerLegs: [
    { legId: 'db1-o0', dial: 'PJSIP/owner-desk' },
    { legId: 'db1-o1', dial: 'PJSIP/owner-mobile' },
  ],
  ownerRingMs: 30_000,
  confirmMs: 15_000,
  customer: { legId: 'db1-c', number: '+4520111111', dial: 'PJSIP/trunk/sip:+4520111111@provider', callerId: '"Hansen VVS" <+4530123456>' },
  customerRingMs: 30_000,
  minTalkMs: 20_000,
  language: 'en',
  calledAt: 0,
};

function run(events: ReadonlyArray<readonly [DialBackEvent, number]>): { state: DialBackState; effects: DialBackEffect[] } {
  let state = initialDialBackState(plan);
  const effects: DialBackEffect[] = [];
  for (const [event, now] of events) {
    const next = dialBackTransition(plan, state, event, now);
    state = next.state;
    effects.push(...next.effects);
  }
  return { state, effects };
}

const toCustomer: Array<readonly [DialBackEvent, number]> = [
  [{ type: 'started' }, 0],
  [{ type: 'ownerAnswered', legId: 'db1-o1' }, 3_000],
  [{ type: 'dtmf', legId: 'db1-o1', digit: '1' }, 8_000],
];

test("the person's phones ring at once; the one who answers hears the whisper, the others stop", () => {
  const { state, effects } = run(toCustomer.slice(0, 2));
  assert.deepEqual(state, { kind: 'confirming', owner: 'db1-o1' });
  assert.deepEqual(
    effects.map((e) => e.type),
    ['originateOwner', 'originateOwner', 'startTimer', 'cancelTimer', 'hangup', 'whisper', 'startTimer'],
  );
  assert.ok(effects.some((e) => e.type === 'hangup' && e.channelId === 'db1-o0' && e.reason === 'answered_elsewhere'));
});

test('only a 1 dials the customer, with ringback for the person', () => {
  const { state, effects } = run(toCustomer);
  assert.deepEqual(state, { kind: 'dialing-customer', owner: 'db1-o1' });
  assert.deepEqual(effects.slice(-2), [{ type: 'ringback', legId: 'db1-o1' }, { type: 'originateCustomer', owner: 'db1-o1' }]);
  const declined = run([...toCustomer.slice(0, 2), [{ type: 'dtmf', legId: 'db1-o1', digit: '2' }, 8_000]]);
  assert.ok(declined.state.kind === 'ended' && declined.state.result === 'aborted');
});

test('the customer talks 25 s: reached', () => {
  const { state } = run([...toCustomer, [{ type: 'customerAnswered' }, 12_000], [{ type: 'customerEnded', cause: 16 }, 37_000]]);
  assert.deepEqual(state, { kind: 'ended', result: 'reached', talkMs: 25_000, detail: 'talked 25 s' });
});

test("the customer's voicemail answers for 5 s: an attempt, not reached", () => {
  const { state, effects } = run([...toCustomer, [{ type: 'customerAnswered' }, 12_000], [{ type: 'customerEnded', cause: 16 }, 17_000]]);
  assert.ok(state.kind === 'ended' && state.result === 'not-reached' && state.talkMs === 5_000);
  assert.ok(effects.some((e) => e.type === 'hangup' && e.channelId === 'db1-o1'));
});

test('the customer does not answer: not reached; the person nobody-answers or never presses 1: aborted', () => {
  const noAnswer = run([...toCustomer, [{ type: 'customerEnded', cause: 19 }, 42_000]]);
  assert.ok(noAnswer.state.kind === 'ended' && noAnswer.state.result === 'not-reached');
  const ownerAway = run([[{ type: 'started' }, 0], [{ type: 'ownerTimedOut' }, 30_000]]);
  assert.ok(ownerAway.state.kind === 'ended' && ownerAway.state.result === 'aborted');
  const silent = run([...toCustomer.slice(0, 2), [{ type: 'confirmTimedOut' }, 18_000]]);
  assert.ok(silent.state.kind === 'ended' && silent.state.result === 'aborted');
});

test('finish comes exactly once', () => {
  const { effects } = run([...toCustomer, [{ type: 'customerAnswered' }, 12_000], [{ type: 'customerEnded', cause: 16 }, 37_000], [{ type: 'ownerEnded', legId: 'db1-o1' }, 37_001]]);
  assert.equal(effects.filter((e) => e.type === 'finish').length, 1);
});

test('no phone could be rung (ARI unreachable): not-started, with the first reason; a dial-back that rang one phone is an abort', () => {
  const failed = run([
    [{ type: 'started' }, 0],
    [{ type: 'ownerFailed', legId: 'db1-o0', error: 'NM_ARI_UNREACHABLE: not connected' }, 1],
    [{ type: 'ownerFailed', legId: 'db1-o1', error: 'NM_ARI_UNREACHABLE: not connected' }, 2],
  ]);
  assert.deepEqual(failed.state, { kind: 'ended', result: 'not-started', talkMs: 0, detail: "could not ring owner's phones: NM_ARI_UNREACHABLE: not connected" });
  assert.deepEqual(failed.effects.slice(-2).map((e) => e.type), ['cancelTimer', 'finish']);

  const oneRang = run([
    [{ type: 'started' }, 0],
    [{ type: 'ownerFailed', legId: 'db1-o0', error: 'NM_ARI_REQUEST: no such endpoint' }, 1],
    [{ type: 'ownerEnded', legId: 'db1-o1' }, 20_000],
  ]);
  assert.ok(oneRang.state.kind === 'ended' && oneRang.state.result === 'aborted');

  const oneLeft = run([[{ type: 'started' }, 0], [{ type: 'ownerFailed', legId: 'db1-o0', error: 'x' }, 1]]);
  assert.deepEqual(oneLeft.state, { kind: 'ringing-owner', live: ['db1-o1'], failures: ['x'] });
  const repeated = run([
    [{ type: 'started' }, 0],
    [{ type: 'ownerFailed', legId: 'db1-o0', error: 'x' }, 1],
    [{ type: 'ownerFailed', legId: 'db1-o0', error: 'x' }, 2],
  ]);
  assert.equal(repeated.state.kind, 'ringing-owner', 'a leg counts once');
});

test('a failed originate after the person answered elsewhere changes nothing', () => {
  const { state, effects } = run([...toCustomer.slice(0, 2), [{ type: 'ownerFailed', legId: 'db1-o0', error: 'late' }, 3_100]]);
  assert.deepEqual(state, { kind: 'confirming', owner: 'db1-o1' });
  assert.equal(effects.filter((e) => e.type === 'finish').length, 0);
});

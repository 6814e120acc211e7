/** The callback lifecycle's pure rules. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CALLBACK_STATUSES,
  HISTORY_EVENTS,
  NOTE_EVENTS,
  canTransition,
  decide,
  isOpen,
  isOverdue,
  type CallbackStatus,
  type LifecycleAction,
} from '../../src/callbacks/lifecycle.js';

/** The whole table, written out: every pair not listed here is illegal. */
const ALLOWED: ReadonlyArray<readonly [CallbackStatus, CallbackStatus]> = [
  ['pending', 'dialing'],
  ['pending', 'done'],
  ['pending', 'cancelled'],
  ['dialing', 'pending'],
  ['dialing', 'done'],
  ['dialing', 'failed'],
  ['dialing', 'cancelled'],
];

test('canTransition allows exactly the lifecycle table; done, failed and cancelled are final', () => {
  for (const from of CALLBACK_STATUSES) {
    for (const to of CALLBACK_STATUSES) {
      const expected = ALLOWED.some(([f, t]) => f === from && t === to);
      assert.equal(canTransition(from, to), expected, `${from} -> ${to}`);
    }
  }
  for (const final of ['done', 'failed', 'cancelled'] as const) {
    assert.ok(CALLBACK_STATUSES.every((to) => !canTransition(final, to)), `${final} is final`);
  }
});

test('no status moves to itself and nothing returns to pending except a failed attempt', () => {
  for (const status of CALLBACK_STATUSES) assert.equal(canTransition(status, status), false);
  assert.deepEqual(CALLBACK_STATUSES.filter((from) => canTransition(from, 'pending')), ['dialing']);
});

test('the history events are the twelve of the lifecycle; notes are the ones that change no status', () => {
  assert.deepEqual([...HISTORY_EVENTS], [
    'created', 'called-again', 'notified', 'reminded', 'escalated', 'not-reached',
    'dial-started', 'attempt-failed', 'dial-abandoned', 'done', 'failed', 'cancelled',
  ]);
  assert.deepEqual([...NOTE_EVENTS], ['notified', 'reminded', 'escalated', 'not-reached']);
  assert.ok(NOTE_EVENTS.every((event) => (HISTORY_EVENTS as readonly string[]).includes(event)));
});

test('startDial: pending -> dialing; dialing is busy; closed stays closed', () => {
  assert.deepEqual(decide('pending', { type: 'startDial' }), { ok: true, to: 'dialing', event: 'dial-started' });
  assert.deepEqual(decide('dialing', { type: 'startDial' }), { ok: false, refusal: 'busy' });
  for (const closed of ['done', 'failed', 'cancelled'] as const) {
    assert.deepEqual(decide(closed, { type: 'startDial' }), { ok: false, refusal: 'closed' });
  }
});

test('finishDial: reached -> done; not reached -> pending while attempts are left, failed on the last', () => {
  const finish = (reached: boolean, dialAttempts: number, maxAttempts = 3): LifecycleAction => ({ type: 'finishDial', reached, dialAttempts, maxAttempts });
  assert.deepEqual(decide('dialing', finish(true, 0)), { ok: true, to: 'done', event: 'done' });
  assert.deepEqual(decide('dialing', finish(true, 2)), { ok: true, to: 'done', event: 'done' }, 'reached on the last attempt is done');
  assert.deepEqual(decide('dialing', finish(false, 0)), { ok: true, to: 'pending', event: 'attempt-failed' });
  assert.deepEqual(decide('dialing', finish(false, 1)), { ok: true, to: 'pending', event: 'attempt-failed' });
  assert.deepEqual(decide('dialing', finish(false, 2)), { ok: true, to: 'failed', event: 'failed' });
  assert.deepEqual(decide('dialing', finish(false, 0, 1)), { ok: true, to: 'failed', event: 'failed' }, 'one attempt allowed: the first failure is final');
  assert.deepEqual(decide('pending', finish(true, 0)), { ok: false, refusal: 'not-dialing' });
  assert.deepEqual(decide('failed', finish(false, 0)), { ok: false, refusal: 'closed' });
});

test('abandonDial: a dial that could not start or whose service stopped is pending again; anything else is refused', () => {
  const table: ReadonlyArray<readonly [CallbackStatus, ReturnType<typeof decide>]> = [
    ['pending', { ok: false, refusal: 'not-dialing' }],
    ['dialing', { ok: true, to: 'pending', event: 'dial-abandoned' }],
    ['done', { ok: false, refusal: 'closed' }],
    ['failed', { ok: false, refusal: 'closed' }],
    ['cancelled', { ok: false, refusal: 'closed' }],
  ];
  for (const [from, expected] of table) assert.deepEqual(decide(from, { type: 'abandonDial' }), expected, from);
});

test('close: an open callback becomes done or cancelled; a closed one is refused', () => {
  for (const from of ['pending', 'dialing'] as const) {
    assert.deepEqual(decide(from, { type: 'close', status: 'done' }), { ok: true, to: 'done', event: 'done' });
    assert.deepEqual(decide(from, { type: 'close', status: 'cancelled' }), { ok: true, to: 'cancelled', event: 'cancelled' });
  }
  for (const from of ['done', 'failed', 'cancelled'] as const) {
    assert.deepEqual(decide(from, { type: 'close', status: 'done' }), { ok: false, refusal: 'closed' });
  }
});

test('every change decide allows is in the transition table', () => {
  const actions: LifecycleAction[] = [
    { type: 'startDial' },
    { type: 'finishDial', reached: true, dialAttempts: 0, maxAttempts: 2 },
    { type: 'finishDial', reached: false, dialAttempts: 0, maxAttempts: 2 },
    { type: 'finishDial', reached: false, dialAttempts: 1, maxAttempts: 2 },
    { type: 'abandonDial' },
    { type: 'close', status: 'done' },
    { type: 'close', status: 'cancelled' },
  ];
  const reached = new Set<string>();
  for (const from of CALLBACK_STATUSES) {
    for (const action of actions) {
      const decision = decide(from, action);
      if (decision.ok) {
        assert.ok(canTransition(from, decision.to), `${action.type} ${from} -> ${decision.to}`);
        reached.add(`${from}->${decision.to}`);
      }
    }
  }
  assert.deepEqual([...reached].sort(), ALLOWED.map(([f, t]) => `${f}->${t}`).sort(), 'and every allowed transition has an action');
});

test('overdue is derived: open (pending or dialing) and due before now', () => {
  const now = 1_700_000_000_000;
  assert.equal(isOverdue({ status: 'pending', dueAt: now - 1 }, now), true);
  assert.equal(isOverdue({ status: 'dialing', dueAt: now - 1 }, now), true);
  assert.equal(isOverdue({ status: 'pending', dueAt: now }, now), false, 'due exactly now is not late yet');
  for (const closed of ['done', 'failed', 'cancelled'] as const) {
    assert.equal(isOverdue({ status: closed, dueAt: now - 1 }, now), false);
    assert.equal(isOpen(closed), false);
  }
});

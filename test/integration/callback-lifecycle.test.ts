/**
 * The callback lifecycle and its history against a real Redis: every change the Lua scripts make,
 * checked against the pure rules of lifecycle.ts. Each test has its own key prefix and deletes
 * exactly its own keys.
 */
import { after, before, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { deleteNevermissKeys } from '../support/redis.js';
import { CALLBACK_STATUSES, canTransition, decide, type CallbackStatus, type LifecycleAction, type Refusal } from '../../src/callbacks/lifecycle.js';
import { createCallbackStore, type CallbackStore } from '../../src/callbacks/store.js';
import type { MissedCall } from '../../src/callbacks/types.js';
import { ErrorCodes, isNevermissError, type ErrorCode } from '../../src/errors.js';

const REDIS_URL = process.env['NEVERMISS_TEST_REDIS'] ?? 'redis://127.0.0.1:6379/0';
const redis = new Redis(REDIS_URL);
const T0 = 1_700_000_000_000;

before(async () => {
  assert.equal(await redis.ping(), 'PONG');
});

after(() => redis.disconnect());

function freshPrefix(t: TestContext): string {
  const prefix = `nm-test-${randomUUID()}`;
  t.after(() => deleteNevermissKeys(redis, prefix));
  return prefix;
}

function freshStore(t: TestContext): CallbackStore {
  return createCallbackStore(redis, freshPrefix(t));
}

const missed = (over: Partial<MissedCall> = {}): MissedCall => ({
  callId: 'call-1',
  caller: '+4520111111',
  called: '+4530123456',
  route: 'main',
  language: 'en',
  at: T0,
  dueAt: T0 + 600_000,
  ...over,
});

const coded = (code: ErrorCode) => (err: unknown) => isNevermissError(err, code);

const REFUSAL_CODES: Record<Refusal, ErrorCode> = {
  closed: ErrorCodes.CALLBACK_CLOSED,
  busy: ErrorCodes.CALLBACK_BUSY,
  'not-dialing': ErrorCodes.CALLBACK_NOT_DIALING,
};

/** Brings a new callback into `status` through the store's own operations. */
async function callbackIn(store: CallbackStore, status: CallbackStatus, caller: string): Promise<string> {
  const { id } = await store.recordMissedCall(missed({ caller, callId: `call-${caller}` }));
  switch (status) {
    case 'pending':
      break;
    case 'dialing':
      await store.startDial(id, 'dialer', T0 + 1);
      break;
    case 'done':
    case 'cancelled':
      await store.close(id, status, 'test', T0 + 1);
      break;
    case 'failed':
      await store.startDial(id, 'dialer', T0 + 1);
      await store.finishDial(id, { reached: false, talkMs: 0, by: 'dialer', now: T0 + 2, maxAttempts: 1 });
      break;
  }
  assert.equal((await store.get(id))?.status, status);
  return id;
}

interface Case {
  readonly name: string;
  readonly action: LifecycleAction;
  readonly run: (store: CallbackStore, id: string) => Promise<unknown>;
}

const CASES: Case[] = [
  { name: 'startDial', action: { type: 'startDial' }, run: (s, id) => s.startDial(id, 'dialer', T0 + 10) },
  {
    name: 'finishDial reached',
    action: { type: 'finishDial', reached: true, dialAttempts: 0, maxAttempts: 3 },
    run: (s, id) => s.finishDial(id, { reached: true, talkMs: 42_000, by: 'dialer', now: T0 + 10, maxAttempts: 3 }),
  },
  {
    name: 'finishDial not reached, attempts left',
    action: { type: 'finishDial', reached: false, dialAttempts: 0, maxAttempts: 3 },
    run: (s, id) => s.finishDial(id, { reached: false, talkMs: 0, by: 'dialer', now: T0 + 10, maxAttempts: 3 }),
  },
  {
    name: 'finishDial not reached, last attempt',
    action: { type: 'finishDial', reached: false, dialAttempts: 0, maxAttempts: 1 },
    run: (s, id) => s.finishDial(id, { reached: false, talkMs: 0, by: 'dialer', now: T0 + 10, maxAttempts: 1 }),
  },
  {
    name: 'abandonDial',
    action: { type: 'abandonDial' },
    run: (s, id) => s.abandonDial(id, '', { by: 'dialer', now: T0 + 10, detail: 'the dial-back did not start: ARI unreachable' }),
  },
  { name: 'close done', action: { type: 'close', status: 'done' }, run: (s, id) => s.close(id, 'done', 'api', T0 + 10) },
  { name: 'close cancelled', action: { type: 'close', status: 'cancelled' }, run: (s, id) => s.close(id, 'cancelled', 'api', T0 + 10) },
];

test('every status x every change: Redis does what lifecycle.decide says, refusals are coded errors', async (t) => {
  const store = freshStore(t);
  let n = 0;
  for (const from of CALLBACK_STATUSES) {
    for (const { name, action, run } of CASES) {
      const id = await callbackIn(store, from, `+45200000${String(n++).padStart(2, '0')}`);
      const before = await store.history(id);
      const decision = decide(from, action);
      const label = `${name} on ${from}`;
      if (decision.ok) {
        assert.ok(canTransition(from, decision.to), label);
        await run(store, id);
        const after = await store.history(id);
        assert.equal((await store.get(id))?.status, decision.to, label);
        assert.equal(after.length, before.length + 1, `${label}: one history entry per change`);
        assert.deepEqual(
          { event: after.at(-1)?.event, from: after.at(-1)?.from, to: after.at(-1)?.to, at: after.at(-1)?.at },
          { event: decision.event, from, to: decision.to, at: T0 + 10 },
          label,
        );
      } else {
        await assert.rejects(run(store, id), coded(REFUSAL_CODES[decision.refusal]), label);
        assert.equal((await store.get(id))?.status, from, `${label}: status unchanged`);
        assert.deepEqual(await store.history(id), before, `${label}: no history written`);
      }
    }
  }
});

test('unknown callbacks: every change is NM_CALLBACK_NOT_FOUND', async (t) => {
  const store = freshStore(t);
  const notFound = coded(ErrorCodes.CALLBACK_NOT_FOUND);
  await assert.rejects(store.startDial('cb-nope', 'dialer', T0), notFound);
  await assert.rejects(store.finishDial('cb-nope', { reached: true, talkMs: 1, by: 'dialer', now: T0, maxAttempts: 1 }), notFound);
  await assert.rejects(store.close('cb-nope', 'cancelled', 'api', T0), notFound);
  await assert.rejects(store.history('cb-nope'), notFound);
  await assert.rejects(store.appendHistory('cb-nope', { event: 'notified', at: T0, by: 'notify' }), notFound);
  assert.equal(await redis.exists(store.keys.history('cb-nope')), 0, 'no orphan history list');
});

test('a full life: created, called-again, notified, two failed attempts, reached; history in order', async (t) => {
  const store = freshStore(t);
  const { id } = await store.recordMissedCall(missed());
  await store.appendHistory(id, { event: 'notified', at: T0 + 1_000, by: 'notify:webhook', detail: 'owner told' });
  await store.recordMissedCall(missed({ callId: 'call-2', at: T0 + 60_000, dueAt: T0 + 660_000 }));
  await store.appendHistory(id, { event: 'reminded', at: T0 + 300_000, by: 'timer:remind' });

  const dialing = await store.startDial(id, 'dialer:a', T0 + 400_000);
  assert.equal(dialing.status, 'dialing');
  assert.equal(dialing.dialingBy, 'dialer:a');
  const retry = await store.finishDial(id, { reached: false, talkMs: 0, by: 'dialer:a', now: T0 + 430_000, maxAttempts: 3 });
  assert.equal(retry.status, 'pending');
  assert.equal(retry.dialAttempts, 1);
  assert.equal(retry.dialingBy, undefined);

  await store.appendHistory(id, { event: 'escalated', at: T0 + 500_000, by: 'timer:escalate', detail: 'to colleague' });
  await store.startDial(id, 'dialer:b', T0 + 510_000);
  await store.finishDial(id, { reached: false, talkMs: 0, by: 'dialer:b', now: T0 + 540_000, maxAttempts: 3 });
  await store.startDial(id, 'dialer:b', T0 + 550_000);
  const done = await store.finishDial(id, { reached: true, talkMs: 95_000, by: 'dialer:b', now: T0 + 700_000, maxAttempts: 3 });
  assert.equal(done.status, 'done');
  assert.equal(done.talkMs, 95_000);
  assert.equal(done.dialAttempts, 2);
  assert.equal(done.closedAt, T0 + 700_000);
  assert.equal(done.closedBy, 'dialer:b');

  const history = await store.history(id);
  assert.deepEqual(
    history.map((e) => [e.event, e.from, e.to, e.by, e.at]),
    [
      ['created', null, 'pending', 'call:call-1', T0],
      ['notified', 'pending', 'pending', 'notify:webhook', T0 + 1_000],
      ['called-again', 'pending', 'pending', 'call:call-2', T0 + 60_000],
      ['reminded', 'pending', 'pending', 'timer:remind', T0 + 300_000],
      ['dial-started', 'pending', 'dialing', 'dialer:a', T0 + 400_000],
      ['attempt-failed', 'dialing', 'pending', 'dialer:a', T0 + 430_000],
      ['escalated', 'pending', 'pending', 'timer:escalate', T0 + 500_000],
      ['dial-started', 'pending', 'dialing', 'dialer:b', T0 + 510_000],
      ['attempt-failed', 'dialing', 'pending', 'dialer:b', T0 + 540_000],
      ['dial-started', 'pending', 'dialing', 'dialer:b', T0 + 550_000],
      ['done', 'dialing', 'done', 'dialer:b', T0 + 700_000],
    ],
  );
  assert.equal(history[1]?.detail, 'owner told');
  assert.equal(history[2]?.detail, 'missed call 2');
  assert.equal(history[3]?.detail, undefined, 'no detail, no field');
  assert.equal(history[8]?.detail, 'attempt 2 of 3 not reached');
  assert.equal(history[10]?.detail, 'reached, talked 95000 ms');
  assert.deepEqual(await store.listPending(), [], 'a done callback is no longer open');
  assert.equal(await store.findPendingByCaller('+4520111111'), null);
});

test('the last failed attempt makes the callback failed and closes it; the next call starts a new one', async (t) => {
  const store = freshStore(t);
  const { id } = await store.recordMissedCall(missed());
  for (let attempt = 1; attempt <= 2; attempt++) {
    await store.startDial(id, 'dialer', T0 + attempt * 10);
    const after = await store.finishDial(id, { reached: false, talkMs: 0, by: 'dialer', now: T0 + attempt * 10 + 5, maxAttempts: 2 });
    assert.equal(after.status, attempt < 2 ? 'pending' : 'failed');
    assert.equal(after.dialAttempts, attempt);
  }
  const last = (await store.history(id)).at(-1);
  assert.deepEqual([last?.event, last?.from, last?.to, last?.detail], ['failed', 'dialing', 'failed', 'attempt 2 of 2 not reached']);
  assert.deepEqual(await store.listPending(), []);
  const again = await store.recordMissedCall(missed({ callId: 'call-9', at: T0 + 100 }));
  assert.equal(again.created, true);
  assert.notEqual(again.id, id);
});

test('a dialing callback stays open: listed, found by caller, and a repeat call folds into it', async (t) => {
  const store = freshStore(t);
  const { id } = await store.recordMissedCall(missed());
  await store.startDial(id, 'dialer', T0 + 10);
  assert.deepEqual((await store.listPending()).map((cb) => [cb.id, cb.status]), [[id, 'dialing']]);
  assert.equal((await store.findPendingByCaller('+4520111111'))?.id, id);

  const folded = await store.recordMissedCall(missed({ callId: 'call-2', at: T0 + 20 }));
  assert.deepEqual([folded.id, folded.created, folded.attempts], [id, false, 2]);
  const last = (await store.history(id)).at(-1);
  assert.deepEqual([last?.event, last?.from, last?.to], ['called-again', 'dialing', 'dialing']);
  assert.equal((await store.get(id))?.status, 'dialing', 'a repeat call does not interrupt the dial');
});

test('findPendingByCaller: the open callback of a number, or null', async (t) => {
  const store = freshStore(t);
  assert.equal(await store.findPendingByCaller('+4599999999'), null);
  const { id } = await store.recordMissedCall(missed());
  const found = await store.findPendingByCaller('+4520111111');
  assert.equal(found?.id, id);
  assert.equal(found?.status, 'pending');
  await store.close(id, 'cancelled', 'api', T0 + 1);
  assert.equal(await store.findPendingByCaller('+4520111111'), null);
});

test('closeByCaller closes the open callback of a number (pending or dialing) in one step; null when none', async (t) => {
  const store = freshStore(t);
  assert.equal(await store.closeByCaller('+4520111111', 'done', 'call:in-1', T0, 'reached on an inbound call'), null);

  const pending = await store.recordMissedCall(missed());
  const closed = await store.closeByCaller('+4520111111', 'done', 'call:in-2', T0 + 5, 'answered by desk');
  assert.equal(closed?.id, pending.id);
  assert.equal(closed?.status, 'done');
  assert.equal(closed?.closedBy, 'call:in-2');
  const last = (await store.history(pending.id)).at(-1);
  assert.deepEqual(last, { at: T0 + 5, event: 'done', from: 'pending', to: 'done', by: 'call:in-2', detail: 'answered by desk' });
  assert.equal(await store.closeByCaller('+4520111111', 'done', 'call:in-3', T0 + 6), null, 'nothing open any more');
  assert.equal(await redis.exists(store.keys.pendingByCaller('+4520111111')), 0);

  const second = await store.recordMissedCall(missed({ callId: 'call-2', at: T0 + 10 }));
  assert.equal(second.created, true);
  await store.startDial(second.id, 'dialer', T0 + 20);
  const whileDialing = await store.closeByCaller('+4520111111', 'done', 'call:in-4', T0 + 30);
  assert.equal(whileDialing?.status, 'done');
  assert.equal((await store.history(second.id)).at(-1)?.from, 'dialing');
  assert.deepEqual(await store.listPending(), []);
});

test('close from dialing cancels the dial; finishing it afterwards is NM_CALLBACK_CLOSED', async (t) => {
  const store = freshStore(t);
  const { id } = await store.recordMissedCall(missed());
  await store.startDial(id, 'dialer', T0 + 10);
  const cancelled = await store.close(id, 'cancelled', 'cli:alice', T0 + 20, 'customer asked us not to call');
  assert.equal(cancelled.status, 'cancelled');
  assert.equal(cancelled.dialingBy, undefined);
  await assert.rejects(
    store.finishDial(id, { reached: true, talkMs: 5, by: 'dialer', now: T0 + 30, maxAttempts: 3 }),
    coded(ErrorCodes.CALLBACK_CLOSED),
  );
  assert.equal((await store.history(id)).at(-1)?.detail, 'customer asked us not to call');
});

/** The stores of two service instances on one Redis prefix, each with its own connection. */
function twoInstances(t: TestContext): [CallbackStore, CallbackStore] {
  const prefix = freshPrefix(t);
  const other = new Redis(REDIS_URL);
  t.after(() => other.disconnect());
  return [createCallbackStore(redis, prefix), createCallbackStore(other, prefix)];
}

test('two instances starting the same dial at once: exactly one wins, the others are NM_CALLBACK_BUSY', async (t) => {
  const [store, otherStore] = twoInstances(t);
  const { id } = await store.recordMissedCall(missed());
  const attempts = Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? store : otherStore).startDial(id, `dialer:${i % 2}`, T0 + i));
  const results = await Promise.allSettled(attempts);
  assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
  for (const r of results) if (r.status === 'rejected') assert.ok(isNevermissError(r.reason, ErrorCodes.CALLBACK_BUSY));
  assert.equal((await store.history(id)).filter((e) => e.event === 'dial-started').length, 1);
});

test('bad arguments are NM_USAGE and change nothing', async (t) => {
  const store = freshStore(t);
  const { id } = await store.recordMissedCall(missed());
  await store.startDial(id, 'dialer', T0 + 1);
  const usage = coded(ErrorCodes.USAGE);
  await assert.rejects(store.finishDial(id, { reached: false, talkMs: 0, by: 'd', now: T0, maxAttempts: 0 }), usage);
  await assert.rejects(store.finishDial(id, { reached: true, talkMs: -1, by: 'd', now: T0, maxAttempts: 1 }), usage);
  // Values a JavaScript caller (or the API) could still send despite the types:
  await assert.rejects(store.appendHistory(id, { event: 'done' as 'notified', at: T0, by: 'x' }), usage);
  await assert.rejects(store.close(id, 'failed' as 'done', 'x', T0), usage);
  assert.equal((await store.get(id))?.status, 'dialing');
  assert.equal((await store.history(id)).length, 2);
});

test('the history list and the callback share the hash tag', (t) => {
  const store = freshStore(t);
  assert.equal(store.keys.history('cb-x'), `${store.keys.callback('cb-x')}:history`);
  assert.equal(/^\{[^}]+\}/.exec(store.keys.history('cb-x'))?.[0], /^\{[^}]+\}/.exec(store.keys.pending)?.[0]);
});

test('a dial holds its callback with a lease that only its own dial renews', async (t) => {
  const store = freshStore(t);
  const { id } = await store.recordMissedCall(missed());
  const dialing = await store.startDial(id, 'api: owner', T0 + 10, { dialId: 'dial-a', leaseMs: 90_000 });
  assert.deepEqual([dialing.dialId, dialing.dialStartedAt, dialing.dialLeaseUntil], ['dial-a', T0 + 10, T0 + 90_010]);
  assert.equal(await store.renewDialLease(id, 'dial-b', T0 + 500_000), false, 'another dial cannot renew it');
  assert.equal(await store.renewDialLease(id, 'dial-a', T0 + 120_000), true);
  assert.equal((await store.get(id))?.dialLeaseUntil, T0 + 120_000);
  const after = await store.finishDial(id, { reached: false, talkMs: 0, by: 'owner', now: T0 + 60_000, maxAttempts: 3, dialId: 'dial-a' });
  assert.deepEqual([after.status, after.dialId, after.dialLeaseUntil, after.dialStartedAt], ['pending', undefined, undefined, undefined], 'the lease goes with the dial');
  assert.equal(await store.renewDialLease(id, 'dial-a', T0 + 200_000), false, 'a finished dial renews nothing');
  assert.equal((await store.get(id))?.dialLeaseUntil, undefined);
  await assert.rejects(store.startDial(id, 'x', T0, { dialId: 'd', leaseMs: 0 }), coded(ErrorCodes.USAGE));
});

test('an expired dialing lease: nothing before it ends; then back to pending once, with two sweepers racing', async (t) => {
  const [store, otherStore] = twoInstances(t);
  const { id } = await store.recordMissedCall(missed());
  await store.startDial(id, 'api: owner', T0 + 10, { dialId: 'dial-a', leaseMs: 90_000 });
  const sweep = (s: CallbackStore, now: number) => s.abandonExpiredDial(id, { by: 'sweep:test', now, detail: 'dial-back abandoned: the service that dialled stopped', fallbackLeaseMs: 90_000 });

  assert.equal(await sweep(store, T0 + 90_009), null, 'the lease still holds');
  assert.equal((await store.get(id))?.status, 'dialing');

  const results = await Promise.all(Array.from({ length: 20 }, (_, i) => sweep(i % 2 === 0 ? store : otherStore, T0 + 90_010 + i)));
  assert.equal(results.filter((r) => r !== null).length, 1, 'exactly one sweeper abandons it');
  const callback = await store.get(id);
  assert.deepEqual([callback?.status, callback?.dialingBy, callback?.dialId, callback?.dialAttempts], ['pending', undefined, undefined, 0], 'not counted as an attempt');
  const abandoned = (await store.history(id)).filter((e) => e.event === 'dial-abandoned');
  assert.equal(abandoned.length, 1);
  assert.deepEqual(
    { from: abandoned[0]?.from, to: abandoned[0]?.to, by: abandoned[0]?.by, detail: abandoned[0]?.detail },
    { from: 'dialing', to: 'pending', by: 'sweep:test', detail: 'dial-back abandoned: the service that dialled stopped' },
  );
  assert.deepEqual((await store.listPending()).map((cb) => cb.id), [id], 'still open, still found by caller');
  assert.equal((await store.findPendingByCaller('+4520111111'))?.id, id);
  assert.equal((await store.startDial(id, 'api: owner', T0 + 200_000, { dialId: 'dial-b', leaseMs: 90_000 })).status, 'dialing', 'a later dial works');
});

test('a dial started before leases existed is abandoned its fallback lease after its start', async (t) => {
  const store = freshStore(t);
  const { id } = await store.recordMissedCall(missed());
  await store.startDial(id, 'dialer', T0 + 10);
  await redis.hdel(store.keys.callback(id), 'dialLeaseUntil', 'dialId');
  const sweep = (now: number) => store.abandonExpiredDial(id, { by: 'sweep', now, detail: 'stale', fallbackLeaseMs: 60_000 });
  assert.equal(await sweep(T0 + 60_009), null);
  assert.equal((await sweep(T0 + 60_010))?.status, 'pending');
  assert.equal(await sweep(T0 + 60_011), null, 'pending: nothing to abandon');
  await store.close(id, 'done', 'api', T0 + 70_000);
  assert.equal(await sweep(T0 + 80_000), null, 'closed: nothing to abandon');
  await assert.rejects(store.abandonExpiredDial('cb-nope', { by: 's', now: T0, detail: '', fallbackLeaseMs: 1 }), coded(ErrorCodes.CALLBACK_NOT_FOUND));
});

test('a dial that no longer holds its callback cannot finish or abandon it', async (t) => {
  const store = freshStore(t);
  const { id } = await store.recordMissedCall(missed());
  await store.startDial(id, 'instance-a', T0, { dialId: 'dial-a', leaseMs: 1_000 });
  await store.abandonExpiredDial(id, { by: 'sweep', now: T0 + 1_000, detail: 'stopped', fallbackLeaseMs: 1_000 });
  await store.startDial(id, 'instance-b', T0 + 2_000, { dialId: 'dial-b', leaseMs: 90_000 });
  const before = await store.history(id);
  await assert.rejects(store.finishDial(id, { reached: true, talkMs: 30_000, by: 'a', now: T0 + 3_000, maxAttempts: 3, dialId: 'dial-a' }), coded(ErrorCodes.CALLBACK_NOT_DIALING));
  await assert.rejects(store.abandonDial(id, 'dial-a', { by: 'a', now: T0 + 3_000, detail: 'late' }), coded(ErrorCodes.CALLBACK_NOT_DIALING));
  assert.deepEqual(await store.history(id), before, 'nothing written');
  const callback = await store.get(id);
  assert.deepEqual([callback?.status, callback?.dialId], ['dialing', 'dial-b']);
  assert.equal((await store.abandonDial(id, 'dial-b', { by: 'b', now: T0 + 4_000, detail: 'could not ring' })).status, 'pending');
});

test('follow-up mark: a new callback needs its jobs; one claim wins; a lapsed claim is taken over; marked or older callbacks never', async (t) => {
  const [store, otherStore] = twoInstances(t);
  const { id } = await store.recordMissedCall(missed());
  assert.equal((await store.get(id))?.followUp, 'pending');
  const folded = await store.recordMissedCall(missed({ callId: 'call-2', at: T0 + 5 }));
  assert.equal(folded.created, false);
  assert.equal((await store.get(id))?.followUp, 'pending', 'a repeat call leaves the mark alone');

  const claims = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? store : otherStore).claimFollowUp(id, `instance-${i}`, T0 + 10, 60_000)));
  const winners = claims.flatMap((c, i) => (c ? [i] : []));
  assert.equal(winners.length, 1, 'one instance schedules');
  const winner = `instance-${winners[0]}`;
  assert.equal((await store.get(id))?.followUp, 'scheduling');
  assert.equal(await store.claimFollowUp(id, 'late', T0 + 60_009, 60_000), null, 'the claim still holds');
  assert.ok(await store.claimFollowUp(id, 'taker', T0 + 60_010, 60_000), 'a claim whose holder stopped is taken over');
  assert.equal(await store.finishFollowUp(id, winner), false, 'the first holder lost it');
  assert.equal(await store.finishFollowUp(id, 'taker'), true);
  assert.equal((await store.get(id))?.followUp, 'scheduled');
  assert.equal(await store.claimFollowUp(id, 'again', T0 + 999_999, 60_000), null, 'scheduled: never again');

  const second = await store.recordMissedCall(missed({ caller: '+4520222222', callId: 'call-3' }));
  await redis.hdel(store.keys.callback(second.id), 'followUp');
  assert.equal(await store.claimFollowUp(second.id, 'x', T0, 60_000), null, 'recorded before the mark existed: left alone');
  const third = await store.recordMissedCall(missed({ caller: '+4520333333', callId: 'call-4' }));
  await store.close(third.id, 'cancelled', 'api', T0 + 1);
  assert.equal(await store.claimFollowUp(third.id, 'x', T0 + 2, 60_000), null, 'closed: nothing to schedule');
  await assert.rejects(store.claimFollowUp('cb-nope', 'x', T0, 60_000), coded(ErrorCodes.CALLBACK_NOT_FOUND));
});

/** The callback store against a real Redis, each test under its own key prefix. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { deleteNevermissKeys } from '../support/redis.js';
import { createCallbackStore, type CallbackStore } from '../../src/callbacks/store.js';
import { isNevermissError, ErrorCodes } from '../../src/errors.js';

const redis = new Redis(process.env['NEVERMISS_TEST_REDIS'] ?? 'redis://127.0.0.1:6379/0');
const prefixes: string[] = [];

function freshStore(): CallbackStore {
  const prefix = `nm-test-${randomUUID()}`;
  prefixes.push(prefix);
  return createCallbackStore(redis, prefix);
}

before(async () => {
  assert.equal(await redis.ping(), 'PONG');
});

after(async () => {
  // Delete exactly the keys these tests wrote, never anything else.
  for (const prefix of prefixes) {
    await deleteNevermissKeys(redis, prefix);
  }
  redis.disconnect();
});

const missed = (over: Partial<Parameters<CallbackStore['recordMissedCall']>[0]> = {}) => ({
  callId: 'call-1',
  caller: '4520111111',
  called: '4530123456',
  route: 'main',
  language: 'en',
  at: 1_000_000,
  dueAt: 1_600_000,
  ...over,
});

test('a missed call becomes a pending callback due at call time + deadline', async () => {
  const store = freshStore();
  const recorded = await store.recordMissedCall(missed());
  assert.equal(recorded.created, true);
  assert.equal(recorded.attempts, 1);
  assert.equal(recorded.dueAt, 1_600_000);
  const [only, ...rest] = await store.listPending();
  assert.equal(rest.length, 0);
  assert.equal(only?.id, recorded.id);
  assert.equal(only?.status, 'pending');
  assert.equal(only?.caller, '4520111111');
});

test('the same number calling again updates its pending callback: attempts + 1, earliest deadline kept', async () => {
  const store = freshStore();
  const first = await store.recordMissedCall(missed());
  const second = await store.recordMissedCall(missed({ callId: 'call-2', at: 1_120_000, dueAt: 1_720_000 }));
  assert.equal(second.id, first.id);
  assert.equal(second.created, false);
  assert.equal(second.attempts, 2);
  assert.equal(second.dueAt, 1_600_000, 'the deadline stays the earliest promised');
  const pending = await store.listPending();
  assert.equal(pending.length, 1);
  assert.equal(pending[0]?.lastAttemptAt, 1_120_000);
  const third = await store.recordMissedCall(missed({ callId: 'call-3', at: 1_130_000, dueAt: 1_500_000 }));
  assert.equal(third.dueAt, 1_500_000, 'an earlier promise moves the deadline forward');
});

test('pending callbacks are listed by due time', async () => {
  const store = freshStore();
  await store.recordMissedCall(missed({ callId: 'call-a', caller: '111', dueAt: 1_900_000 }));
  await store.recordMissedCall(missed({ callId: 'call-b', caller: '222', dueAt: 1_300_000 }));
  await store.recordMissedCall(missed({ callId: 'call-c', caller: '333', dueAt: 1_600_000 }));
  assert.deepEqual((await store.listPending()).map((cb) => cb.caller), ['222', '333', '111']);
});

test('recording the same call id twice changes nothing: a replay (spool, AstDB drain, orphan) never counts a call twice', async () => {
  const store = freshStore();
  const first = await store.recordMissedCall(missed());
  const replay = await store.recordMissedCall(missed({ at: 1_050_000, dueAt: 1_100_000 }));
  assert.deepEqual(replay, { id: first.id, created: true, attempts: 1, dueAt: 1_600_000, duplicate: true }, 'created: this call made the callback');
  assert.equal((await store.history(first.id)).length, 1);

  const second = await store.recordMissedCall(missed({ callId: 'call-2', at: 1_120_000, dueAt: 1_720_000, note: 'recorded by the fallback' }));
  assert.equal(second.duplicate, false);
  assert.equal(second.attempts, 2);
  const again = await store.recordMissedCall(missed({ callId: 'call-2', at: 1_130_000 }));
  assert.deepEqual(again, { ...second, duplicate: true });
  const history = await store.history(first.id);
  assert.deepEqual(history.map((entry) => entry.event), ['created', 'called-again']);
  assert.equal(history[1]?.detail, 'missed call 2 (recorded by the fallback)');
});

test('closing a callback removes it from pending; the next call from that number starts a new one', async () => {
  const store = freshStore();
  const first = await store.recordMissedCall(missed());
  const closed = await store.close(first.id, 'done', 'test', 2_000_000);
  assert.equal(closed.status, 'done');
  assert.equal(closed.closedBy, 'test');
  assert.deepEqual(await store.listPending(), []);
  const again = await store.recordMissedCall(missed({ callId: 'call-3', at: 3_000_000 }));
  assert.notEqual(again.id, first.id);
  assert.equal(again.attempts, 1);
});

test('closing by caller with lastCallAtMost leaves a callback whose last missed call came later (a late report proves only the past)', async () => {
  const store = freshStore();
  const first = await store.recordMissedCall(missed({ at: 1_000_000 }));
  await store.recordMissedCall(missed({ callId: 'call-2', at: 1_200_000 }));
  assert.equal(await store.closeByCaller('4520111111', 'done', 'outbound call', 1_100_000, '', { lastCallAtMost: 1_100_000 }), null);
  assert.equal((await store.get(first.id))?.status, 'pending');
  assert.equal((await store.findPendingByCaller('4520111111'))?.id, first.id, 'the index still leads to it');
  const closed = await store.closeByCaller('4520111111', 'done', 'outbound call', 1_300_000, '', { lastCallAtMost: 1_200_000 });
  assert.equal(closed?.id, first.id);
  assert.equal(closed?.status, 'done');
});

test('closing an unknown or closed callback is a coded error', async () => {
  const store = freshStore();
  await assert.rejects(store.close('cb-nope', 'done', 'test', 1), (err) => isNevermissError(err, ErrorCodes.CALLBACK_NOT_FOUND));
  const { id } = await store.recordMissedCall(missed());
  await store.close(id, 'done', 'test', 2);
  await assert.rejects(store.close(id, 'done', 'test', 3), (err) => isNevermissError(err, ErrorCodes.CALLBACK_CLOSED));
});

test('a call logs exactly one outcome', async () => {
  const store = freshStore();
  const entry = {
    callId: 'call-9',
    caller: '4520111111',
    called: '4530123456',
    route: 'main',
    startedAt: 1,
    endedAt: 2,
    outcome: { kind: 'answered', by: { person: 'owner', phone: 'desk' }, ringMs: 1, talkMs: 1 },
  } as const;
  assert.equal(await store.logCall(entry), true);
  assert.equal(await store.logCall({ ...entry, outcome: { kind: 'failed', error: 'replay' } }), false);
  assert.deepEqual(await store.getCall('call-9'), entry);
});

test('who took a call is noted for a while and read back; a call nobody took has no note', async () => {
  const store = freshStore();
  await store.noteAnswered('call-7', { person: 'anna', phone: 'mobile', at: 1_234_000 }, 60_000);
  assert.deepEqual(await store.answeredCall('call-7'), { person: 'anna', phone: 'mobile', at: 1_234_000 });
  assert.equal(await store.answeredCall('call-8'), null);
  const ttl = await redis.pttl(store.keys.answeredCall('call-7'));
  assert.ok(ttl > 50_000 && ttl <= 60_000, `the note expires with the call (pttl ${ttl})`);
});

test('keys carry one hash tag, so multi-key scripts stay in one Redis Cluster slot', () => {
  const store = freshStore();
  const k = store.keys;
  const tags = [
    k.callback('x'), k.history('x'), k.pending, k.pendingByCaller('1'), k.call('c'), k.recordedCall('c'), k.calls, k.message('c'), k.messages, k.status,
    k.jobsPrefix, k.legacyTimers, k.legacyTimer('remind:x'), k.legacyTimersOfCallback('x'),
  ].map(
    (key) => /^\{[^}]+\}/.exec(key)?.[0],
  );
  assert.equal(new Set(tags).size, 1);
});

/**
 * Durable timers against a real Redis: due vs not due, leases shared by two instances, crash
 * recovery by lease expiry, stale owners refused, idempotent scheduling. Each test has its own
 * key prefix and deletes exactly its own keys.
 */
import { after, before, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { deleteNevermissKeys } from '../support/redis.js';
import { createTimers, type ClaimedJob, type Timers } from '../../src/callbacks/timers.js';
import { ErrorCodes, isNevermissError } from '../../src/errors.js';

const REDIS_URL = process.env['NEVERMISS_TEST_REDIS'] ?? 'redis://127.0.0.1:6379/0';
const redis = new Redis(REDIS_URL);
const T0 = 1_700_000_000_000;
const LEASE = 30_000;

before(async () => {
  assert.equal(await redis.ping(), 'PONG');
});

after(() => redis.disconnect());

function freshPrefix(t: TestContext): string {
  const prefix = `nm-test-${randomUUID()}`;
  t.after(() => deleteNevermissKeys(redis, prefix));
  return prefix;
}

function freshTimers(t: TestContext): Timers {
  return createTimers(redis, freshPrefix(t));
}

const claim = (timers: Timers, now: number, owner: string, limit = 100) => timers.claimDue(now, { owner, leaseMs: LEASE, limit });
const ids = (jobs: readonly ClaimedJob[]) => jobs.map((j) => j.id);

test('only jobs due at or before now are claimed, earliest first, with their data', async (t) => {
  const timers = freshTimers(t);
  await timers.schedule({ id: 'remind:cb-1', kind: 'remind', callbackId: 'cb-1', data: { minutesLeft: 5, to: 'owner' } }, T0 + 2_000);
  await timers.schedule({ id: 'deadline:cb-1', kind: 'deadline', callbackId: 'cb-1' }, T0 + 1_000);
  await timers.schedule({ id: 'remind:cb-2', kind: 'remind', callbackId: 'cb-2' }, T0 + 5_000);

  assert.deepEqual(await claim(timers, T0 + 999, 'a'), [], 'nothing due yet');
  const due = await claim(timers, T0 + 2_000, 'a');
  assert.deepEqual(ids(due), ['deadline:cb-1', 'remind:cb-1']);
  assert.deepEqual(due[1], {
    id: 'remind:cb-1',
    kind: 'remind',
    callbackId: 'cb-1',
    data: { minutesLeft: 5, to: 'owner' },
    dueAt: T0 + 2_000,
    claims: 1,
    leaseUntil: T0 + 2_000 + LEASE,
  });
  assert.deepEqual(due[0]?.data, {});
  assert.deepEqual(await claim(timers, T0 + 2_000, 'b'), [], 'leased jobs are not claimed again');
  assert.deepEqual(ids(await claim(timers, T0 + 5_000, 'b')), ['remind:cb-2']);
});

test('limit caps one claim; the rest stay for the next', async (t) => {
  const timers = freshTimers(t);
  for (let i = 0; i < 5; i++) await timers.schedule({ id: `job-${i}`, kind: 'k', callbackId: 'cb' }, T0 + i);
  assert.deepEqual(ids(await claim(timers, T0 + 10, 'a', 2)), ['job-0', 'job-1']);
  assert.deepEqual(ids(await claim(timers, T0 + 10, 'a', 2)), ['job-2', 'job-3']);
  assert.deepEqual(ids(await claim(timers, T0 + 10, 'a', 2)), ['job-4']);
});

test('two instances claiming concurrently from two connections get disjoint jobs, each exactly once', async (t) => {
  const prefix = freshPrefix(t);
  const other = new Redis(REDIS_URL);
  t.after(() => other.disconnect());
  const instances = [
    { owner: 'instance-a', timers: createTimers(redis, prefix) },
    { owner: 'instance-b', timers: createTimers(other, prefix) },
  ];
  const total = 300;
  await Promise.all(
    Array.from({ length: total }, (_, i) => instances[0]!.timers.schedule({ id: `remind:cb-${i}`, kind: 'remind', callbackId: `cb-${i}` }, T0 + (i % 17))),
  );

  const claimedBy = new Map<string, string[]>();
  for (let round = 0; round < 50; round++) {
    const batches = await Promise.all(
      Array.from({ length: 24 }, (_, i) => {
        const { owner, timers } = instances[i % 2]!;
        return timers.claimDue(T0 + 100, { owner, leaseMs: LEASE, limit: 3 }).then((jobs) => ({ owner, jobs }));
      }),
    );
    if (batches.every((b) => b.jobs.length === 0)) break;
    for (const { owner, jobs } of batches) for (const job of jobs) claimedBy.set(job.id, [...(claimedBy.get(job.id) ?? []), owner]);
  }

  assert.equal(claimedBy.size, total, 'every job was claimed');
  for (const [id, owners] of claimedBy) assert.equal(owners.length, 1, `${id} claimed ${owners.length} times`);
  const perOwner = instances.map(({ owner }) => [...claimedBy.values()].filter((o) => o[0] === owner).length);
  assert.ok(perOwner.every((n) => n > 0), `both instances got work: ${perOwner.join(' / ')}`);

  // Completing concurrently: each job is removed by its holder, and only by it.
  const completions = await Promise.all(
    [...claimedBy].flatMap(([id, [owner]]) =>
      instances.map((instance) => instance.timers.complete(id, instance.owner).then((ok) => ({ ok, holder: instance.owner === owner }))),
    ),
  );
  assert.ok(completions.every(({ ok, holder }) => ok === holder));
  assert.deepEqual(await instances[1]!.timers.pending(), []);
});

test('an instance that crashed loses its lease: the job is claimed by another after the lease, and the stale owner is refused', async (t) => {
  const timers = freshTimers(t);
  await timers.schedule({ id: 'escalate:cb-1', kind: 'escalate', callbackId: 'cb-1' }, T0);
  const [first] = await claim(timers, T0, 'instance-a');
  assert.equal(first?.leaseUntil, T0 + LEASE);
  // instance-a "crashes" here: it never completes.

  assert.deepEqual(await claim(timers, T0 + LEASE - 1, 'instance-b'), [], 'still leased one ms before the end');
  const [taken] = await claim(timers, T0 + LEASE, 'instance-b');
  assert.equal(taken?.id, 'escalate:cb-1');
  assert.equal(taken?.claims, 2, 'the second claim says an earlier holder did not finish');

  assert.equal(await timers.complete('escalate:cb-1', 'instance-a'), false, 'the stale owner is refused');
  assert.equal(await timers.reschedule('escalate:cb-1', 'instance-a', T0 + 1), false, 'and cannot reschedule either');
  assert.equal((await timers.pending())[0]?.leasedBy, 'instance-b', 'and changed nothing');
  assert.equal(await timers.complete('escalate:cb-1', 'instance-b'), true);
  assert.deepEqual(await timers.pending(), []);
  assert.equal(await timers.complete('escalate:cb-1', 'instance-b'), false, 'completing twice is refused');
});

test('a job that is not leased cannot be completed by anyone', async (t) => {
  const timers = freshTimers(t);
  await timers.schedule({ id: 'remind:cb-1', kind: 'remind', callbackId: 'cb-1' }, T0);
  assert.equal(await timers.complete('remind:cb-1', 'instance-a'), false);
  assert.equal((await timers.pending()).length, 1);
});

test('reschedule by the holder moves the due time and releases the lease (retry with backoff)', async (t) => {
  const timers = freshTimers(t);
  await timers.schedule({ id: 'dial-retry:cb-1', kind: 'dial-retry', callbackId: 'cb-1', data: { attempt: 1 } }, T0);
  await claim(timers, T0, 'a');
  assert.equal(await timers.reschedule('dial-retry:cb-1', 'b', T0 + 60_000), false, 'not the holder');
  assert.equal(await timers.reschedule('dial-retry:cb-1', 'a', T0 + 60_000), true);
  assert.deepEqual(await timers.pending(), [
    { id: 'dial-retry:cb-1', kind: 'dial-retry', callbackId: 'cb-1', data: { attempt: 1 }, dueAt: T0 + 60_000, leasedBy: null, leaseUntil: null, claims: 1 },
  ]);
  assert.deepEqual(await claim(timers, T0 + 59_999, 'b'), []);
  const [again] = await claim(timers, T0 + 60_000, 'b');
  assert.deepEqual([again?.id, again?.claims], ['dial-retry:cb-1', 2]);
});

test('scheduling the same job id twice keeps one job with the new due time; the same schedule again is unchanged', async (t) => {
  const timers = freshTimers(t);
  const job = { id: 'remind:cb-1', kind: 'remind', callbackId: 'cb-1', data: { a: 1, b: 'x' } };
  assert.equal(await timers.schedule(job, T0 + 10_000), 'created');
  assert.equal(await timers.schedule(job, T0 + 5_000), 'changed');
  assert.equal(await timers.schedule({ ...job, data: { b: 'x', a: 1 } }, T0 + 5_000), 'unchanged', 'data key order does not matter');
  const pending = await timers.pending();
  assert.deepEqual(pending.map((j) => [j.id, j.dueAt]), [['remind:cb-1', T0 + 5_000]]);
  assert.equal(await redis.zcard(timers.keys.timers), 1);
  assert.deepEqual(await redis.smembers(timers.keys.timersOfCallback('cb-1')), ['remind:cb-1']);
});

test('scheduling a leased job again: the same schedule keeps the lease; a new one survives the holder completing the old', async (t) => {
  const timers = freshTimers(t);
  const job = { id: 'remind:cb-1', kind: 'remind', callbackId: 'cb-1' };
  await timers.schedule(job, T0);
  await claim(timers, T0, 'a');

  // Idempotent re-scheduling (e.g. on every restart) does not hand a running job to a second instance.
  assert.equal(await timers.schedule(job, T0), 'unchanged');
  assert.deepEqual(await claim(timers, T0 + 1, 'b'), []);

  // The deadline moved while the reminder ran: the new schedule waits for lease end and its due time.
  assert.equal(await timers.schedule({ ...job, data: { minutesLeft: 2 } }, T0 + 120_000), 'changed');
  assert.deepEqual(await claim(timers, T0 + LEASE, 'b'), [], 'the lease is over, but the new due time is not');
  assert.equal(await timers.complete(job.id, 'a'), true, 'the holder finished its run');
  assert.deepEqual(await timers.pending(), [
    { ...job, data: { minutesLeft: 2 }, dueAt: T0 + 120_000, leasedBy: null, leaseUntil: null, claims: 1 },
  ]);
  const [next] = await claim(timers, T0 + 120_000, 'b');
  assert.deepEqual(next?.data, { minutesLeft: 2 });
  assert.equal(await timers.complete(job.id, 'b'), true);
  assert.deepEqual(await timers.pending(), []);
});

test('a job scheduled earlier while leased is claimable once the lease ends', async (t) => {
  const timers = freshTimers(t);
  await timers.schedule({ id: 'deadline:cb-1', kind: 'deadline', callbackId: 'cb-1' }, T0);
  await claim(timers, T0, 'a');
  await timers.schedule({ id: 'deadline:cb-1', kind: 'deadline', callbackId: 'cb-1' }, T0 + 5);
  assert.deepEqual(await claim(timers, T0 + LEASE - 1, 'b'), []);
  assert.deepEqual(ids(await claim(timers, T0 + LEASE, 'b')), ['deadline:cb-1']);
});

test('cancel removes one job, leased or not; its holder then cannot complete it', async (t) => {
  const timers = freshTimers(t);
  await timers.schedule({ id: 'remind:cb-1', kind: 'remind', callbackId: 'cb-1' }, T0);
  await timers.schedule({ id: 'escalate:cb-1', kind: 'escalate', callbackId: 'cb-1' }, T0 + 1);
  await claim(timers, T0, 'a');
  assert.equal(await timers.cancel('remind:cb-1'), true);
  assert.equal(await timers.cancel('remind:cb-1'), false);
  assert.equal(await timers.complete('remind:cb-1', 'a'), false);
  assert.deepEqual((await timers.pending()).map((j) => j.id), ['escalate:cb-1']);
  assert.deepEqual(await redis.smembers(timers.keys.timersOfCallback('cb-1')), ['escalate:cb-1']);
});

test('cancelForCallback removes every job of that callback and nothing else', async (t) => {
  const timers = freshTimers(t);
  for (const kind of ['remind', 'escalate', 'deadline']) await timers.schedule({ id: `${kind}:cb-1`, kind, callbackId: 'cb-1' }, T0);
  await timers.schedule({ id: 'remind:cb-2', kind: 'remind', callbackId: 'cb-2' }, T0);
  await claim(timers, T0, 'a', 1);

  assert.equal(await timers.cancelForCallback('cb-1'), 3);
  assert.deepEqual((await timers.pending()).map((j) => j.id), ['remind:cb-2']);
  assert.equal(await redis.exists(timers.keys.timersOfCallback('cb-1'), timers.keys.timer('remind:cb-1')), 0);
  assert.equal(await timers.cancelForCallback('cb-1'), 0);
  assert.equal(await timers.cancelForCallback('cb-unknown'), 0);
});

test('moving a job to another callback moves it in the per-callback index', async (t) => {
  const timers = freshTimers(t);
  await timers.schedule({ id: 'job-1', kind: 'k', callbackId: 'cb-1' }, T0);
  await timers.schedule({ id: 'job-1', kind: 'k', callbackId: 'cb-2' }, T0);
  assert.equal(await timers.cancelForCallback('cb-1'), 0);
  assert.equal(await timers.cancelForCallback('cb-2'), 1);
});

test('bad arguments are NM_USAGE', async (t) => {
  const timers = freshTimers(t);
  const usage = (err: unknown) => isNevermissError(err, ErrorCodes.USAGE);
  await assert.rejects(timers.schedule({ id: '', kind: 'k', callbackId: 'cb' }, T0), usage);
  await assert.rejects(timers.schedule({ id: 'j', kind: 'k', callbackId: 'cb' }, Number.NaN), usage);
  await assert.rejects(timers.schedule({ id: 'j', kind: 'k', callbackId: 'cb', data: { x: Number.POSITIVE_INFINITY } }, T0), usage);
  await assert.rejects(timers.claimDue(T0, { owner: '', leaseMs: 1, limit: 1 }), usage);
  await assert.rejects(timers.claimDue(T0, { owner: 'a', leaseMs: 0, limit: 1 }), usage);
  await assert.rejects(timers.claimDue(T0, { owner: 'a', leaseMs: 1, limit: 0 }), usage);
  assert.deepEqual(await timers.pending(), []);
});

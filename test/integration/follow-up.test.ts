/**
 * Seeing every promise through, against a real Redis and real receivers on 127.0.0.1: the
 * follow-up sweep schedules the jobs a new callback lacks, once, and never notifies twice; jobs
 * run side by side, so a stalled receiver does not hold up another; a dial-back that cannot ring
 * (ARI down) and one whose service stopped both leave the callback pending. Each test has its own
 * key prefix and deletes exactly its own keys.
 */
import { after, before, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import winston from 'winston';
import { deleteNevermissKeys } from '../support/redis.js';
import { startReceivers, type Receivers } from '../support/receivers.js';
import { formatProblem, parseConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/types.js';
import { createCallbackStore, type CallbackStore } from '../../src/callbacks/store.js';
import { createJobQueue, type JobQueue } from '../../src/callbacks/job-queue.js';
import type { MissedCall } from '../../src/callbacks/types.js';
import { systemClock, systemTimers } from '../../src/clock/clock.js';
import { createNotifier } from '../../src/notify/notifier.js';
import { createFollowUp, type FollowUp } from '../../src/follow-up/follow-up.js';
import { createDialBacks, type DialBacks } from '../../src/follow-up/dial-back.js';
import { DialBackRegistry } from '../../src/dial-back/registry.js';
import { createDialBackControl } from '../../src/ari/dial-back-control.js';
import { createAriConnection } from '../../src/ari/connection.js';
import { ErrorCodes, isNevermissError } from '../../src/errors.js';

const REDIS_URL = process.env['NEVERMISS_TEST_REDIS'] ?? 'redis://127.0.0.1:6379/0';
const SECRET = 'integration-follow-up-secret';
const redis = new Redis(REDIS_URL);
const logger = winston.createLogger({ silent: true });
let receivers: Receivers;

before(async () => {
  assert.equal(await redis.ping(), 'PONG');
  receivers = await startReceivers(SECRET);
});

after(async () => {
  await receivers.close();
  redis.disconnect();
});

/** anna hears on /anna, bob on /bob; both are told about new callbacks. */
function config(extra: readonly string[] = [], routeExtra: readonly string[] = []): Config {
  const yaml = [
    'ari: { url: http://127.0.0.1:8088, username: nevermiss, password: secret }',
    'prompts: { source: sound }',
    'people:',
    '  anna:',
    '    phones: { desk: PJSIP/owner-desk }',
    `    notify: { webhook: { url: "${receivers.webhookUrl('/anna')}", secret: "${SECRET}" } }`,
    '  bob:',
    '    phones: { desk: PJSIP/colleague }',
    `    notify: { webhook: { url: "${receivers.webhookUrl('/bob')}", secret: "${SECRET}" } }`,
    'routes:',
    '  main:',
    '    numbers: ["+4530123456"]',
    '    hunt: [{ ring: [anna], timeout: 20s }]',
    ...routeExtra,
    'defaultRoute: main',
    'callbacks:',
    '  notify: [anna, bob]',
    '  dial: "Local/{number}@sandbox-customers/n"',
    ...extra,
  ].join('\n');
  const result = parseConfig(`${yaml}\n`, 'follow-up.yaml', {});
  if (!result.ok) assert.fail(result.problems.map(formatProblem).join('\n'));
  return result.config;
}

interface Instance {
  readonly store: CallbackStore;
  readonly timers: JobQueue;
  readonly followUp: FollowUp;
  readonly dialBacks: DialBacks;
  readonly registry: DialBackRegistry;
}

/** One service instance's follow-up on its own Redis connection; ARI is never connected (Asterisk unreachable). */
function instance(t: TestContext, prefix: string, name: string, settings: Config): Instance {
  const connection = new Redis(REDIS_URL);
  t.after(() => connection.disconnect());
  const store = createCallbackStore(connection, prefix);
  const timers = createJobQueue(connection, prefix);
  const notifier = createNotifier(settings);
  t.after(() => notifier.close());
  const registry = new DialBackRegistry();
  const ari = createAriConnection({ url: 'http://127.0.0.1:8088', username: 'nevermiss', password: 'x', app: 'nevermiss-test', requestTimeoutMs: 1_000 }, { onEvent: () => undefined, onConnected: () => undefined, onDisconnected: () => undefined }, logger);
  const followUp = createFollowUp({
    config: () => settings,
    store,
    jobs: timers,
    notifier: () => notifier,
    clock: systemClock,
    logger,
    instanceId: name,
    publicUrl: 'http://127.0.0.1:8080',
    dialBack: async (id, person, by) => {
      await dialBacks.start(id, person, by);
    },
  });
  const dialBacks: DialBacks = createDialBacks({
    config: () => settings,
    store,
    registry,
    control: createDialBackControl(() => ari.rest(), 'nevermiss-test', { source: 'sound' }, () => Date.now()),
    followUp,
    clock: systemClock,
    timers: systemTimers,
    logger,
    instanceId: name,
  });
  // Stopped before the connection goes (t.after runs in reverse order).
  t.after(() => followUp.stopJobs());
  return { store, timers, followUp, dialBacks, registry };
}

function freshPrefix(t: TestContext): string {
  const prefix = `nm-test-${randomUUID()}`;
  t.after(() => deleteNevermissKeys(redis, prefix));
  return prefix;
}

let calls = 0;
const missed = (over: Partial<MissedCall> = {}): MissedCall => {
  calls += 1;
  const now = Date.now();
  return { callId: `call-${calls}`, caller: `+45201000${String(calls).padStart(2, '0')}`, called: '+4530123456', route: 'main', language: 'en', at: now, dueAt: now + 600_000, ...over };
};

/** Runs the instance's workers, as the active service does, until `done` holds. */
async function runJobsUntil(followUp: FollowUp, done: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  await followUp.startJobs();
  const until = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > until) throw new Error(`jobs did not get there within ${timeoutMs} ms; deliveries: ${JSON.stringify(receivers.deliveries.map((d) => [d.path, d.kind]))}`);
    await sleep(100);
  }
}

/** The ids of a callback's jobs still to run. */
const jobIds = async (timers: JobQueue, callbackId: string): Promise<string[]> =>
  (await timers.scheduled()).filter((job) => job.job.callbackId === callbackId).map((job) => job.id.replace(/^(remind\.[^.]+)\.\d+$/, '$1')).sort();
const newCallbackJobs = (id: string): string[] => [`notify.created.${id}`, `overdue.${id}`, `remind.${id}`];

test('the sweep schedules the jobs a new callback lacks, once with two instances sweeping, and never notifies it twice', async (t) => {
  const prefix = freshPrefix(t);
  const settings = config();
  const a = instance(t, prefix, 'instance-a', settings);
  const b = instance(t, prefix, 'instance-b', settings);
  receivers.deliveries.length = 0;

  // Recorded, but the scheduling that should follow never ran (Redis failed right after, or the service died).
  const { id } = await a.store.recordMissedCall(missed());
  assert.deepEqual(await jobIds(a.timers, id), []);

  const swept = await Promise.all([a.followUp.sweep(), b.followUp.sweep(), a.followUp.sweep(), b.followUp.sweep()]);
  assert.equal(swept.reduce((sum, n) => sum + n, 0), 1, 'one sweep scheduled it');
  assert.deepEqual(await jobIds(a.timers, id), newCallbackJobs(id));
  assert.equal((await a.store.get(id))?.followUp, 'scheduled');

  await runJobsUntil(a.followUp, async () => receivers.deliveries.filter((d) => d.kind === 'created').length >= 2 && (await jobIds(a.timers, id)).length === 2);
  assert.deepEqual(await jobIds(a.timers, id), [`overdue.${id}`, `remind.${id}`], 'notify created ran');

  assert.deepEqual(await Promise.all([a.followUp.sweep(), b.followUp.sweep()]), [0, 0], 'nothing left to schedule');
  assert.deepEqual(await jobIds(a.timers, id), [`overdue.${id}`, `remind.${id}`], 'notify created is not scheduled again');
  await b.followUp.startJobs();
  await sleep(1_000);
  const created = receivers.deliveries.filter((d) => d.kind === 'created' && (d.body['callback'] as { id: string }).id === id);
  assert.deepEqual(created.map((d) => d.path).sort(), ['/anna', '/bob'], 'each person told once');
});

test('callbackRecorded schedules at once and marks it; callbacks recorded before the mark existed are left alone', async (t) => {
  const prefix = freshPrefix(t);
  const a = instance(t, prefix, 'instance-a', config());
  const recorded = await a.store.recordMissedCall(missed());
  await a.followUp.callbackRecorded(recorded);
  assert.deepEqual(await jobIds(a.timers, recorded.id), newCallbackJobs(recorded.id));
  assert.equal((await a.store.get(recorded.id))?.followUp, 'scheduled');

  const older = await a.store.recordMissedCall(missed());
  await redis.hdel(a.store.keys.callback(older.id), 'followUp');
  assert.equal(await a.followUp.sweep(), 0);
  assert.deepEqual(await jobIds(a.timers, older.id), [], 'an older callback is not notified again');
});

test('a number we don\'t call back: people are told why, nothing reminds, escalates or rings, and a dial is refused', async (t) => {
  const prefix = freshPrefix(t);
  const a = instance(t, prefix, 'instance-a', config());
  const recorded = await a.store.recordMissedCall(missed({ caller: '+4590123456' }));
  await a.followUp.callbackRecorded(recorded);
  assert.deepEqual(await jobIds(a.timers, recorded.id), [`notify.created.${recorded.id}`], 'no remind, no overdue');
  const toldAnna = (): (typeof receivers.deliveries)[number] | undefined =>
    receivers.deliveries.find((d) => d.path === '/anna' && (d.body['callback'] as Record<string, unknown>)['id'] === recorded.id);
  await runJobsUntil(a.followUp, () => toldAnna() !== undefined);
  const told = toldAnna();
  assert.ok(told, 'the created notification');
  assert.equal((told.body['callback'] as Record<string, unknown>)['uncallable'], '+4590123456 is a premium-rate number; callbacks go to mobile, fixedLine (callable.types)');
  await assert.rejects(a.dialBacks.start(recorded.id, 'anna', 'api'), (err: unknown) => {
    assert.ok(isNevermissError(err, ErrorCodes.CALLBACK_UNCALLABLE), String(err));
    assert.match(err.message, /can't be dialled: \+4590123456 is a premium-rate number/);
    return true;
  });
  assert.equal((await a.store.get(recorded.id))?.status, 'pending', 'nothing was dialled');
});

test('text-backs: only to callable mobiles, and at most callable.textBack.perPrefix an hour to one number range', async (t) => {
  const prefix = freshPrefix(t);
  const settings = config(
    [`sms: { url: "${receivers.webhookUrl('/sms')}" }`, 'callable: { countries: [DK], textBack: { perPrefix: 2, prefixDigits: 8 } }'],
    ['    textBack: { window: 1h }'],
  );
  const a = instance(t, prefix, 'instance-a', settings);
  const before = receivers.texts.length;
  const range = `+45209${String(Date.now() % 1000).padStart(3, '0')}`;
  const numbers = [`${range}01`, `${range}02`, `${range}03`, `${range}04`, '+46701234567', '+4590123456'];
  for (const caller of numbers) await a.followUp.callbackRecorded(await a.store.recordMissedCall(missed({ caller })));
  // Every text-back job has run (sent, or stopped by a limit) once none is left to run.
  await runJobsUntil(a.followUp, async () => (await a.timers.scheduled()).every((job) => job.job.kind !== 'text-back'));
  const sent = receivers.texts.slice(before).map((body) => JSON.stringify(body));
  assert.equal(sent.length, 2, sent.join('\n'));
  assert.ok(sent.every((body) => body.includes(range)), 'only the Danish range, not Sweden, not premium rate');
});

test('a claim whose instance stopped midway is taken over by the sweep once its claim ran out', async (t) => {
  const prefix = freshPrefix(t);
  const a = instance(t, prefix, 'instance-a', config());
  const { id } = await a.store.recordMissedCall(missed());
  assert.ok(await a.store.claimFollowUp(id, 'instance-dead', Date.now() - 1_000, 60_000), 'claimed by an instance that then died');
  assert.equal(await a.followUp.sweep(), 0, 'its claim still holds');
  assert.ok(await a.store.claimFollowUp(id, 'instance-dead-2', Date.now() - 61_000, 0) === null);
  await redis.hset(a.store.keys.callback(id), 'followUpLeaseUntil', String(Date.now() - 1));
  assert.equal(await a.followUp.sweep(), 1);
  assert.deepEqual(await jobIds(a.timers, id), newCallbackJobs(id));
});

test('jobs run side by side: a receiver that stalls for seconds does not hold up a delivery to another', async (t) => {
  const prefix = freshPrefix(t);
  const a = instance(t, prefix, 'instance-a', config());
  receivers.deliveries.length = 0;
  const STALL_MS = 4_000;
  receivers.stall('/anna', STALL_MS);
  t.after(() => receivers.stall('/anna', 0));

  const recorded = await a.store.recordMissedCall(missed());
  await a.followUp.callbackRecorded(recorded);
  // anna's delivery is scheduled before bob's: one at a time, bob would wait for anna.
  await runJobsUntil(a.followUp, () => receivers.deliveries.some((d) => d.path === '/bob' && d.kind === 'created'));
  const anna = receivers.deliveries.find((d) => d.path === '/anna' && d.kind === 'created');
  const bob = receivers.deliveries.find((d) => d.path === '/bob' && d.kind === 'created');
  assert.ok(anna && bob, 'both receivers were reached');
  assert.ok(bob.at - anna.at < 1_500, `bob was told ${bob.at - anna.at} ms after anna's receiver started stalling`);
  await runJobsUntil(a.followUp, async () => (await a.store.history(recorded.id)).filter((e) => e.event === 'notified').length >= 2);
  const history = await a.store.history(recorded.id);
  assert.deepEqual(history.filter((e) => e.event === 'notified').map((e) => e.detail).sort(), ['created to anna by webhook', 'created to bob by webhook']);
});

test('jobConcurrency bounds how many jobs one instance runs at once', async (t) => {
  const prefix = freshPrefix(t);
  const a = instance(t, prefix, 'instance-a', config(['  jobConcurrency: 1']));
  receivers.deliveries.length = 0;
  receivers.stall('/anna', 1_500);
  t.after(() => receivers.stall('/anna', 0));
  const recorded = await a.store.recordMissedCall(missed());
  await a.followUp.callbackRecorded(recorded);
  await runJobsUntil(a.followUp, () => receivers.deliveries.some((d) => d.path === '/bob' && d.kind === 'created'));
  const anna = receivers.deliveries.find((d) => d.path === '/anna' && d.kind === 'created');
  const bob = receivers.deliveries.find((d) => d.path === '/bob' && d.kind === 'created');
  assert.ok(anna && bob);
  assert.ok(bob.at - anna.at >= 1_400, 'with one slot, bob waits for anna');
});

test('a dial-back that cannot ring (ARI unreachable): the coded error, the callback pending again at once with history, and nothing left dialing', async (t) => {
  const prefix = freshPrefix(t);
  const a = instance(t, prefix, 'instance-a', config());
  const { id } = await a.store.recordMissedCall(missed());
  await assert.rejects(a.dialBacks.start(id, 'anna', 'api'), (err: unknown) => {
    assert.ok(isNevermissError(err, ErrorCodes.ARI_UNREACHABLE), String(err));
    assert.match(err.message, /could not ring anna's phones to call back callback "cb-[a-z0-9]+": NM_ARI_UNREACHABLE: not connected to ARI.*pending again/);
    return true;
  });
  const callback = await a.store.get(id);
  assert.deepEqual([callback?.status, callback?.dialingBy, callback?.dialAttempts], ['pending', undefined, 0]);
  const last = (await a.store.history(id)).at(-1);
  assert.deepEqual([last?.event, last?.from, last?.to, last?.by], ['dial-abandoned', 'dialing', 'pending', 'api: anna']);
  assert.match(last?.detail ?? '', /did not start: could not ring anna's phones: NM_ARI_UNREACHABLE/);
  assert.equal(a.registry.forCallback(id), undefined, 'no session left behind');
  await assert.rejects(a.dialBacks.start(id, 'anna', 'api'), (err: unknown) => isNevermissError(err, ErrorCodes.ARI_UNREACHABLE), 'a second try is refused the same way, not as busy');
});

test('the dial sweep returns a callback whose dialing service stopped to pending once, with two instances sweeping', async (t) => {
  const prefix = freshPrefix(t);
  const settings = config(['  dialLease: 5s']);
  const a = instance(t, prefix, 'instance-a', settings);
  const b = instance(t, prefix, 'instance-b', settings);
  const { id } = await a.store.recordMissedCall(missed());
  // A service that dialled 6 s ago with a 5 s lease and was never heard of again.
  await a.store.startDial(id, 'api: anna', Date.now() - 6_000, { dialId: `dialback-${id}-gone`, leaseMs: 5_000 });
  const fresh = await a.store.recordMissedCall(missed());
  await a.store.startDial(fresh.id, 'api: bob', Date.now(), { dialId: `dialback-${fresh.id}-live`, leaseMs: 5_000 });

  const abandoned = await Promise.all([a.dialBacks.sweep(), b.dialBacks.sweep(), a.dialBacks.sweep(), b.dialBacks.sweep()]);
  assert.equal(abandoned.reduce((sum, n) => sum + n, 0), 1);
  assert.equal((await a.store.get(id))?.status, 'pending');
  assert.equal((await a.store.get(fresh.id))?.status, 'dialing', 'a dial whose lease holds is left alone');
  const entries = (await a.store.history(id)).filter((e) => e.event === 'dial-abandoned');
  assert.equal(entries.length, 1);
  assert.match(entries[0]?.detail ?? '', /^dial-back abandoned: the service that dialled stopped \(api: anna; its lease ran out\)$/);
  assert.match(entries[0]?.by ?? '', /^sweep:instance-[ab]$/);
});

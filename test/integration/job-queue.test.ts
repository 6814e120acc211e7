/**
 * The follow-up jobs on BullMQ against a real Redis and real receivers: ids make scheduling
 * idempotent, a failed delivery waits out the backoff table, a refused one fails at once, closing
 * a callback removes its waiting jobs, jobs of the old sorted set are moved over, a slow channel
 * does not hold up another, and three worker processes on one Redis, one killed with SIGKILL
 * mid-job, run every job of many callbacks with each delivery reaching its receiver under one id.
 */
import { after, before, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import winston from 'winston';
import { deleteNevermissKeys } from '../support/redis.js';
import { REDIS_URL, REPO_ROOT } from '../support/sandbox.js';
import { startReceivers, type Receivers } from '../support/receivers.js';
import { formatProblem, parseConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/types.js';
import { createCallbackStore, type CallbackStore } from '../../src/callbacks/store.js';
import { createJobQueue, jobToJson, type JobInfo, type JobQueue } from '../../src/callbacks/job-queue.js';
import { systemClock } from '../../src/clock/clock.js';
import { createNotifier } from '../../src/notify/notifier.js';
import { createFollowUp, type FollowUp } from '../../src/follow-up/follow-up.js';

const SECRET = 'integration-job-queue-secret';
const redis = new Redis(REDIS_URL);
const logger = winston.createLogger({ silent: true });
let receivers: Receivers;
const dir = mkdtempSync(join(tmpdir(), 'nevermiss-jobs-'));

before(async () => {
  assert.equal(await redis.ping(), 'PONG');
  receivers = await startReceivers(SECRET);
});

after(async () => {
  await receivers.close();
  redis.disconnect();
  rmSync(dir, { recursive: true, force: true });
});

/** anna hears on /anna (webhook), bob on /bob (webhook) or by e-mail; bob is escalated to. */
function yaml(extra: readonly string[] = [], bobByMail = false): string {
  return [
    'ari: { url: http://127.0.0.1:8088, username: nevermiss, password: secret }',
    'prompts: { source: sound }',
    `smtp: { url: "${receivers.smtpUrl}", from: "nevermiss@example.dk" }`,
    'people:',
    '  anna:',
    '    phones: { desk: PJSIP/owner-desk }',
    `    notify: { webhook: { url: "${receivers.webhookUrl('/anna')}", secret: "${SECRET}" } }`,
    '  bob:',
    '    phones: { desk: PJSIP/colleague }',
    bobByMail ? '    notify: { email: bob@example.dk }' : `    notify: { webhook: { url: "${receivers.webhookUrl('/bob')}", secret: "${SECRET}" } }`,
    'routes:',
    '  main:',
    '    numbers: ["+4530123456"]',
    '    hunt: [{ ring: [anna], timeout: 20s }]',
    'defaultRoute: main',
    'callbacks:',
    '  notify: [anna, bob]',
    '  escalateTo: [bob]',
    ...extra,
    '',
  ].join('\n');
}

function config(text: string): Config {
  const result = parseConfig(text, 'jobs.yaml', {});
  if (!result.ok) assert.fail(result.problems.map(formatProblem).join('\n'));
  return result.config;
}

interface Instance {
  readonly store: CallbackStore;
  readonly jobs: JobQueue;
  readonly followUp: FollowUp;
}

function instance(t: TestContext, prefix: string, settings: Config): Instance {
  const connection = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  t.after(() => connection.disconnect());
  const store = createCallbackStore(connection, prefix);
  const jobs = createJobQueue(connection, prefix, { lockMs: 2_000 });
  const notifier = createNotifier(settings);
  t.after(() => notifier.close());
  const followUp = createFollowUp({
    config: () => settings, store, jobs, notifier: () => notifier, clock: systemClock, logger, instanceId: 'jobs-test', publicUrl: 'http://127.0.0.1:8080',
    dialBack: () => Promise.resolve(),
  });
  t.after(() => jobs.close());
  return { store, jobs, followUp };
}

function freshPrefix(t: TestContext): string {
  const prefix = `nm-jobs-${randomUUID()}`;
  t.after(() => deleteNevermissKeys(redis, prefix));
  return prefix;
}

let calls = 0;
async function newCallback(i: Instance, dueInMs: number): Promise<string> {
  calls += 1;
  const now = Date.now();
  const recorded = await i.store.recordMissedCall({
    callId: `call-${calls}-${randomUUID()}`, caller: `+45201${String(calls).padStart(5, '0')}`, called: '+4530123456', route: 'main', language: 'en', at: now, dueAt: now + dueInMs,
  });
  await i.followUp.callbackRecorded(recorded);
  return recorded.id;
}

async function until(what: string, probe: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

const table = (rows: readonly JobInfo[]): string =>
  rows.map((row) => { const j = jobToJson(row); return `${j.id.padEnd(44)} ${j.queue.padEnd(16)} ${j.state.padEnd(10)} due ${j.dueAt} attempts ${j.attemptsMade}${j.startedAt ? ` ran ${j.startedAt}` : ''}${j.finishedAt ? ` done ${j.finishedAt}` : ''}`; }).join('\n');

test('scheduling the same job twice adds it once; closing a callback removes its waiting jobs in one place', async (t) => {
  const i = instance(t, freshPrefix(t), config(yaml()));
  const id = await newCallback(i, 600_000);
  const ids = async (): Promise<string[]> => (await i.jobs.scheduled()).filter((row) => row.job.callbackId === id).map((row) => row.id.replace(/^(remind\.[^.]+)\.\d+$/, '$1')).sort();
  assert.deepEqual(await ids(), [`notify.created.${id}`, `overdue.${id}`, `remind.${id}`]);
  assert.equal(await i.jobs.add({ kind: 'overdue', callbackId: id }, Date.now() + 5_000, Date.now()), false, 'the same id: a no-op');
  assert.equal(await i.followUp.sweep(), 0);
  await i.followUp.callbackRecorded({ id, created: true });
  assert.deepEqual(await ids(), [`notify.created.${id}`, `overdue.${id}`, `remind.${id}`], 'told twice, scheduled once');
  const overdue = (await i.jobs.scheduled()).find((row) => row.id === `overdue.${id}`);
  assert.equal(overdue?.state, 'delayed');

  const before = Date.now();
  await i.followUp.attemptFailed(id);
  const reminders = (await i.jobs.scheduled()).filter((row) => row.job.kind === 'remind' && row.job.callbackId === id);
  assert.equal(reminders.length, 1, 'a failed attempt replaces the reminder that waited');
  assert.ok((reminders[0]?.dueAt ?? 0) >= before + 10 * 60_000, 'after callbacks.retryPause (10 min by default)');

  const closed = await i.store.close(id, 'done', 'test', Date.now());
  await i.followUp.closed(closed);
  assert.deepEqual(await ids(), [`notify.created.${id}`, `notify.done.${id}`], 'reminder and overdue gone; the news of done waits to go out');
});

test('a delivery that fails waits out the backoff table; one the receiver refuses for good fails at once', async (t) => {
  const prefix = freshPrefix(t);
  const i = instance(t, prefix, config(yaml()));
  const id = await newCallback(i, 600_000);
  // anna's receiver is gone (connection refused: worth a retry); bob's rejects the signature (401: not).
  const bad = config(yaml().replace(receivers.webhookUrl('/anna'), 'http://127.0.0.1:9/anna').replace(`/bob", secret: "${SECRET}"`, '/bob", secret: "wrong-secret-wrong-secret-wrong-secret"'));
  const notifier = createNotifier(bad);
  t.after(() => notifier.close());
  const runner = createFollowUp({
    config: () => bad, store: i.store, jobs: i.jobs, notifier: () => notifier, clock: systemClock, logger, instanceId: 'jobs-test', publicUrl: 'http://127.0.0.1:8080',
    dialBack: () => Promise.resolve(),
  });
  const started = Date.now();
  await runner.startJobs();
  t.after(() => runner.stopJobs());
  const anna = `deliver.created.${id}.anna.webhook`;
  const bob = `deliver.created.${id}.bob.webhook`;
  await until('anna retrying and bob failed', async () => {
    const rows = await i.jobs.allOf(new Set([id]));
    return rows.some((row) => row.id === anna && row.state === 'delayed' && row.attemptsMade === 1) && rows.some((row) => row.id === bob && row.state === 'failed');
  });
  const rows = await i.jobs.allOf(new Set([id]));
  t.diagnostic(`\n${table(rows)}`);
  const annaRow = rows.find((row) => row.id === anna);
  assert.ok(annaRow && annaRow.dueAt - started >= 10_000 && annaRow.dueAt - started < 13_000, `the first retry waits 10 s: ${JSON.stringify(annaRow && jobToJson(annaRow))}`);
  const bobRow = rows.find((row) => row.id === bob);
  assert.equal(bobRow?.attemptsMade, 1, 'a 401 is not retried');
  assert.match(bobRow?.failedReason ?? '', /NM_NOTIFY_FAILED/);
});

test('a stalled channel does not hold up another, even with one job at a time per queue', async (t) => {
  const i = instance(t, freshPrefix(t), config(yaml(['  jobConcurrency: 1'], true)));
  receivers.stall('/anna', 3_000);
  t.after(() => receivers.stall('/anna', 0));
  const before = receivers.mails.length;
  const id = await newCallback(i, 600_000);
  const started = Date.now();
  await i.followUp.startJobs();
  t.after(() => i.followUp.stopJobs());
  await until('the mail to bob', () => receivers.mails.slice(before).some((mail) => mail.to.includes('bob@example.dk') && mail.raw.includes(id)));
  assert.ok(Date.now() - started < 2_500, `bob's e-mail went out ${Date.now() - started} ms after the start, while anna's webhook stalled`);
});

test('jobs left in the queue that came before BullMQ are moved over at start, at their due times, and the old keys go', async (t) => {
  const prefix = freshPrefix(t);
  const i = instance(t, prefix, config(yaml()));
  const { keys } = i.jobs;
  const now = Date.now();
  const cb = await i.store.recordMissedCall({ callId: `legacy-${randomUUID()}`, caller: '+4520999999', called: '+4530123456', route: 'main', language: 'en', at: now, dueAt: now + 600_000 });
  // As the old scheduleTimer-3.lua left them: a hash per job, the sorted set, the set per callback.
  const legacy = [
    { id: `remind:${cb.id}`, kind: 'remind', data: '{}', dueAt: now + 300_000 },
    { id: `overdue:${cb.id}`, kind: 'overdue', data: '{}', dueAt: now + 600_000 },
    { id: `deliver:created:${cb.id}:anna:webhook`, kind: 'deliver', data: JSON.stringify({ channel: 'webhook', event: 'created', person: 'anna' }), dueAt: now + 60_000 },
    { id: `textback:+4520999999`, kind: 'textback', data: '{}', dueAt: now + 60_000 },
    { id: `dial-retry:${cb.id}`, kind: 'dial-retry', data: '{}', dueAt: now + 60_000 },
  ];
  for (const job of legacy) {
    await redis.hset(keys.legacyTimer(job.id), { id: job.id, kind: job.kind, callbackId: cb.id, data: job.data, dueAt: job.dueAt, rev: 1, claims: 0 });
    await redis.zadd(keys.legacyTimers, job.dueAt, job.id);
    await redis.sadd(keys.legacyTimersOfCallback(cb.id), job.id);
  }
  assert.equal(await i.jobs.adoptLegacyTimers(now), 4, 'every kind that still exists');
  const rows = await i.jobs.scheduled();
  t.diagnostic(`\n${table(rows)}`);
  assert.deepEqual(rows.map((row) => [row.id, row.state, Math.round((row.dueAt - now) / 1000)]), [
    [`deliver.created.${cb.id}.anna.webhook`, 'delayed', 60],
    [`text-back.${cb.id}.0`, 'delayed', 60],
    [`remind.${cb.id}.${now + 300_000}`, 'delayed', 300],
    [`overdue.${cb.id}`, 'delayed', 600],
  ]);
  assert.deepEqual(await redis.exists(keys.legacyTimers, keys.legacyTimersOfCallback(cb.id), ...legacy.map((job) => keys.legacyTimer(job.id))), 0, 'the old keys are gone');
  assert.equal(await i.jobs.adoptLegacyTimers(now), 0, 'a second start finds nothing');
});

/** A worker set in a process of its own (test/support/follow-up-worker.ts). */
interface WorkerProcess {
  readonly child: ChildProcess;
  readonly started: Set<string>;
  readonly ended: Set<string>;
  ready: Promise<void>;
}

function spawnWorker(configFile: string, prefix: string, name: string): WorkerProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'test', 'support', 'follow-up-worker.ts'), configFile, prefix, '2000', name], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  const started = new Set<string>();
  const ended = new Set<string>();
  let markReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  let buffer = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    buffer += chunk.toString('utf8');
    const lines = buffer.split('\n');
    buffer = lines.pop() ?? '';
    for (const line of lines) {
      if (line === 'ready') markReady();
      else if (line.startsWith('{')) {
        const event = JSON.parse(line) as { start?: string; end?: string };
        if (event.start !== undefined) started.add(event.start);
        if (event.end !== undefined) ended.add(event.end);
      }
    }
  });
  return { child, started, ended, ready };
}

test('three worker processes on one Redis, one killed (SIGKILL) mid-job: every job of 30 callbacks runs, and each delivery reaches its receiver under one id', async (t) => {
  const prefix = freshPrefix(t);
  const text = yaml();
  const configFile = join(dir, `${prefix}.yaml`);
  writeFileSync(configFile, text);
  const i = instance(t, prefix, config(text));
  receivers.deliveries.length = 0;
  // Every delivery takes 400 ms at the receiver, so the killed process surely holds some mid-send.
  receivers.stall('/anna', 400);
  receivers.stall('/bob', 400);
  t.after(() => {
    receivers.stall('/anna', 0);
    receivers.stall('/bob', 0);
  });

  const workers = ['w1', 'w2', 'w3'].map((name) => spawnWorker(configFile, prefix, name));
  t.after(() => {
    for (const w of workers) if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGTERM');
  });
  await Promise.all(workers.map((w) => w.ready));

  // 30 callbacks due in 8 s: each is told of (anna, bob), reminded (anna, bob), overdue (anna, bob) and escalated (bob).
  const CALLBACKS = 30;
  const ids: string[] = [];
  for (let n = 0; n < CALLBACKS; n += 1) ids.push(await newCallback(i, 8_000));
  const first = ids[0] ?? assert.fail();
  t.diagnostic(`jobs of ${first} at creation:\n${table((await i.jobs.allOf(new Set([first]))))}`);
  const expected = new Set(ids.flatMap((id) => [
    ...['created', 'reminder', 'overdue'].flatMap((event) => ['anna', 'bob'].map((person) => `deliver.${event}.${id}.${person}.webhook`)),
    `deliver.escalated.${id}.bob.webhook`,
  ]));

  const [victim] = workers as [WorkerProcess, ...WorkerProcess[]];
  await until('the first worker mid-job', () => [...victim.started].some((id) => id.startsWith('deliver.') && !victim.ended.has(id)));
  victim.child.kill('SIGKILL');
  await sleep(300); // what it wrote before it died is still read from the pipe
  const inFlight = [...victim.started].filter((id) => !victim.ended.has(id));
  t.diagnostic(`killed w1 with ${inFlight.length} job(s) in flight: ${inFlight.join(', ')}`);

  const unique = (): Set<string> => new Set(receivers.deliveries.map((d) => d.deliveryId));
  await until(`all ${expected.size} deliveries`, () => unique().size >= expected.size, 60_000);
  await sleep(1_000); // anything that would arrive twice has time to

  const arrivals = new Map<string, number>();
  for (const d of receivers.deliveries) arrivals.set(d.deliveryId, (arrivals.get(d.deliveryId) ?? 0) + 1);
  assert.deepEqual([...unique()].sort(), [...expected].sort(), 'every delivery, and no other');
  assert.ok(receivers.deliveries.every((d) => d.signatureValid));
  const repeated = [...arrivals].filter(([, n]) => n > 1).map(([id]) => id);
  t.diagnostic(`${receivers.deliveries.length} arrivals, ${unique().size} deliveries (distinct ids); sent again after the kill: ${repeated.length} (${repeated.join(', ')})`);
  assert.ok(repeated.every((id) => inFlight.includes(id)), 'only a delivery the killed process held mid-send is sent again, and under the same id');
  assert.ok(repeated.every((id) => arrivals.get(id) === 2), 'at most once more');
  for (const id of inFlight.filter((job) => job.startsWith('deliver.'))) assert.ok(unique().has(id), `${id}, cut off by the kill, was delivered by another worker`);

  await until('every job done', async () => (await i.jobs.scheduled()).filter((row) => ids.includes(row.job.callbackId)).length === 0, 20_000);
  const done = await i.jobs.allOf(new Set([first]));
  t.diagnostic(`jobs of ${first} once done:\n${table(done)}`);
  assert.ok(done.every((row) => row.state === 'completed'), table(done));
  assert.equal(done.length, 1 + 2 + 1 + 2 + 1 + 1 + 2 + 1 + 1, 'notify created and its 2 deliveries, remind and 2, overdue, notify overdue and 2, escalate and 1');
});

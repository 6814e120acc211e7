/**
 * Redis slow or gone at the moment of the promise: the call records (src/callbacks/records.ts)
 * against a real Redis behind the fault proxy, with the real spool in a temporary folder and the
 * real follow-up. Black hole and cut, a restart of the process (a new spool on the same file),
 * replays that must never double anything, a torn last line, and a spool that can't be written.
 */
import { after, afterEach, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { appendFileSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import winston from 'winston';

import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { deleteNevermissKeys, ensureRedis } from '../support/redis.js';
import { formatProblem, parseConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/types.js';
import { decide } from '../../src/routing/decide.js';
import { createCallbackStore, type CallbackStore } from '../../src/callbacks/store.js';
import { createJobQueue, type JobQueue } from '../../src/callbacks/job-queue.js';
import { openSpool, SPOOL_FILE, type Spool } from '../../src/callbacks/spool.js';
import { encodeEntry, parseSpool, provisionalCallbackId } from '../../src/callbacks/spool-format.js';
import { createCallRecords, SPOOLED_NOTE, type SpooledCallRecords } from '../../src/callbacks/records.js';
import { createFollowUp, type FollowUp } from '../../src/follow-up/follow-up.js';
import { createStatusStore } from '../../src/callbacks/status.js';
import { createUsedLinks } from '../../src/callbacks/used-links.js';
import { createRecordsReader } from '../../src/callbacks/reader.js';
import { buildReport, requestedPeriod } from '../../src/figures/query.js';
import { createNotifier } from '../../src/notify/notifier.js';
import { buildHttp } from '../../src/http/server.js';
import { ErrorCodes, isNevermissError } from '../../src/errors.js';
import type { CallFacts, HuntPlan, Outcome } from '../../src/call-flow/types.js';

const BOUND_MS = 400;
const DID = '+4530123456';
const logger = winston.createLogger({ silent: true });

const config = ((): Config => {
  const yaml = [
    'ari: { url: "http://127.0.0.1:8088", username: nevermiss, password: secret }',
    'prompts: { source: sound }',
    'people:',
    '  owner:',
    '    phones: { desk: PJSIP/owner-desk }',
    'routes:',
    '  main:',
    `    numbers: ["${DID}"]`,
    '    hunt: [{ ring: [owner], timeout: 2s }]',
    'defaultRoute: main',
  ].join('\n');
  const result = parseConfig(`${yaml}\n`, 'spool-test.yaml', {});
  if (!result.ok) assert.fail(result.problems.map(formatProblem).join('\n'));
  return result.config;
})();

let proxy: FaultProxy;
let direct: Redis;
const cleanups: Array<() => Promise<void> | void> = [];

before(async () => {
  await ensureRedis();
  proxy = await startFaultProxy({ host: '127.0.0.1', port: 6379 });
  direct = new Redis('redis://127.0.0.1:6379/0');
});

afterEach(async () => {
  proxy.heal();
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

after(async () => {
  await proxy.close();
  direct.disconnect();
});

interface Bench {
  readonly dir: string;
  readonly prefix: string;
  /** Through the fault proxy: what the service sees. */
  readonly proxied: Redis;
  readonly store: CallbackStore;
  readonly timers: JobQueue;
  readonly followUp: FollowUp;
  /** Straight to Redis: what is really there. */
  readonly truth: CallbackStore;
  readonly truthTimers: JobQueue;
  spool: Spool;
  records: SpooledCallRecords;
  /** A new spool and records on the same folder, as after a restart of the process. */
  restart(): Promise<void>;
}

async function bench(): Promise<Bench> {
  const dir = mkdtempSync(join(tmpdir(), 'nevermiss-spool-'));
  const prefix = `nm-spool-${randomUUID()}`;
  const proxied = new Redis({ host: '127.0.0.1', port: proxy.port, commandTimeout: BOUND_MS, maxRetriesPerRequest: 1, retryStrategy: () => 100 });
  proxied.on('error', () => undefined);
  const store = createCallbackStore(proxied, prefix);
  const timers = createJobQueue(proxied, prefix);
  const followUp = createFollowUp({
    config: () => config,
    store,
    jobs: timers,
    notifier: () => createNotifier(config),
    clock: { now: () => Date.now() },
    logger,
    instanceId: 'spool-test',
    publicUrl: 'http://127.0.0.1:8080',
    dialBack: () => Promise.resolve(),
  });
  const recordsOn = (spool: Spool): SpooledCallRecords =>
    createCallRecords({
      store,
      spool,
      listeners: { recorded: (cb) => followUp.callbackRecorded(cb), closed: (cb) => followUp.closed(cb) },
      logger,
      boundMs: BOUND_MS,
    });
  const spool = await openSpool(dir);
  const b: Bench = {
    dir,
    prefix,
    proxied,
    store,
    timers,
    followUp,
    truth: createCallbackStore(direct, prefix),
    truthTimers: createJobQueue(direct, prefix),
    spool,
    records: recordsOn(spool),
    async restart() {
      await b.spool.close();
      b.spool = await openSpool(dir);
      b.records = recordsOn(b.spool);
    },
  };
  cleanups.push(async () => {
    await b.spool.close().catch(() => undefined);
    proxied.disconnect();
    await deleteNevermissKeys(direct, prefix);
    rmSync(dir, { recursive: true, force: true });
  });
  return b;
}

function call(callId: string, caller = '+4520111111', startedAt = Date.now()): { facts: CallFacts & { caller: string }; plan: HuntPlan } {
  const decision = decide(config, { callId, called: DID, callerRaw: caller, callerName: '', now: startedAt, status: { mode: 'normal', until: null } });
  return { facts: { callId, caller, callerName: '', called: DID, startedAt }, plan: decision.plan };
}

const pendingOutcome = (callbackId: string, dueAt: number): Outcome => ({ kind: 'callback-pending', callbackId, reason: 'no-answer', promise: 'within', dueAt });

async function followUpJobs(b: Bench, callbackId: string): Promise<string[]> {
  return (await b.truthTimers.scheduled()).filter((job) => job.job.callbackId === callbackId && job.job.kind !== 'text-back').map((job) => withoutDueTime(job.id)).sort();
}

/** A reminder's id ends in its due time; the tests compare the rest. */
function withoutDueTime(id: string): string {
  return id.replace(/^(remind\.[^.]+)\.\d+$/, '$1');
}

const expectedJobs = (id: string): string[] => [`notify.created.${id}`, `overdue.${id}`, `remind.${id}`];

/** Makes sure Redis has the record script cached, so a first attempt is a single EVALSHA. */
async function warmUp(b: Bench): Promise<void> {
  const { facts, plan } = call(`warm-${randomUUID()}`, '+4520101010');
  const warm = await b.records.recordMissedCall(facts, plan, 'no-answer', Date.now() + 600_000, Date.now());
  // Its follow-up runs after the promise; let it finish before Redis is cut off (else it is spooled, rightly).
  await waitFor('the follow-up of the warm-up call', async () => (await followUpJobs(b, warm.id)).length === 3);
  await b.truth.close(warm.id, 'cancelled', 'test', Date.now());
  await b.truthTimers.removeAllOf(new Set([warm.id]));
}

async function waitFor<T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs = 5_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > until) assert.fail(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

test('Redis black-holed: the missed call lands in the spool within the bound, and its outcome waits behind it at once', async () => {
  const b = await bench();
  proxy.blackhole();
  const { facts, plan } = call('bh-1');
  const now = Date.now();
  const dueAt = now + 600_000;

  const started = Date.now();
  const recorded = await b.records.recordMissedCall(facts, plan, 'no-answer', dueAt, now);
  const waited = Date.now() - started;
  assert.ok(waited >= BOUND_MS - 20 && waited < BOUND_MS + 400, `the promise waited ${waited} ms for Redis (bound ${BOUND_MS} ms)`);
  assert.deepEqual(recorded, { id: provisionalCallbackId('bh-1'), dueAt, attempts: 1 });
  assert.equal(b.spool.stats().depth, 1);
  assert.equal(b.spool.stats().oldestAt, now);
  const onDisk = parseSpool(readFileSync(join(b.dir, SPOOL_FILE), 'utf8'));
  assert.deepEqual(onDisk.entries.map((item) => item.entry.kind), ['missed-call'], 'on disk before the promise');

  const logStarted = Date.now();
  await b.records.logOutcome(facts, plan, pendingOutcome(recorded.id, dueAt), Date.now());
  assert.ok(Date.now() - logStarted < 200, 'the outcome does not wait for Redis: its callback is in the spool');
  assert.equal(b.spool.stats().depth, 2);
});

test('a first attempt that reached Redis too late: the replay is a duplicate, and the follow-up is still scheduled, once', async () => {
  const b = await bench();
  await warmUp(b);
  proxy.blackhole();
  const { facts, plan } = call('late-1', '+4520222222');
  const now = Date.now();
  const recorded = await b.records.recordMissedCall(facts, plan, 'no-answer', now + 600_000, now);
  await b.records.logOutcome(facts, plan, pendingOutcome(recorded.id, now + 600_000), Date.now());
  assert.equal(b.spool.stats().depth, 2);

  proxy.heal();
  // The script sent into the black hole reaches Redis now; its answer finds nobody waiting.
  const id = await waitFor('the late first attempt', () => b.truth.callbackOfCall('late-1'));
  assert.deepEqual(await followUpJobs(b, id), [], 'nobody scheduled the follow-up of the late attempt');

  const result = await b.records.replay();
  assert.deepEqual(result, { kind: 'done', replayed: 2 });
  assert.equal(b.spool.stats().depth, 0);
  const pending = (await b.truth.listPending()).filter((cb) => cb.caller === '+4520222222');
  assert.deepEqual(pending.map((cb) => [cb.id, cb.attempts]), [[id, 1]], 'exactly one callback, counted once');
  assert.deepEqual(await followUpJobs(b, id), expectedJobs(id));
  const logged = await b.truth.getCall('late-1');
  assert.equal(logged?.outcome.kind === 'callback-pending' && logged.outcome.callbackId, id, 'the call log names the real callback');
});

test('Redis cut: nothing reaches it; after heal the replay creates exactly one callback with its follow-up, and a second replay is a no-op', async () => {
  const b = await bench();
  await warmUp(b);
  proxy.cut(60_000);
  const { facts, plan } = call('cut-1', '+4520333333');
  const now = Date.now();
  const started = Date.now();
  const recorded = await b.records.recordMissedCall(facts, plan, 'no-answer', now + 600_000, now);
  assert.ok(Date.now() - started < BOUND_MS + 400);
  await b.records.logOutcome(facts, plan, pendingOutcome(recorded.id, now + 600_000), Date.now());
  const stopped = await b.records.replay();
  assert.equal(stopped.kind, 'stopped', 'Redis is still gone');
  assert.equal(b.spool.stats().depth, 2, 'nothing is dropped by a replay that failed');

  proxy.heal();
  const result = await waitFor('a replay that goes through', async () => {
    const attempt = await b.records.replay();
    return attempt.kind === 'done' ? attempt : null;
  });
  assert.deepEqual(result, { kind: 'done', replayed: 2 });
  const [callback] = (await b.truth.listPending()).filter((cb) => cb.caller === '+4520333333');
  assert.ok(callback);
  assert.equal(callback.attempts, 1);
  assert.equal(Math.abs(callback.dueAt - (now + 600_000)) < 1, true);
  const history = await b.truth.history(callback.id);
  assert.deepEqual(history.map((entry) => [entry.event, entry.detail]), [['created', SPOOLED_NOTE]], 'the history says how it was kept');
  assert.deepEqual(await followUpJobs(b, callback.id), expectedJobs(callback.id));
  const logged = await b.truth.getCall('cut-1');
  assert.equal(logged?.outcome.kind === 'callback-pending' && logged.outcome.callbackId, callback.id);

  // The notification went out (its job is done and gone); the same record replayed again must not send it twice.
  assert.equal(await b.truthTimers.remove({ kind: 'notify', callbackId: callback.id, event: 'created' }), true);
  await b.spool.append({ kind: 'missed-call', spooledAt: now, call: { callId: 'cut-1', caller: '+4520333333', called: DID, route: 'main', language: 'en', at: now, dueAt: now + 600_000 } });
  assert.deepEqual(await b.records.replay(), { kind: 'done', replayed: 1 });
  assert.deepEqual(await b.records.replay(), { kind: 'done', replayed: 0 }, 'an empty spool replays nothing');
  assert.equal((await b.truth.listPending()).filter((cb) => cb.caller === '+4520333333').length, 1);
  assert.equal((await b.truth.get(callback.id))?.attempts, 1);
  assert.equal((await b.truth.history(callback.id)).length, 1);
  assert.deepEqual(await followUpJobs(b, callback.id), [`overdue.${callback.id}`, `remind.${callback.id}`], 'no second "created" notification');
});

test('the spool survives a restart of the process, and a crash in the middle of a replay changes nothing when it is replayed again', async () => {
  const b = await bench();
  proxy.cut(60_000);
  const first = call('restart-1', '+4520444444');
  const second = call('restart-2', '+4520444444');
  const withheld = call('restart-3', '+4520555555');
  const now = Date.now();
  await b.records.recordMissedCall(first.facts, first.plan, 'no-answer', now + 600_000, now);
  await b.records.recordMissedCall(second.facts, second.plan, 'caller-hung-up', now + 900_000, now + 10);
  await b.records.storeMessage(withheld.facts, withheld.plan, 'message-restart-3', now + 20);
  assert.equal(b.spool.stats().depth, 3);

  await b.restart();
  assert.deepEqual(b.spool.stats(), { depth: 3, oldestAt: now });
  const before = readFileSync(join(b.dir, SPOOL_FILE), 'utf8');

  proxy.heal();
  await waitFor('a replay that goes through', async () => (await b.records.replay()).kind === 'done');
  const [callback] = (await b.truth.listPending()).filter((cb) => cb.caller === '+4520444444');
  assert.equal(callback?.attempts, 2, 'two missed calls from one number fold into one callback');
  assert.equal(callback.dueAt, now + 600_000, 'the earliest promise holds');
  assert.deepEqual((await b.truth.listMessages()).map((message) => message.recording), ['message-restart-3']);

  // A crash after the entries were applied but before the file was rewritten: the old file is back.
  await b.spool.close();
  writeFileSync(join(b.dir, SPOOL_FILE), before);
  await b.restart();
  assert.equal(b.spool.stats().depth, 3);
  assert.deepEqual(await b.records.replay(), { kind: 'done', replayed: 3 });
  const again = (await b.truth.listPending()).filter((cb) => cb.caller === '+4520444444');
  assert.deepEqual(again.map((cb) => [cb.id, cb.attempts]), [[callback.id, 2]]);
  assert.deepEqual((await b.truth.history(callback.id)).map((entry) => entry.event), ['created', 'called-again']);
  assert.equal((await b.truth.listMessages()).length, 1);
  assert.deepEqual(await followUpJobs(b, callback.id), expectedJobs(callback.id));
});

test('a torn last line (a crash during an append) is dropped; the entries before it are replayed and new ones append cleanly', async () => {
  const b = await bench();
  await b.spool.close();
  const now = Date.now();
  const whole = encodeEntry({ kind: 'missed-call', spooledAt: now, call: { callId: 'torn-1', caller: '+4520666666', called: DID, route: 'main', language: 'en', at: now, dueAt: now + 600_000 } });
  const cut = encodeEntry({ kind: 'missed-call', spooledAt: now, call: { callId: 'torn-2', caller: '+4520777777', called: DID, route: 'main', language: 'en', at: now, dueAt: now + 600_000 } });
  writeFileSync(join(b.dir, SPOOL_FILE), whole + cut.slice(0, 30));

  await b.restart();
  assert.deepEqual(b.spool.recovery, { entries: 1, tornBytes: 30, unreadable: 0 });
  assert.equal(b.spool.stats().depth, 1);
  proxy.cut(60_000);
  const next = call('torn-3', '+4520888888');
  await b.records.recordMissedCall(next.facts, next.plan, 'no-answer', now + 600_000, now);
  const onDisk = parseSpool(readFileSync(join(b.dir, SPOOL_FILE), 'utf8'));
  assert.equal(onDisk.torn, null);
  assert.deepEqual(onDisk.entries.map((item) => item.entry.kind === 'missed-call' && item.entry.call.callId), ['torn-1', 'torn-3']);

  proxy.heal();
  await waitFor('a replay that goes through', async () => (await b.records.replay()).kind === 'done');
  const callers = (await b.truth.listPending()).map((cb) => cb.caller).sort();
  assert.deepEqual(callers, ['+4520666666', '+4520888888']);
});

test('an unreadable line in the middle is set aside in spool.unreadable.jsonl, not lost', async () => {
  const b = await bench();
  await b.spool.close();
  const now = Date.now();
  const good = encodeEntry({ kind: 'message', spooledAt: now, message: { callId: 'u-1', called: DID, route: 'main', recording: 'message-u-1', at: now } });
  appendFileSync(join(b.dir, SPOOL_FILE), `${good}garbage here\n${good}`);
  await b.restart();
  assert.deepEqual(b.spool.recovery, { entries: 2, tornBytes: 0, unreadable: 1 });
  const aside = readFileSync(join(b.dir, 'spool.unreadable.jsonl'), 'utf8');
  assert.match(aside, /"line":"garbage here"/);
  assert.equal(parseSpool(readFileSync(join(b.dir, SPOOL_FILE), 'utf8')).unreadable.length, 0);
});

test('when neither Redis nor the spool can take the record, recordMissedCall rejects (the caller is asked to try again)', async () => {
  const b = await bench();
  // The data folder turns into a file while the service runs: no append can open the spool file.
  renameSync(b.dir, `${b.dir}-moved`);
  writeFileSync(b.dir, 'not a folder');
  cleanups.push(() => rmSync(`${b.dir}-moved`, { recursive: true, force: true }));
  proxy.cut(60_000);
  const { facts, plan } = call('nospool-1');
  await assert.rejects(
    b.records.recordMissedCall(facts, plan, 'no-answer', Date.now() + 600_000, Date.now()),
    (err) => isNevermissError(err, ErrorCodes.SPOOL) && /Redis: .*spool: /.test(err.message),
  );
  assert.equal(b.spool.stats().depth, 0);
});

test('a data directory that is not a writable folder is refused at start, with a clear error', async () => {
  const parent = mkdtempSync(join(tmpdir(), 'nevermiss-spool-'));
  cleanups.push(() => rmSync(parent, { recursive: true, force: true }));
  const file = join(parent, 'data');
  writeFileSync(file, 'a file where the folder should be');
  await assert.rejects(openSpool(file), (err) => isNevermissError(err, ErrorCodes.SPOOL) && err.message.includes(file) && err.message.includes('data.directory'));
  await assert.rejects(openSpool(join(file, 'below')), (err) => isNevermissError(err, ErrorCodes.SPOOL));
});

test('one process per data directory: a folder locked by a live process is refused', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'nevermiss-spool-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'spool.lock'), String(process.ppid));
  await assert.rejects(openSpool(dir), (err) => isNevermissError(err, ErrorCodes.SPOOL) && err.message.includes(`pid ${process.ppid}`));
  writeFileSync(join(dir, 'spool.lock'), '999999999'); // nobody
  const spool = await openSpool(dir);
  await spool.close();
});

test('a replayed answered call closes only a callback that was open before it; never one of a later missed call', async () => {
  const b = await bench();
  const t0 = Date.now();
  // A callback that was open when the customer rang again and a person answered (outcome spooled).
  const old = call('ans-0', '+4520999991', t0 - 60_000);
  const kept = await b.records.recordMissedCall(old.facts, old.plan, 'no-answer', t0 + 600_000, t0 - 60_000);
  const answered: Outcome = { kind: 'answered', by: { person: 'owner', phone: 'desk' }, ringMs: 1_000, talkMs: 30_000 };
  // A spooled answered call from another number, after which that number missed a call again.
  await b.spool.append({ kind: 'call-log', spooledAt: t0, entry: { callId: 'ans-1', caller: '+4520999991', called: DID, route: 'main', startedAt: t0 - 30_000, endedAt: t0, outcome: answered } });
  await b.spool.append({ kind: 'call-log', spooledAt: t0, entry: { callId: 'ans-2', caller: '+4520999992', called: DID, route: 'main', startedAt: t0 - 30_000, endedAt: t0 - 1_000, outcome: answered } });
  const later = call('ans-3', '+4520999992', t0);
  const fresh = await b.records.recordMissedCall(later.facts, later.plan, 'no-answer', t0 + 600_000, t0);

  assert.deepEqual(await b.records.replay(), { kind: 'done', replayed: 2 });
  assert.equal((await b.truth.get(kept.id))?.status, 'done', 'the callback open before the answered call is kept (done)');
  assert.equal((await b.truth.get(fresh.id))?.status, 'pending', 'the later missed call keeps its callback');
  assert.equal((await b.truth.getCall('ans-1'))?.outcome.kind, 'answered');
});

test('the API answers 503 NM_REDIS when Redis does not answer, within the command timeout', async () => {
  const b = await bench();
  const token = 'spool-test-token-0123456789-0123456789';
  const state = { file: config.file, loadedAt: 0, rejected: null };
  const http = buildHttp({
    store: b.store,
    status: createStatusStore(b.proxied, b.prefix),
    usedLinks: createUsedLinks(b.proxied, b.prefix),
    clock: { now: () => Date.now() },
    health: () => ({ role: 'active', instance: 'host:1', leaseHolder: 'host:1', ariReachable: null, ari: true, redis: true, activeCalls: 0 }),
    promptsDir: b.dir,
    logger,
    auth: { http: () => ({ ...config.http, tokens: [{ name: 'spool-test', secret: token, scope: 'admin', person: null }] }), isPerson: () => true },
    configState: () => state,
    reload: () => state,
    onClosed: (callback) => b.followUp.closed(callback),
    dialBack: () => Promise.reject(new Error('no dial-backs in this test')),
    jobs: () => b.timers.scheduled(),
    outboundCall: (report) => b.followUp.outboundCallAnswered(report),
    report: (request) => buildReport(createRecordsReader(b.proxied, b.prefix), requestedPeriod(request, config.firm.timezone, Date.now()), Date.now()),
  });
  cleanups.push(() => http.close());
  proxy.blackhole();
  const started = Date.now();
  const headers = { authorization: `Bearer ${token}` };
  const response = await http.inject({ method: 'GET', url: '/api/callbacks', headers });
  assert.ok(Date.now() - started < BOUND_MS + 500, `answered after ${Date.now() - started} ms`);
  assert.equal(response.statusCode, 503);
  assert.equal(response.json<{ code: string }>().code, ErrorCodes.REDIS);
  const done = await http.inject({ method: 'POST', url: '/api/callbacks/cb-nothing/done', headers });
  assert.equal(done.statusCode, 503);
});

// Redis slow or gone at the moment of the promise, end to end: the real service, the sandbox
// Asterisk, SIPp caller and phone. Redis black-holed by the fault proxy just before the hunt ends,
// and a Redis of the test's own killed during a call and started again empty. Each asserts: the
// process is alive, the caller has exactly one outcome, hears the promise a few seconds after the
// hunt at most, and after Redis is back the callback is there exactly once, with its jobs.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { describe, it } from 'node:test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { PHONES, TEST_DID } from '../support/sandbox.js';
import { startCall, summarizeCall, type CallReport } from '../support/sipp.js';
import { freePort, type Service } from '../support/service.js';
import { useBench } from '../support/bench.js';
import { createCallbackStore } from '../../src/callbacks/store.js';
import { createJobQueue } from '../../src/callbacks/job-queue.js';
import { SPOOL_FILE } from '../../src/callbacks/spool.js';
import { parseSpool } from '../../src/callbacks/spool-format.js';
import type { Callback, CallLogEntry } from '../../src/callbacks/types.js';

const HUNT_MS = 2_000;
/** The default redis.commandTimeout, plus time to spool, answer and start the prompt. */
const PROMISE_WITHIN_MS = 2_000 + 1_500;
const RULES = `
people:
  owner:
    phones:
      desk: PJSIP/owner-desk
routes:
  main:
    numbers: ["${TEST_DID}"]
    language: en
    hunt:
      - ring: [owner]
        timeout: ${HUNT_MS / 1000}s
    promise:
      deadline: 10m
defaultRoute: main
`;

const show = (value: unknown): string => JSON.stringify(value, null, 1);

interface Spool {
  readonly depth: number;
  readonly oldestAt: string | null;
}

describe('Redis slow or gone never costs a caller', { timeout: 300_000 }, () => {
  const bench = useBench();

  async function service(redisUrl: string): Promise<Service> {
    const created = await bench.service({ rules: RULES, redisUrl });
    await created.start();
    return created;
  }

  async function spoolOf(svc: Service): Promise<Spool> {
    const { body } = await svc.health();
    return body['spool'] as Spool;
  }

  /** What a caller must get: answered within a few seconds of the hunt's end, the whole promise played, by the service. */
  function assertPromised(report: CallReport): void {
    assert.equal(report.status, 200, `the caller is answered for the promise: ${show(summarizeCall(report))}`);
    assert.equal(report.hungUpBy, 'asterisk', 'the service ends the call after the promise');
    assert.ok((report.talkMs ?? 0) > 3_000, `the promise was played (${report.talkMs} ms)`);
    assert.ok(
      (report.setupMs ?? Infinity) < HUNT_MS + PROMISE_WITHIN_MS,
      `answered ${report.setupMs} ms after the INVITE: the hunt takes ${HUNT_MS} ms, the promise must follow within ${PROMISE_WITHIN_MS} ms`,
    );
  }

  /** After Redis is back: one callback for the caller, its follow-up jobs, one call outcome naming it. */
  async function assertKeptOnce(svc: Service, redis: Redis, caller: string): Promise<Callback> {
    const store = createCallbackStore(redis, svc.keyPrefix);
    const queue = createJobQueue(redis, svc.keyPrefix);
    const until = Date.now() + 20_000;
    let calls: CallLogEntry[] = [];
    let callbacks: Callback[] = [];
    for (;;) {
      callbacks = (await store.listPending()).filter((cb) => cb.caller === caller);
      const ids = await redis.zrange(`{${svc.keyPrefix}}:calls`, 0, -1);
      calls = (await Promise.all(ids.map((id) => store.getCall(id)))).filter((entry): entry is CallLogEntry => entry !== null);
      if (callbacks.length > 0 && calls.length > 0 && (await spoolOf(svc)).depth === 0) break;
      if (Date.now() > until) assert.fail(`the spool was not replayed: ${show({ callbacks, calls, spool: await spoolOf(svc) })}\n${svc.tail()}`);
      await sleep(200);
    }
    assert.equal(callbacks.length, 1, show(callbacks));
    const [callback] = callbacks as [Callback];
    assert.equal(callback.attempts, 1, 'the missed call counted once');
    assert.equal(calls.length, 1, `exactly one outcome: ${show(calls)}`);
    const [outcome] = calls as [CallLogEntry];
    assert.equal(outcome.outcome.kind, 'callback-pending');
    assert.equal(outcome.outcome.kind === 'callback-pending' && outcome.outcome.callbackId, callback.id, 'the call log names the real callback');
    const jobs = (await queue.scheduled()).filter((job) => job.job.callbackId === callback.id).map((job) => job.job.kind);
    await queue.close();
    assert.ok((['remind', 'overdue'] as const).every((kind) => jobs.includes(kind)), `follow-up jobs: ${jobs.join(', ')}`);
    assert.ok(
      jobs.includes('notify') || (await store.history(callback.id)).length > 0,
      'the new callback was notified (its job ran) or is about to be',
    );
    assert.ok(svc.alive(), 'nevermiss serve is still running');
    return callback;
  }

  it('Redis black-holed just before the hunt ends: the caller still hears the promise within seconds, and after heal the callback is there once', async () => {
    const proxy = await bench.proxy({ host: '127.0.0.1', port: 6379 });
    const svc = await service(`redis://${proxy.address}/0`);
    const desk = await bench.phone({ port: PHONES['owner-desk'], behavior: 'ring' });

    const call = await startCall({ to: TEST_DID, from: '4520717171', maxWaitMs: 40_000 });
    await desk.waitForInvites(1, 10_000);
    await sleep(HUNT_MS - 600);
    proxy.blackhole();
    const report = await call.done;

    assertPromised(report);
    assert.ok(svc.alive(), 'nevermiss serve survives Redis not answering');
    const spooled = await svc.waitForLog((line) => line.message === 'Redis did not take the callback; it is kept in the spool and replayed when Redis is back');
    assert.match(String(spooled['callbackId']), /^spool:/, 'the outcome names a provisional callback id while Redis is away');
    const held = await spoolOf(svc);
    assert.ok(held.depth >= 2, `the record and the call's outcome wait in the spool: ${show(held)}`);
    assert.notEqual(held.oldestAt, null);
    const onDisk = parseSpool(readFileSync(join(svc.dataDirectory, SPOOL_FILE), 'utf8')).entries.map((item) => item.entry);
    assert.ok(
      onDisk.some((entry) => entry.kind === 'missed-call' && entry.call.caller === '+4520717171'),
      `the callback is on disk in the spool: ${show(onDisk)}`,
    );

    proxy.heal();
    await assertKeptOnce(svc, bench.redis, '+4520717171');
  });

  it('Redis restarted during a call, empty: the caller hears the promise, and the spool replays into the new Redis', async () => {
    const port = await freePort();
    let server = await startRedisServer(port);
    const redis = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => 200 });
    redis.on('error', () => undefined);
    bench.onCleanup(async () => {
      redis.disconnect();
      await stopRedisServer(server);
    });
    const svc = await service(`redis://127.0.0.1:${port}/0`);
    const desk = await bench.phone({ port: PHONES['owner-desk'], behavior: 'ring' });

    const call = await startCall({ to: TEST_DID, from: '4520727272', maxWaitMs: 40_000 });
    await desk.waitForInvites(1, 10_000);
    await stopRedisServer(server);
    const report = await call.done;

    assertPromised(report);
    assert.ok(svc.alive(), 'nevermiss serve survives Redis going away');
    assert.ok((await spoolOf(svc)).depth >= 1);

    server = await startRedisServer(port);
    await redis.connect();
    assert.equal(await redis.dbsize(), 0, 'the new Redis starts empty (no persistence)');
    await assertKeptOnce(svc, redis, '+4520727272');
    await svc.waitForLog((line) => line.message === 'spooled missed call replayed into Redis');
  });
});

/** A redis-server of the test's own (never the shared one on 6379): no persistence, so a restart is empty. */
async function startRedisServer(port: number): Promise<ChildProcess> {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  const probe = new Redis({ port, host: '127.0.0.1', lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
  probe.on('error', () => undefined);
  const until = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`redis-server on port ${port} exited with ${child.exitCode}`);
    try {
      await probe.connect();
      await probe.ping();
      probe.disconnect();
      return child;
    } catch {
      probe.disconnect();
      if (Date.now() > until) throw new Error(`redis-server on port ${port} did not answer`);
      await sleep(100);
    }
  }
}

async function stopRedisServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

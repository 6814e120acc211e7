/**
 * Data that doesn't live for ever, against the real Redis: the retention sweep erases call-log
 * entries, message references and closed callbacks past retention.keep (with their history, jobs,
 * indexes and idempotency keys) and keeps open callbacks and recent data; `nevermiss export`
 * prints everything held about a number and `nevermiss forget` erases it. After each, every key
 * under the prefix is read back (SCAN) to show the number is held nowhere.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import winston from 'winston';
import { deleteNevermissKeys, everythingUnder, keysHolding } from '../support/redis.js';
import { createCallbackStore, type CallbackStore } from '../../src/callbacks/store.js';
import { createJobQueue, QUEUE_NAMES, type JobQueue } from '../../src/callbacks/job-queue.js';
import { createEraser, type Eraser } from '../../src/callbacks/erase.js';
import { followUpClosed } from '../../src/follow-up/follow-up.js';
import { createRetention } from '../../src/retention/retention.js';
import type { MissedCall } from '../../src/callbacks/types.js';
import type { Outcome } from '../../src/call-flow/types.js';
import { callerRecordsToJson } from '../../src/caller-data/caller-data.js';

const ROOT = resolve(import.meta.dirname, '..', '..');
const redis = new Redis('redis://127.0.0.1:6379/0');
const logger = winston.createLogger({ silent: true });
const dir = mkdtempSync(join(tmpdir(), 'nevermiss-data-'));
const prefixes: string[] = [];

const DAY = 86_400_000;
const MIN = 60_000;
const T0 = 1_800_000_000_000;
const DID = '+4530123456';

before(async () => {
  assert.equal(await redis.ping(), 'PONG');
});

after(async () => {
  for (const prefix of prefixes) await deleteNevermissKeys(redis, prefix);
  redis.disconnect();
  rmSync(dir, { recursive: true, force: true });
});

interface Installation {
  readonly prefix: string;
  readonly store: CallbackStore;
  readonly timers: JobQueue;
  readonly eraser: Eraser;
  readonly config: string;
}

function installation(): Installation {
  const prefix = `nm-data-${randomUUID()}`;
  prefixes.push(prefix);
  const config = join(dir, `${prefix}.yaml`);
  writeFileSync(
    config,
    `ari: { url: "http://127.0.0.1:8088", username: u, password: p }
redis: { keyPrefix: ${prefix} }
prompts: { source: sound }
firm: { country: DK }
people: { owner: { phones: { desk: PJSIP/owner-desk } } }
routes: { main: { numbers: ["${DID}"], hunt: [{ ring: [owner], timeout: 20s }] } }
defaultRoute: main
`,
  );
  const timers = createJobQueue(redis, prefix);
  return { prefix, store: createCallbackStore(redis, prefix), timers, eraser: createEraser(redis, prefix, timers), config };
}

function nevermiss(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [join(ROOT, 'bin', 'nevermiss.js'), ...args], { cwd: ROOT, timeout: 30_000 }, (error, stdout, stderr) => {
      done({ code: error ? (typeof error.code === 'number' ? error.code : 99) : 0, stdout, stderr });
    });
  });
}

const missedCall = (callId: string, caller: string, at: number): MissedCall => ({ callId, caller, called: DID, route: 'main', language: 'en', at, dueAt: at + 10 * MIN });

async function logCall(store: CallbackStore, callId: string, caller: string, startedAt: number, outcome: Outcome): Promise<void> {
  await store.logCall({ callId, caller, called: DID, route: 'main', startedAt, endedAt: startedAt + 20_000, outcome });
}

const pendingOutcome = (callbackId: string): Outcome => ({ kind: 'callback-pending', callbackId, reason: 'no-answer', promise: 'within', dueAt: 0 });
const answeredOutcome: Outcome = { kind: 'answered', by: { person: 'owner', phone: 'desk' }, step: 0, ringMs: 3_000, talkMs: 60_000 };

/** A callback of `caller` created at `at` (from call `callId`) and the call's log entry. */
async function missed(i: Installation, callId: string, caller: string, at: number): Promise<string> {
  const { id } = await i.store.recordMissedCall(missedCall(callId, caller, at));
  await logCall(i.store, callId, caller, at, pendingOutcome(id));
  return id;
}

test('retention erases what is past its keep time, with everything that hangs off it, and keeps open callbacks and recent data', async () => {
  const i = installation();
  const OLD = '+4571717171';
  const KEEP = '+4572727272';

  // OLD: every record older than 90 days and closed.
  const a = await missed(i, 'old-1', OLD, T0 - 120 * DAY);
  await missed(i, 'old-2', OLD, T0 - 120 * DAY + MIN); // called again: folded into a
  await i.timers.add({ kind: 'remind', callbackId: a, at: T0 - 120 * DAY + 7 * MIN }, T0 - 120 * DAY + 7 * MIN, T0 - 120 * DAY + MIN);
  await i.store.startDial(a, 'dialer:test', T0 - 120 * DAY + 3 * MIN);
  const reached = await i.store.finishDial(a, { reached: true, talkMs: 40_000, by: 'owner', now: T0 - 120 * DAY + 5 * MIN, maxAttempts: 3 });
  await followUpClosed(i.timers, reached, T0 - 120 * DAY + 5 * MIN); // leaves notify done waiting, as if never run
  await logCall(i.store, 'old-3', OLD, T0 - 100 * DAY, answeredOutcome);
  const b = await missed(i, 'old-4', OLD, T0 - 100 * DAY);
  await i.store.close(b, 'cancelled', 'api', T0 - 99 * DAY);
  // A callback recorded before the creation index existed: not in it.
  const legacy = await missed(i, 'old-5', OLD, T0 - 200 * DAY);
  await i.store.close(legacy, 'done', 'api', T0 - 199 * DAY);
  await redis.zrem(i.store.keys.callbacksCreated, legacy);
  await i.store.saveMessage({ callId: 'old-msg', called: DID, route: 'main', recording: 'message-old-msg', at: T0 - 95 * DAY });

  // KEEP: an old open callback, an old one closed recently, recent calls; and one old call-log entry.
  const open = await missed(i, 'keep-1', KEEP, T0 - 100 * DAY);
  const d = await i.store.recordMissedCall(missedCall('keep-2', '+4572727200', T0 - 100 * DAY));
  await i.store.close(d.id, 'done', 'api', T0 - 10 * DAY);
  await logCall(i.store, 'keep-old', KEEP, T0 - 95 * DAY, answeredOutcome);
  await logCall(i.store, 'keep-new', KEEP, T0 - DAY, answeredOutcome);
  await i.store.saveMessage({ callId: 'new-msg', called: DID, route: 'main', recording: 'message-new-msg', at: T0 - DAY });

  assert.ok(Object.keys(await keysHolding(redis, i.prefix, OLD)).length >= 5, 'the old number is there before the sweep');
  const retention = createRetention({ eraser: i.eraser, keepMs: () => 90 * DAY, clock: { now: () => T0 }, logger });
  const swept = await retention.sweep();
  assert.deepEqual(swept, { calls: 7, callbacks: 3, messages: 1, cutoff: T0 - 90 * DAY, more: false }, 'the five calls of OLD and two 95 and 100 days old of KEEP');

  for (const text of [OLD, OLD.slice(3)]) {
    assert.deepEqual(await keysHolding(redis, i.prefix, text), {}, `nothing holds ${text} after the sweep`);
  }
  for (const id of [a, b, legacy]) assert.equal(await i.store.get(id), null);
  assert.deepEqual((await i.timers.allOf(new Set([a, b, legacy]))).map((job) => job.id), [], 'the old callbacks\' jobs went with them');
  assert.equal((await i.store.get(open))?.status, 'pending', 'an open callback is a promise still owed: never erased by age');
  assert.equal((await i.store.get(d.id))?.status, 'done', 'closed 10 days ago: kept');
  assert.equal(await i.store.getCall('keep-old'), null);
  assert.notEqual(await i.store.getCall('keep-new'), null);
  assert.deepEqual((await i.store.listMessages()).map((m) => m.callId), ['new-msg']);
  for (const callId of ['old-1', 'old-2', 'old-4', 'old-5']) assert.equal(await redis.exists(i.store.keys.recordedCall(callId)), 0, `idempotency key of ${callId}`);
  assert.deepEqual((await redis.zrange(i.store.keys.callbacksCreated, 0, -1)).sort(), [open, d.id].sort());

  assert.deepEqual(await retention.sweep(), { calls: 0, callbacks: 0, messages: 0, cutoff: T0 - 90 * DAY, more: false }, 'a second sweep finds nothing');
});

test('retention works through a backlog larger than one batch', async () => {
  const i = installation();
  for (let n = 0; n < 1_200; n += 1) await logCall(i.store, `bulk-${n}`, '+4575757575', T0 - 100 * DAY + n, answeredOutcome);
  const retention = createRetention({ eraser: i.eraser, keepMs: () => 90 * DAY, clock: { now: () => T0 }, logger });
  assert.equal((await retention.sweep()).calls, 1_200);
  assert.equal(await redis.zcard(i.store.keys.calls), 0);
});

test('export prints everything held about a number; forget erases it everywhere and leaves other callers alone', async () => {
  const i = installation();
  const F = '+4573737373';
  const G = '+4574747474';
  const now = Date.now();

  const closed = await missed(i, 'f-1', F, now - 2 * DAY);
  await i.store.close(closed, 'done', 'api', now - 2 * DAY + 5 * MIN);
  const open = await missed(i, 'f-2', F, now - 10 * MIN);
  await missed(i, 'f-3', F, now - 5 * MIN); // called again
  await i.store.startDial(open, 'dialer:test', now - MIN, { dialId: 'dial-1', leaseMs: 90_000 });
  await logCall(i.store, 'f-4', F, now - DAY, answeredOutcome);
  await i.timers.add({ kind: 'remind', callbackId: open, at: now + 5 * MIN }, now + 5 * MIN, now);
  await i.timers.add({ kind: 'overdue', callbackId: open }, now + 5 * MIN, now);
  await i.timers.add({ kind: 'text-back', callbackId: open, call: 1 }, now + 5 * MIN, now);
  await i.timers.add({ kind: 'deliver', callbackId: open, event: 'created', person: 'owner', channel: 'webhook' }, now + 5 * MIN, now);
  await i.store.markTextedBack(F, DAY);

  const other = await missed(i, 'g-1', G, now - 10 * MIN);
  await i.timers.add({ kind: 'remind', callbackId: other, at: now + 5 * MIN }, now + 5 * MIN, now);
  await i.timers.add({ kind: 'text-back', callbackId: other, call: 1 }, now + 5 * MIN, now);
  await i.store.markTextedBack(G, DAY);
  const othersBefore = await everythingUnder(redis, i.prefix);

  // export, as a national number of the firm's country
  const exported = await nevermiss('export', '73737373', '--config', i.config);
  assert.equal(exported.code, 0, exported.stderr);
  const json = JSON.parse(exported.stdout) as Record<string, unknown>;
  assert.equal(json['number'], F);
  const callbacks = json['callbacks'] as Array<Record<string, unknown>>;
  assert.deepEqual(callbacks.map((cb) => [cb['id'], cb['status'], cb['caller']]), [[closed, 'done', F], [open, 'dialing', F]]);
  assert.deepEqual((callbacks[1]?.['history'] as Array<{ event: string }>).map((entry) => entry.event), ['created', 'called-again', 'dial-started']);
  assert.equal(callbacks[0]?.['reachedVia'], 'by-hand');
  assert.deepEqual((json['calls'] as Array<{ callId: string }>).map((call) => call.callId), ['f-1', 'f-4', 'f-2', 'f-3']);
  assert.deepEqual((json['jobs'] as Array<{ id: string }>).map((job) => job.id).sort(), [`deliver.created.${open}.owner.webhook`, `overdue.${open}`, `remind.${open}.${now + 5 * MIN}`, `text-back.${open}.1`].sort());
  assert.ok(Date.parse(String(json['textedBackUntil'])) > now);
  // The same through the library: the CLI prints exactly this shape.
  const exportedAt = Date.parse(String(json['exportedAt']));
  const direct = callerRecordsToJson(await i.eraser.find(F, exportedAt), exportedAt);
  assert.deepEqual({ ...direct, textedBackUntil: null }, { ...json, textedBackUntil: null });

  const forgotten = await nevermiss('forget', F, '--config', i.config);
  assert.equal(forgotten.code, 0, forgotten.stderr);
  assert.match(forgotten.stdout, /^\+4573737373: erased 2 callback\(s\), 4 call-log entries and 1 other key\(s\) from Redis$/m);
  // The open callback's pointer and its text-back job went with it; the text-back mark is the one other key.

  for (const text of [F, F.slice(3)]) assert.deepEqual(await keysHolding(redis, i.prefix, text), {}, `nothing holds ${text} after forget`);
  // Everything of G is exactly as it was; of F's, only what was F's is gone.
  const othersAfter = await everythingUnder(redis, i.prefix);
  const fs = [F, open, closed, 'f-1', 'f-2', 'f-3', 'f-4'];
  const indexes = [i.store.keys.calls, i.store.keys.callbacksCreated, i.store.keys.pending];
  // BullMQ's own keys of a queue (its indexes, counters, event stream) change with any removal; G's jobs are checked below.
  const queueKeys = QUEUE_NAMES.map((name) => `${i.store.keys.jobsPrefix}:${name}:`);
  for (const [key, values] of othersBefore) {
    if (fs.some((f) => key.endsWith(f) || key.includes(`${f}:`) || values.some((value) => value.includes(f)))) continue;
    if (indexes.includes(key) || queueKeys.some((start) => key.startsWith(start))) continue;
    assert.deepEqual(othersAfter.get(key), values, `${key} untouched`);
  }
  for (const index of indexes) {
    const kept = othersBefore.get(index)?.filter((member, n) => n % 2 === 0 && !fs.some((f) => member.includes(f)));
    const now = othersAfter.get(index)?.filter((_, n) => n % 2 === 0);
    assert.deepEqual(now, kept, `${index} lost only F's members`);
  }
  assert.equal((await i.store.get(other))?.status, 'pending');
  assert.deepEqual((await i.timers.scheduled()).map((job) => job.id).sort(), [`remind.${other}.${now + 5 * MIN}`, `text-back.${other}.1`].sort());
  assert.equal(await i.store.wasTextedBack(G), true);
  assert.notEqual(await i.store.getCall('g-1'), null);

  const again = await nevermiss('forget', F, '--config', i.config);
  assert.match(again.stdout, /erased 0 callback\(s\), 0 call-log entries and 0 other key\(s\)/);
  const empty = JSON.parse((await nevermiss('export', F, '--config', i.config)).stdout) as Record<string, unknown>;
  assert.deepEqual([empty['callbacks'], empty['calls'], empty['jobs'], empty['textedBackUntil']], [[], [], [], null]);
});

test('export and forget refuse what is not a phone number', async () => {
  const i = installation();
  for (const command of ['export', 'forget']) {
    const refused = await nevermiss(command, 'anonymous', '--config', i.config);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /NM_USAGE: "anonymous" is not a phone number/);
  }
});

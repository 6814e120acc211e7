// nevermiss end to end: the real service process, the sandbox Asterisk 22, SIPp callers and
// phones speaking real SIP, and the local Redis.
import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { PHONES, TEST_DID, ariRequest, ensureSandbox, restartAsterisk, stasisAppConnected, waitForNoChannels } from '../support/sandbox.js';
import { ensureRedis, deleteNevermissKeys } from '../support/redis.js';
import { placeCall, startPhone, summarizeCall, type PhoneBehavior, type PhoneHandle } from '../support/sipp.js';
import { Service, type LogLine } from '../support/service.js';
import { createCallbackStore, type CallbackStore } from '../../src/callbacks/store.js';
import type { CallLogEntry } from '../../src/callbacks/types.js';

const STEP_TIMEOUT_S = 3;
const RULES = `
people:
  owner:
    phones:
      desk: PJSIP/owner-desk
      mobile: PJSIP/owner-mobile
  colleague:
    phones:
      mobile: PJSIP/colleague
routes:
  main:
    numbers: ["${TEST_DID}"]
    language: en
    hunt:
      - ring: [owner]
        timeout: ${STEP_TIMEOUT_S}s
      - ring: [colleague]
        timeout: ${STEP_TIMEOUT_S}s
    promise:
      deadline: 10m
defaultRoute: main
`;

const show = (value: unknown): string => JSON.stringify(value, null, 1);

describe('nevermiss serve on the sandbox PBX', { timeout: 600_000 }, () => {
  let service: Service;
  let redis: Redis;
  let store: CallbackStore;
  let phones: PhoneHandle[] = [];

  before(async () => {
    await Promise.all([ensureSandbox(), ensureRedis()]);
    assert.equal(await stasisAppConnected(), false, 'another process holds the Stasis app "nevermiss"; stop it first');
    service = await Service.create({ rules: RULES });
    redis = new Redis('redis://127.0.0.1:6379/0');
    store = createCallbackStore(redis, service.keyPrefix);
    await service.start();
  });

  after(async () => {
    await service.stop();
    await deleteNevermissKeys(redis, service.keyPrefix);
    redis.disconnect();
    service.cleanup();
  });

  beforeEach(async () => {
    await waitForNoChannels(15_000);
  });

  afterEach(async () => {
    await Promise.all(phones.map((phone) => phone.stop()));
    phones = [];
    // Each test starts without pending callbacks, whatever the one before left.
    for (const callback of await store.listPending()) await store.close(callback.id, 'cancelled', 'test cleanup', Date.now());
  });

  /** Every sandbox phone the plan can ring gets a SIPp behind it, so every INVITE is answered somehow. */
  async function phonesBehave(desk: PhoneBehavior, mobile: PhoneBehavior, colleague: PhoneBehavior, ringMs = 600) {
    const [d, m, c] = await Promise.all([
      startPhone({ port: PHONES['owner-desk'], behavior: desk, ringMs }),
      startPhone({ port: PHONES['owner-mobile'], behavior: mobile, ringMs: ringMs + 400 }),
      startPhone({ port: PHONES.colleague, behavior: colleague, ringMs }),
    ]);
    phones = [d, m, c];
    return { desk: d, mobile: m, colleague: c };
  }

  /** The call log entries written since `since` (the service's own prefix). */
  async function loggedCalls(since: number): Promise<CallLogEntry[]> {
    const ids = await redis.zrangebyscore(`{${service.keyPrefix}}:calls`, since, '+inf');
    const entries = await Promise.all(ids.map((id) => store.getCall(id)));
    return entries.filter((entry): entry is CallLogEntry => entry !== null);
  }

  async function waitForCallEnd(since: number, count = 1): Promise<CallLogEntry[]> {
    const until = Date.now() + 30_000;
    for (;;) {
      const entries = await loggedCalls(since);
      if (entries.length >= count) return entries;
      if (Date.now() > until) throw new Error(`no call outcome logged:\n${service.tail()}`);
      await sleep(100);
    }
  }

  const transitions = (callId: string): LogLine[] => service.logs.filter((line) => line['callId'] === callId && 'from' in line);

  it('the first phone to answer gets the call; the other leg is cancelled as answered elsewhere; no callback', async () => {
    const { desk, mobile } = await phonesBehave('answer', 'ring', 'ring');
    const since = Date.now();
    const call = await placeCall({ to: TEST_DID, from: '4520111111', talkMs: 1500, maxWaitMs: 20_000 });
    const [entry] = await waitForCallEnd(since);

    assert.equal(call.status, 200, show(summarizeCall(call)));
    assert.equal(entry?.outcome.kind, 'answered', show(entry));
    assert.deepEqual(entry.outcome.kind === 'answered' && entry.outcome.by, { person: 'owner', phone: 'desk' });
    const [deskCall] = desk.calls();
    assert.equal(deskCall?.answered, true);
    assert.equal(deskCall.callerIdNumber, '+4520111111', 'the phone shows who is calling, as an E.164 number');
    const [mobileCall] = await mobile.waitFor((calls) => calls[0]?.cancelled === true, 5_000);
    assert.match(mobileCall!.cancelReason ?? '', /cause=200;text="Call completed elsewhere"/);
    assert.deepEqual(await service.callbacks(), []);
    assert.ok(transitions(entry.callId).some((line) => line['from'] === 'hunting' && line['to'] === 'bridged'));
  });

  it("when the owner's phones ring out, the colleague answers", async () => {
    const { desk, mobile, colleague } = await phonesBehave('ring', 'ring', 'answer');
    const since = Date.now();
    const call = await placeCall({ to: TEST_DID, from: '4520222222', talkMs: 1000, maxWaitMs: 30_000 });
    const [entry] = await waitForCallEnd(since);

    assert.equal(call.status, 200, show(summarizeCall(call)));
    assert.ok(call.setupMs! >= STEP_TIMEOUT_S * 1000, `answered after the first step's ${STEP_TIMEOUT_S}s: ${call.setupMs}`);
    assert.deepEqual(entry?.outcome.kind === 'answered' && entry.outcome.by, { person: 'colleague', phone: 'mobile' });
    assert.equal(desk.calls()[0]?.cancelled, true);
    assert.equal(mobile.calls()[0]?.cancelled, true);
    assert.equal(colleague.calls()[0]?.answered, true);
    assert.deepEqual(await service.callbacks(), []);
  });

  it('a busy phone does not wait for the timeout: the hunt moves on at once', async () => {
    const { colleague } = await phonesBehave('busy', 'busy', 'answer', 300);
    const since = Date.now();
    const call = await placeCall({ to: TEST_DID, from: '4520333333', talkMs: 500, maxWaitMs: 20_000 });
    const [entry] = await waitForCallEnd(since);

    assert.equal(call.status, 200, show(summarizeCall(call)));
    assert.ok(call.setupMs! < STEP_TIMEOUT_S * 1000, `the colleague answered before the owner's step timed out: ${call.setupMs} ms`);
    assert.equal(colleague.calls()[0]?.answered, true);
    assert.deepEqual(entry?.outcome.kind === 'answered' && entry.outcome.by, { person: 'colleague', phone: 'mobile' });
  });

  it('nobody answers: the callback is stored, then the caller is answered and hears the promise', async () => {
    await phonesBehave('ring', 'ring', 'ring');
    const since = Date.now();
    const call = await placeCall({ to: TEST_DID, from: '4520444444', maxWaitMs: 40_000 });
    const [entry] = await waitForCallEnd(since);

    assert.equal(call.status, 200, 'the caller is answered for the promise');
    assert.equal(call.hungUpBy, 'asterisk', 'the service ends the call after the promise');
    assert.ok(call.talkMs! > 3_000, `the promise was played (${call.talkMs} ms)`);
    assert.equal(entry?.outcome.kind, 'callback-pending', show(entry));
    const callbacks = await service.callbacks();
    assert.equal(callbacks.length, 1, show(callbacks));
    const [callback] = callbacks;
    assert.equal(callback?.['caller'], '+4520444444');
    assert.equal(callback['called'], TEST_DID);
    assert.equal(callback['status'], 'pending');
    assert.equal(callback['attempts'], 1);
    const dueAt = Date.parse(String(callback['dueAt']));
    // Due 10 minutes after the hunt ended (the promise is decided then; stored a moment later).
    const expected = Date.parse(String(callback['createdAt'])) + 10 * 60_000;
    assert.ok(Math.abs(dueAt - expected) < 1_000, `dueAt ${String(callback['dueAt'])} vs createdAt ${String(callback['createdAt'])}`);
    assert.ok(Math.abs(dueAt - (since + 2 * STEP_TIMEOUT_S * 1000 + 10 * 60_000)) < 5_000, 'due ≈ call time + 10 minutes');
    // The order that makes the promise true: recorded, then played.
    const order = transitions(entry.callId).map((line) => `${String(line['from'])}->${String(line['to'])}`);
    assert.deepEqual(order.slice(-3), ['hunting->recording', 'recording->promising', 'promising->ended'], order.join(', '));
    const played = service.logs.find((line) => line['callId'] === entry.callId && line['message'] === 'play failed');
    assert.equal(played, undefined, 'the promise prompt played without error');
    await store.close(String(callback['id']), 'done', 'test', Date.now());
  });

  it('a caller who hangs up mid-hunt: every leg is cancelled and a callback is recorded all the same', async () => {
    const { desk, mobile } = await phonesBehave('ring', 'ring', 'ring');
    const since = Date.now();
    const call = await placeCall({ to: TEST_DID, from: '4520555555', hangupAfterMs: 1500, maxWaitMs: 20_000 });
    const [entry] = await waitForCallEnd(since);

    assert.equal(call.cancelled, true);
    assert.equal(entry?.outcome.kind, 'callback-pending');
    assert.ok(entry.outcome.kind === 'callback-pending' && entry.outcome.reason === 'caller-hung-up');
    await desk.waitFor((calls) => calls[0]?.cancelled === true, 5_000);
    await mobile.waitFor((calls) => calls[0]?.cancelled === true, 5_000);
    const callbacks = await service.callbacks();
    assert.equal(callbacks.length, 1);
    assert.equal(callbacks[0]?.['caller'], '+4520555555');
    await store.close(String(callbacks[0]['id']), 'done', 'test', Date.now());
  });

  it('the same number calling twice makes one callback with attempts = 2', async () => {
    await phonesBehave('ring', 'ring', 'ring');
    const since = Date.now();
    await placeCall({ to: TEST_DID, from: '4520666666', hangupAfterMs: 1000, maxWaitMs: 20_000 });
    await waitForCallEnd(since, 1);
    await waitForNoChannels(10_000);
    await placeCall({ to: TEST_DID, from: '4520666666', hangupAfterMs: 1000, maxWaitMs: 20_000 });
    const entries = await waitForCallEnd(since, 2);

    const callbacks = await service.callbacks();
    assert.equal(callbacks.length, 1, show(callbacks));
    assert.equal(callbacks[0]?.['attempts'], 2);
    const ids = entries.map((e) => (e.outcome.kind === 'callback-pending' ? e.outcome.callbackId : ''));
    assert.deepEqual(ids, [callbacks[0]['id'], callbacks[0]['id']]);
    await store.close(String(callbacks[0]['id']), 'done', 'test', Date.now());
  });

  it('a withheld caller hears why there is no callback and leaves a message, which is kept with a reference', async () => {
    await phonesBehave('ring', 'ring', 'ring');
    const since = Date.now();
    // The message is recorded after the withheld prompt and its beep (~8 s): speak then.
    const call = await placeCall({ to: TEST_DID, from: 'anonymous', speakAfterMs: 9_500, maxWaitMs: 60_000 });
    const [entry] = await waitForCallEnd(since);

    assert.equal(call.status, 200);
    assert.equal(call.hungUpBy, 'asterisk');
    assert.equal(entry?.caller, '');
    assert.ok(entry.outcome.kind === 'withheld-no-callback' && entry.outcome.message !== null, show(entry));
    const recording = entry.outcome.message;
    assert.deepEqual(await service.callbacks(), []);
    const [message] = await store.listMessages();
    assert.equal(message?.callId, entry.callId);
    assert.equal(message.recording, recording);
    const stored = await ariRequest('GET', `/recordings/stored/${encodeURIComponent(recording)}`);
    assert.equal(stored.status, 200, `the recording is on the PBX: ${show(stored.body)}`);
    await ariRequest('DELETE', `/recordings/stored/${encodeURIComponent(recording)}`);
  });

  it('a withheld caller who says nothing leaves no message', async () => {
    await phonesBehave('ring', 'ring', 'ring');
    const since = Date.now();
    await placeCall({ to: TEST_DID, from: 'anonymous', maxWaitMs: 60_000 });
    const [entry] = await waitForCallEnd(since);
    assert.deepEqual(entry?.outcome, { kind: 'withheld-no-callback', reason: 'no-answer', message: null });
  });

  it('stopped, calls take the dialplan fallback; started again, calls route again', async () => {
    await service.stop();
    const fallback = await startPhone({ port: PHONES.fallback, behavior: 'answer', ringMs: 300 });
    phones = [fallback];
    const viaFallback = await placeCall({ to: TEST_DID, from: '4520777777', talkMs: 500, maxWaitMs: 20_000 });
    assert.equal(viaFallback.status, 200);
    assert.equal(fallback.calls().length, 1, 'the fallback phone rang');

    await service.start();
    await waitForNoChannels(10_000);
    const { desk } = await phonesBehave('answer', 'ring', 'ring');
    const since = Date.now();
    const routed = await placeCall({ to: TEST_DID, from: '4520777777', talkMs: 500, maxWaitMs: 20_000 });
    const [entry] = await waitForCallEnd(since);
    assert.equal(routed.status, 200);
    assert.equal(desk.calls()[0]?.answered, true);
    assert.equal(entry?.outcome.kind, 'answered');
    await fallback.stop();
  });

  it('Asterisk restarted under the running service: it reconnects by itself and the next call routes', async () => {
    await restartAsterisk();
    await service.waitForHealth(true, 60_000);
    const { desk } = await phonesBehave('answer', 'ring', 'ring');
    const since = Date.now();
    const call = await placeCall({ to: TEST_DID, from: '4520888888', talkMs: 500, maxWaitMs: 20_000 });
    const [entry] = await waitForCallEnd(since);
    assert.equal(call.status, 200, show(summarizeCall(call)));
    assert.equal(desk.calls()[0]?.answered, true);
    assert.equal(entry?.outcome.kind, 'answered');
  });
});

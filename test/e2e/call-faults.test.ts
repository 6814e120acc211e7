// Calls that survive faults: the line to Asterisk cut mid-hunt and mid-promise, the service
// killed (-9) mid-hunt and mid-promise and started again, Asterisk restarted during a call.
// Each asserts: the service process is alive (but the one killed), the caller has exactly one
// outcome, a missed caller with a number has exactly one callback, and the caller is not left
// waiting long after the hunt.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { PHONES, TEST_DID, restartAsterisk } from '../support/sandbox.js';
import { startCall, summarizeCall, type PhoneBehavior, type PhoneHandle } from '../support/sipp.js';
import { useBench } from '../support/bench.js';
import { createCallbackStore } from '../../src/callbacks/store.js';
import type { CallLogEntry } from '../../src/callbacks/types.js';

const rules = (ownerTimeout: string, colleagueTimeout = '3s'): string => `
people:
  owner:
    phones:
      desk: PJSIP/owner-desk
  colleague:
    phones:
      mobile: PJSIP/colleague
routes:
  main:
    numbers: ["${TEST_DID}"]
    language: en
    hunt:
      - ring: [owner]
        timeout: ${ownerTimeout}
      - ring: [colleague]
        timeout: ${colleagueTimeout}
    promise:
      deadline: 10m
defaultRoute: main
`;

const show = (value: unknown): string => JSON.stringify(value, null, 1);

describe('calls survive faults', { timeout: 900_000 }, () => {
  const bench = useBench();
  const { redis } = bench;

  async function phonesBehave(desk: PhoneBehavior, colleague: PhoneBehavior, ringMs = 500): Promise<{ desk: PhoneHandle; colleague: PhoneHandle }> {
    const [d, c] = await Promise.all([
      bench.phone({ port: PHONES['owner-desk'], behavior: desk, ringMs }),
      bench.phone({ port: PHONES.colleague, behavior: colleague, ringMs }),
    ]);
    return { desk: d, colleague: c };
  }

  /** The call log of a service's installation (its key prefix). */
  async function callLog(prefix: string): Promise<CallLogEntry[]> {
    const store = createCallbackStore(redis, prefix);
    const ids = await redis.zrange(`{${prefix}}:calls`, 0, -1);
    const entries = await Promise.all(ids.map((id) => store.getCall(id)));
    return entries.filter((entry): entry is CallLogEntry => entry !== null);
  }

  async function waitForCallLog(prefix: string, count: number, timeoutMs = 40_000): Promise<CallLogEntry[]> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const entries = await callLog(prefix);
      if (entries.length >= count) return entries;
      if (Date.now() > until) throw new Error(`expected ${count} call outcome(s), found ${entries.length}`);
      await sleep(100);
    }
  }

  /** Callbacks of the installation, open or not, with their history lengths. */
  async function callbacks(prefix: string): Promise<Array<{ id: string; caller: string; attempts: number; status: string }>> {
    const keys = (await redis.keys(`{${prefix}}:callback:*`)).filter((key) => !key.endsWith(':history'));
    const all = await Promise.all(keys.map((key) => redis.hgetall(key)));
    return all.map((fields) => ({ id: fields['id'] ?? '', caller: fields['caller'] ?? '', attempts: Number(fields['attempts']), status: fields['status'] ?? '' }));
  }

  it('a cut between the service and Asterisk during the hunt: the process lives, the hunt goes on after it, the colleague gets the call', async () => {
    const proxy = await bench.proxy({ host: '127.0.0.1', port: 8088 });
    const nevermiss = await bench.service({ rules: rules('4s', '10s'), ariUrl: `http://${proxy.address}` });
    await nevermiss.start();
    const { desk, colleague } = await phonesBehave('ring', 'answer', 800);

    const call = await startCall({ to: TEST_DID, from: '4520111101', talkMs: 2_000, maxWaitMs: 60_000 });
    await desk.waitForInvites(1, 10_000);
    proxy.cut(8_000); // the owner's step (4 s) runs out while the line is cut
    await sleep(8_000);
    await nevermiss.waitForHealth(true, 20_000);
    const report = await call.done;
    const [entry, ...more] = await waitForCallLog(nevermiss.keyPrefix, 1);

    assert.ok(nevermiss.alive(), nevermiss.tail());
    assert.equal(report.status, 200, show(summarizeCall(report)));
    assert.equal(colleague.calls()[0]?.answered, true, `the colleague was rung after the cut and answered:\n${nevermiss.tail(60)}`);
    assert.equal(entry?.outcome.kind, 'answered', show(entry));
    assert.deepEqual(entry.outcome.kind === 'answered' && entry.outcome.by, { person: 'colleague', phone: 'mobile' });
    assert.deepEqual(more, [], 'exactly one outcome');
    assert.deepEqual(await callbacks(nevermiss.keyPrefix), []);
    assert.ok(nevermiss.logs.some((line) => line.message === 'running what could not be sent while ARI was away'), nevermiss.tail());
  });

  it('a cut when the hunt ends: the callback is recorded meanwhile, and the caller hears the promise once ARI is back', async () => {
    const proxy = await bench.proxy({ host: '127.0.0.1', port: 8088 });
    const nevermiss = await bench.service({ rules: rules('3s', '3s'), ariUrl: `http://${proxy.address}` });
    await nevermiss.start();
    const { colleague } = await phonesBehave('ring', 'ring');

    const call = await startCall({ to: TEST_DID, from: '4520111102', maxWaitMs: 60_000 });
    await colleague.waitForInvites(1, 10_000);
    proxy.cut(6_000); // the colleague's step ends during the cut: nobody answered
    const cutEnds = Date.now() + 6_000;
    const report = await call.done;
    const [entry, ...more] = await waitForCallLog(nevermiss.keyPrefix, 1);

    assert.ok(nevermiss.alive(), nevermiss.tail());
    assert.equal(report.status, 200, `the caller hears the promise: ${show(summarizeCall(report))}`);
    assert.equal(report.hungUpBy, 'asterisk');
    assert.ok((report.talkMs ?? 0) > 3_000, `the promise played for ${report.talkMs} ms`);
    const answeredAt = (report.messages.find((m) => m.status === 200)?.at ?? 0);
    assert.ok(answeredAt - cutEnds < 8_000, `answered ${answeredAt - cutEnds} ms after the cut ended`);
    assert.equal(entry?.outcome.kind, 'callback-pending', show(entry));
    assert.deepEqual(more, []);
    const recorded = await callbacks(nevermiss.keyPrefix);
    assert.deepEqual(recorded.map((cb) => [cb.caller, cb.attempts]), [['+4520111102', 1]]);
  });

  it('the caller hangs up during a cut: once ARI is back, a missed call with a callback', async () => {
    const proxy = await bench.proxy({ host: '127.0.0.1', port: 8088 });
    const nevermiss = await bench.service({ rules: rules('30s'), ariUrl: `http://${proxy.address}` });
    await nevermiss.start();
    const { desk } = await phonesBehave('ring', 'ring');

    const call = await startCall({ to: TEST_DID, from: '4520111103', hangupAfterMs: 5_000, maxWaitMs: 30_000 });
    await desk.waitForInvites(1, 10_000);
    proxy.cut(8_000);
    const report = await call.done;
    assert.equal(report.hungUpBy, 'caller');
    const [entry, ...more] = await waitForCallLog(nevermiss.keyPrefix, 1, 30_000);

    assert.ok(nevermiss.alive(), nevermiss.tail());
    assert.equal(entry?.outcome.kind, 'callback-pending', show(entry));
    assert.equal(entry.outcome.kind === 'callback-pending' && entry.outcome.reason, 'caller-hung-up');
    assert.deepEqual(more, []);
    assert.deepEqual((await callbacks(nevermiss.keyPrefix)).map((cb) => cb.caller), ['+4520111103']);
    await desk.waitFor((calls) => calls[0]?.cancelled === true, 10_000);
  });

  it('killed (-9) mid-hunt and started again: the caller is recorded at once as an interrupted missed call and hears the promise', async () => {
    const first = await bench.service({ rules: rules('30s') });
    await first.start();
    const { desk } = await phonesBehave('ring', 'ring');
    const call = await startCall({ to: TEST_DID, from: '4520111104', maxWaitMs: 60_000 });
    await desk.waitForInvites(1, 10_000);
    await first.kill();

    const second = await bench.service({ rules: rules('30s'), keyPrefix: first.keyPrefix });
    const restartedAt = Date.now();
    await second.start();
    const report = await call.done;
    const [entry, ...more] = await waitForCallLog(second.keyPrefix, 1);

    assert.ok(second.alive(), second.tail());
    assert.equal(report.status, 200, show(summarizeCall(report)));
    assert.ok((report.talkMs ?? 0) > 3_000, `the promise played for ${report.talkMs} ms`);
    const answeredAt = report.messages.find((m) => m.status === 200)?.at ?? 0;
    assert.ok(answeredAt - restartedAt < 10_000, `answered ${answeredAt - restartedAt} ms after the restart`);
    assert.equal(entry?.outcome.kind, 'callback-pending', show(entry));
    assert.equal(entry.outcome.kind === 'callback-pending' && entry.outcome.reason, 'interrupted');
    assert.deepEqual(more, []);
    assert.deepEqual((await callbacks(second.keyPrefix)).map((cb) => [cb.caller, cb.attempts]), [['+4520111104', 1]]);
    // The desk stops ringing: the lost hunt's leg was released.
    await desk.waitFor((calls) => calls[0]?.cancelled === true, 10_000);
    assert.ok(!second.logs.some((line) => line.message === 'sending a caller that no live call owns to the dialplan fallback'));
  });

  it('killed (-9) during the promise and started again: still exactly one callback, and the caller hears the promise', async () => {
    const first = await bench.service({ rules: rules('2s', '2s') });
    await first.start();
    await phonesBehave('ring', 'ring');
    const call = await startCall({ to: TEST_DID, from: '4520111105', maxWaitMs: 60_000 });
    await first.waitForLog((line) => line.message === 'call recording -> promising on callbackRecorded', 20_000);
    await first.kill();

    const second = await bench.service({ rules: rules('2s', '2s'), keyPrefix: first.keyPrefix });
    await second.start();
    const report = await call.done;
    const entries = await waitForCallLog(second.keyPrefix, 1);
    await sleep(1_000);

    assert.ok(second.alive(), second.tail());
    assert.equal(report.status, 200, show(summarizeCall(report)));
    assert.equal(report.hungUpBy, 'asterisk');
    assert.equal((await callLog(second.keyPrefix)).length, 1, show(entries));
    assert.deepEqual((await callbacks(second.keyPrefix)).map((cb) => [cb.caller, cb.attempts]), [['+4520111105', 1]], 'the replayed record found the first one');
  });

  it('Asterisk restarted during a call: the service lives, the caller is on record with a callback, the next call routes', async () => {
    const nevermiss = await bench.service({ rules: rules('30s') });
    await nevermiss.start();
    const { desk, colleague } = await phonesBehave('ring', 'ring');
    const call = await startCall({ to: TEST_DID, from: '4520111106', maxWaitMs: 60_000 });
    await desk.waitForInvites(1, 10_000);
    await restartAsterisk();
    await call.kill(); // the restarted Asterisk forgot the call; the caller's SIPp would wait for nothing
    await nevermiss.waitForHealth(true, 60_000);
    const [entry] = await waitForCallLog(nevermiss.keyPrefix, 1);

    assert.ok(nevermiss.alive(), nevermiss.tail());
    assert.equal(entry?.outcome.kind, 'callback-pending', show(entry));
    assert.deepEqual((await callbacks(nevermiss.keyPrefix)).map((cb) => cb.caller), ['+4520111106']);

    await Promise.all([desk.stop(), colleague.stop()]); // their ports, for the next call's phones
    const { desk: again } = await phonesBehave('answer', 'ring');
    const next = await startCall({ to: TEST_DID, from: '4520111107', talkMs: 500, maxWaitMs: 20_000 });
    assert.equal((await next.done).status, 200);
    assert.equal(again.calls()[0]?.answered, true);
  });
});

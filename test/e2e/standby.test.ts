// Active and standby (docs/decisions/0014): two `nevermiss serve` processes of one installation
// (same Redis keyPrefix, same Stasis app) on the sandbox PBX. One holds the lease and the app; the
// other stands by with its HTTP API, and takes over when the active one is killed.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PHONES, TEST_DID, stasisAppConnected } from '../support/sandbox.js';
import { placeCall, startCall, summarizeCall } from '../support/sipp.js';
import type { LogLine, Service } from '../support/service.js';
import { useBench } from '../support/bench.js';

const rules = (timeout: string): string => `
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
        timeout: ${timeout}
defaultRoute: main
`;

/** failover.lease's default: a killed active is replaced after about this long. */
const LEASE_MS = 5_000;

const show = (value: unknown): string => JSON.stringify(value, null, 1);

/** Signs of two instances fighting over the app: Asterisk's ApplicationReplaced, as logged. */
const fights = (...services: Service[]): LogLine[] =>
  services.flatMap((service) => service.logs.filter((line) => /^another connection took over the Stasis app/.test(line.message)));

describe('active and standby instances on the sandbox PBX', { timeout: 300_000 }, () => {
  const bench = useBench();

  /** Two instances of one installation; the first started is active, the second stands by. */
  async function pair(timeout: string, firstRedisUrl?: string): Promise<{ first: Service; second: Service }> {
    const first = await bench.service({ rules: rules(timeout), ...(firstRedisUrl === undefined ? {} : { redisUrl: firstRedisUrl }) });
    const second = await bench.service({ rules: rules(timeout), keyPrefix: first.keyPrefix });
    await first.start();
    await second.start(30_000, 'standby');
    return { first, second };
  }

  const instanceOf = async (service: Service): Promise<string> => String((await service.health()).body['instance']);

  it('two instances: exactly one is active and holds the app, the other is a healthy standby; a call is handled by the active one', async () => {
    const { first, second } = await pair('20s');
    const [one, two] = [await first.health(), await second.health()];
    assert.equal(one.status, 200, show(one.body));
    assert.equal(two.status, 200, `a healthy standby answers 200: ${show(two.body)}`);
    assert.equal(one.body['role'], 'active');
    assert.equal(two.body['role'], 'standby');
    assert.equal(two.body['ariReachable'], true);
    assert.equal(two.body['ari'], false, 'the standby has no app WebSocket');
    assert.equal(one.body['leaseHolder'], one.body['instance']);
    assert.equal(two.body['leaseHolder'], one.body['instance'], 'the standby sees who is active');
    assert.equal(await stasisAppConnected(), true);

    // The standby's HTTP API works.
    const pending = await second.api('/api/callbacks');
    assert.equal(pending.status, 200);
    // ...but it places no calls: a call back is refused with a pointer to the active one.
    const dial = await second.api('/api/callbacks/any/dial', { method: 'POST', body: {} });
    assert.equal(dial.status, 503);
    const refusal = (await dial.json()) as { code: string; message: string };
    assert.equal(refusal.code, 'NM_ARI_UNREACHABLE');
    assert.match(refusal.message, new RegExp(`standby.*${String(one.body['instance'])}`));

    const desk = await bench.phone({ port: PHONES['owner-desk'], behavior: 'answer', ringMs: 300 });
    const call = await placeCall({ to: TEST_DID, from: '4520111111', talkMs: 500, maxWaitMs: 20_000 });
    assert.equal(call.status, 200, show(summarizeCall(call)));
    assert.equal(desk.calls()[0]?.answered, true);
    await first.waitForLog((line) => line.message === 'call ended: answered');
    assert.equal(second.logs.filter((line) => 'callId' in line).length, 0, 'the standby never saw the call');
    assert.deepEqual(fights(first, second), []);
    assert.equal(second.logs.filter((line) => line.message.startsWith('this instance is now active')).length, 0);
  });

  it('the active one killed (kill -9): the standby takes over within a few seconds and handles the next call; nobody fights', async (t) => {
    const { first, second } = await pair('20s');
    const secondId = await instanceOf(second);
    await first.kill();
    const killedAt = Date.now();
    await second.waitForRole('active', 20_000);
    const tookMs = Date.now() - killedAt;
    t.diagnostic(`takeover ${tookMs} ms after kill -9`);
    assert.ok(tookMs <= LEASE_MS + 4_000, `the standby took over ${tookMs} ms after the active one died`);
    assert.equal(second.alive(), true, 'the instance that was not killed still runs');
    assert.equal(await stasisAppConnected(), true);
    assert.equal((await second.health()).body['leaseHolder'], secondId);

    const desk = await bench.phone({ port: PHONES['owner-desk'], behavior: 'answer', ringMs: 300 });
    const call = await placeCall({ to: TEST_DID, from: '4520222222', talkMs: 500, maxWaitMs: 20_000 });
    assert.equal(call.status, 200, show(summarizeCall(call)));
    assert.equal(desk.calls()[0]?.answered, true, 'answered by the SIPp phone the new active instance rang');
    await second.waitForLog((line) => line.message === 'call ended: answered');
    assert.deepEqual(fights(first, second), []);
  });

  it('the active one killed with a caller in its hunt: after the takeover that caller has exactly one outcome, and the standby lives on', async () => {
    const { first, second } = await pair('30s');
    const desk = await bench.phone({ port: PHONES['owner-desk'], behavior: 'ring' });
    const fallback = await bench.phone({ port: PHONES.fallback, behavior: 'answer', ringMs: 300 });
    const caller = '4520333333';

    const call = await startCall({ to: TEST_DID, from: caller, maxWaitMs: 45_000 });
    await desk.waitForInvites(1, 10_000);
    await first.kill();
    await second.waitForRole('active', 20_000);
    const report = await call.done;

    assert.equal(second.alive(), true, 'the instance that was not killed still runs');
    assert.equal(report.status, 200, `the caller got an answer: ${show(summarizeCall(report))}`);
    // The new active instance finds the caller in the app, owned by no live call: it records an
    // interrupted missed call, and the caller hears the promise (never the dialplan fallback).
    assert.equal(fallback.calls().length, 0, 'the caller was not sent to the fallback');
    const callbacks = (await second.callbacks()).filter((cb) => String(cb['caller']).endsWith(caller));
    assert.equal(callbacks.length, 1, show({ callbacks, tail: second.tail() }));
    assert.ok((report.talkMs ?? 0) > 3_000, `the promise played for ${report.talkMs} ms`);
    assert.deepEqual(fights(first, second), []);
  });

  it('the active one cut off Redis: the standby takes over the app, the first is told (ApplicationReplaced) and stands by for good instead of fighting', async (t) => {
    const proxy = await bench.proxy({ host: '127.0.0.1', port: 6379 });
    const { first, second } = await pair('20s', `redis://${proxy.address}/0`);
    const firstId = await instanceOf(first);
    const secondId = await instanceOf(second);

    proxy.blackhole();
    const cutAt = Date.now();
    await second.waitForRole('active', 20_000);
    t.diagnostic(`takeover ${Date.now() - cutAt} ms after the active one lost Redis`);
    await first.waitForLog((line) => line.message.startsWith('no longer active'), 10_000);
    assert.equal(first.alive(), true, 'the first instance still runs');
    assert.equal(fights(first).length, 1, `told once, by Asterisk: ${show(fights(first))}`);

    proxy.heal();
    await first.waitForRole('standby', 20_000);
    const firstHealth = await first.health();
    assert.equal(firstHealth.body['leaseHolder'], secondId, show(firstHealth.body));
    assert.equal(firstHealth.body['instance'], firstId);
    assert.equal(await stasisAppConnected(), true, "the replaced connection's close left the app with the new active one");

    await bench.phone({ port: PHONES['owner-desk'], behavior: 'answer', ringMs: 300 });
    const call = await placeCall({ to: TEST_DID, from: '4520444444', talkMs: 500, maxWaitMs: 20_000 });
    assert.equal(call.status, 200, show(summarizeCall(call)));
    await second.waitForLog((line) => line.message === 'call ended: answered');
    // Well past the 30 s cool-down: the first one stays a standby, nobody takes the app again.
    await new Promise((resolve) => setTimeout(resolve, 35_000));
    assert.equal((await first.health()).body['role'], 'standby');
    assert.equal((await second.health()).body['role'], 'active');
    assert.equal(fights(first, second).length, 1, show(fights(first, second)));
    assert.equal(second.logs.filter((line) => line.message.startsWith('no longer active')).length, 0);
  });
});

// The figures, end to end: real SIPp calls through the running service on the sandbox PBX (some
// answered in the first hunt step, one in the second, two missed, one missed customer ringing
// again), then /metrics read with a Prometheus text-format parser and the report (GET /api/report
// and `nevermiss report`) checked against exactly those calls.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { DateTime } from 'luxon';
import { PHONES, TEST_DID, waitForNoChannels } from '../support/sandbox.js';
import { placeCall, summarizeCall, type PhoneBehavior } from '../support/sipp.js';
import { useBench, until, type Bench } from '../support/bench.js';
import { startReceivers } from '../support/receivers.js';
import { parseMetrics } from '../support/metrics.js';
import { createCallbackStore } from '../../src/callbacks/store.js';
import type { Report } from '../../src/figures/report.js';

const ROOT = resolve(import.meta.dirname, '..', '..');
const TOKEN = 'e2e-metrics-token-0123456789abcdef';
const SECRET = 'e2e-figures-webhook-secret-0123';
const STEP_S = 3;

function rules(ownerHook: string): string {
  return `
people:
  owner:
    phones:
      desk: PJSIP/owner-desk
      mobile: PJSIP/owner-mobile
    notify:
      webhook: { url: "${ownerHook}", secret: "${SECRET}" }
  colleague:
    phones:
      mobile: PJSIP/colleague
    notify:
      # Nothing listens here: every delivery fails and is retried.
      webhook: { url: "http://127.0.0.1:9/hook", secret: "${SECRET}" }
routes:
  main:
    numbers: ["${TEST_DID}"]
    hunt:
      - ring: [owner]
        timeout: ${STEP_S}s
      - ring: [colleague]
        timeout: ${STEP_S}s
    promise:
      deadline: 10m
callbacks:
  notify: [owner, colleague]
defaultRoute: main
metrics:
  token: ${TOKEN}
`;
}

describe('figures of real calls: /metrics and the report', { timeout: 600_000 }, () => {
  const bench: Bench = useBench();

  async function phones(desk: PhoneBehavior, mobile: PhoneBehavior, colleague: PhoneBehavior): Promise<() => Promise<void>> {
    const started = await Promise.all([
      bench.phone({ port: PHONES['owner-desk'], behavior: desk, ringMs: 500 }),
      bench.phone({ port: PHONES['owner-mobile'], behavior: mobile, ringMs: 900 }),
      bench.phone({ port: PHONES.colleague, behavior: colleague, ringMs: 500 }),
    ]);
    return async () => {
      await Promise.all(started.map((phone) => phone.stop()));
      await waitForNoChannels(10_000);
    };
  }

  it('counts what happened to each call, and the report agrees', async () => {
    const receivers = await startReceivers(SECRET);
    bench.onCleanup(() => receivers.close());
    const service = await bench.service({ rules: rules(receivers.webhookUrl('/owner')) });
    await service.start();
    const store = createCallbackStore(bench.redis, service.keyPrefix);
    const since = Date.now();
    const logged = async (count: number): Promise<void> => {
      await until(`${count} call outcomes`, async () => ((await bench.redis.zcount(`{${service.keyPrefix}}:calls`, since, '+inf')) >= count ? true : undefined), 30_000);
    };

    // Two calls the owner's desk answers (step 0).
    let stop = await phones('answer', 'ring', 'ring');
    for (const [n, from] of ['4520111101', '4520111102'].entries()) {
      const call = await placeCall({ to: TEST_DID, from, talkMs: 1_000, maxWaitMs: 20_000 });
      assert.equal(call.status, 200, JSON.stringify(summarizeCall(call)));
      await logged(n + 1);
    }
    await stop();
    // One the colleague answers after the owner's phones rang out (step 1).
    stop = await phones('ring', 'ring', 'answer');
    const second = await placeCall({ to: TEST_DID, from: '4520111103', talkMs: 1_000, maxWaitMs: 30_000 });
    assert.equal(second.status, 200);
    await logged(3);
    await stop();
    // Two callers hang up while every phone rings: two callbacks.
    stop = await phones('ring', 'ring', 'ring');
    for (const [n, from] of ['4520111104', '4520111105'].entries()) {
      const call = await placeCall({ to: TEST_DID, from, hangupAfterMs: 1_500, maxWaitMs: 20_000 });
      assert.equal(call.cancelled, true);
      await logged(4 + n);
    }
    await stop();
    // The first of them rings again and the owner answers: their callback is kept.
    stop = await phones('answer', 'ring', 'ring');
    const again = await placeCall({ to: TEST_DID, from: '4520111104', talkMs: 1_000, maxWaitMs: 20_000 });
    assert.equal(again.status, 200);
    await logged(6);
    await stop();

    const open = await store.listPending();
    assert.deepEqual(open.map((callback) => callback.caller), ['+4520111105']);
    // The owner hears of both callbacks and of the one kept; the colleague's deliveries fail.
    await receivers.waitFor(() => (receivers.deliveries.filter((d) => d.path === '/owner').length >= 3 ? true : undefined), 'three deliveries to the owner', 30_000);

    const unauthorized = await fetch(`${service.url}/metrics`);
    assert.equal(unauthorized.status, 401);
    const response = await fetch(`${service.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
    assert.equal(response.status, 200);
    const scrape = await parseMetrics(await response.text());

    assert.equal(scrape.value('nevermiss_calls_total', { outcome: 'answered', answered: 'true' }), 4);
    assert.equal(scrape.value('nevermiss_calls_total', { outcome: 'callback-pending', answered: 'false' }), 2);
    assert.deepEqual(scrape.samples('nevermiss_calls_total').length, 2, 'no other outcome');
    assert.equal(scrape.value('nevermiss_answered_calls_total', { person: 'owner', step: '0' }), 3);
    assert.equal(scrape.value('nevermiss_answered_calls_total', { person: 'colleague', step: '1' }), 1);
    const answeredHunts = scrape.histogram('nevermiss_hunt_duration_seconds', { result: 'answered' });
    assert.equal(answeredHunts?.count, 4);
    // The buckets are 1, 2, 5, ... s: the desk answers after ~0.5 s of ringing, the colleague only after the first step's 3 s.
    assert.equal(answeredHunts.buckets['2'], 3, 'the desk\'s three answers within 2 s');
    assert.equal(answeredHunts.buckets['+Inf'], 4);
    const missedHunts = scrape.histogram('nevermiss_hunt_duration_seconds', { result: 'missed' });
    assert.equal(missedHunts?.count, 2);
    const missedSum = missedHunts.sum ?? 0;
    assert.ok(missedSum >= 2 * 1 && missedSum < 2 * 2 * STEP_S, `the callers hung up after ~1.5 s: ${missedSum}`);
    assert.equal(scrape.value('nevermiss_callbacks_created_total'), 2);
    assert.equal(scrape.value('nevermiss_callbacks_closed_total', { result: 'kept' }), 1);
    assert.equal(scrape.value('nevermiss_callbacks_closed_total', { result: 'late' }), 0);
    const waited = scrape.histogram('nevermiss_time_to_callback_seconds');
    assert.equal(waited?.count, 1);
    assert.equal(waited.buckets['600'], 1, 'reached within the 10-minute promise');
    assert.equal(scrape.value('nevermiss_callbacks_open', { overdue: 'false' }), 1);
    assert.equal(scrape.value('nevermiss_callbacks_open', { overdue: 'true' }), 0);
    assert.equal(scrape.value('nevermiss_notifications_total', { channel: 'webhook', result: 'sent' }), receivers.deliveries.filter((d) => d.path === '/owner').length);
    assert.ok((scrape.value('nevermiss_notifications_total', { channel: 'webhook', result: 'retried' }) ?? 0) >= 2, 'the colleague\'s first deliveries failed and wait for a retry');
    for (const name of ['nevermiss_active', 'nevermiss_ari_connected', 'nevermiss_redis_connected', 'nevermiss_redis_scrape_ok']) assert.equal(scrape.value(name), 1, name);
    assert.equal(scrape.value('nevermiss_calls_in_progress'), 0);

    // The report over the days the calls were on (they may straddle midnight in the firm's zone).
    const zone = 'Europe/Copenhagen';
    const from = DateTime.fromMillis(since, { zone }).toISODate() ?? '';
    const to = DateTime.now().setZone(zone).toISODate() ?? '';
    const viaApi = await service.api(`/api/report?from=${from}&to=${to}`);
    assert.equal(viaApi.status, 200);
    const report = (await viaApi.json()) as Report;
    const expectReport = (r: Report): void => {
      assert.deepEqual([r.calls.total, r.calls.answered, r.calls.missed, r.calls.blocked], [6, 4, 2, 0]);
      assert.deepEqual(r.calls.answeredBy, [
        { person: 'owner', phone: 'desk', step: 0, calls: 3 },
        { person: 'colleague', phone: 'mobile', step: 1, calls: 1 },
      ]);
      assert.deepEqual([r.callbacks.created, r.callbacks.kept, r.callbacks.late, r.callbacks.open, r.callbacks.overdue], [2, 1, 0, 1, 0]);
      assert.equal(r.callbacks.keptShare, 1, 'the one due or settled was kept');
      assert.equal(r.callbacks.reachedVia['called-again'], 1);
      assert.equal(r.callbacks.timeToCallBack.count, 1);
      assert.ok((r.callbacks.timeToCallBack.medianSeconds ?? 0) < 600);
      assert.equal(r.perHour.reduce((sum, hour) => sum + hour.calls, 0), 6);
      assert.equal(r.calls.timeToAnswer.count, 4);
      assert.ok((r.calls.timeToAnswer.worstSeconds ?? 0) >= STEP_S, 'the colleague answered after the first step');
    };
    expectReport(report);
    // The same figures as Prometheus saw them.
    assert.equal(report.calls.timeToAnswer.count, answeredHunts.count);

    const cli = await new Promise<{ code: number; stdout: string; stderr: string }>((done) => {
      execFile(process.execPath, [join(ROOT, 'bin', 'nevermiss.js'), 'report', '--from', from, '--to', to, '--json', '--config', service.configFile], { cwd: ROOT, timeout: 60_000 }, (error, stdout, stderr) => {
        done({ code: error ? (typeof error.code === 'number' ? error.code : 99) : 0, stdout, stderr });
      });
    });
    assert.equal(cli.code, 0, cli.stderr);
    expectReport(JSON.parse(cli.stdout) as Report);
  });
});

/**
 * The figures and the metrics of one scripted day of calls, against the real Redis: the calls go
 * through the call flow's records port (spool, store, follow-up) as the service sends them; the
 * report is read back by time (library, GET /api/report, `nevermiss report`), and /metrics is
 * read with a Prometheus text-format parser. Both must tell the same story as the script.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { randomUUID } from 'node:crypto';
import { DateTime } from 'luxon';
import { Redis } from 'ioredis';
import winston from 'winston';
import { deleteNevermissKeys } from '../support/redis.js';
import { parseMetrics } from '../support/metrics.js';
import { parseConfig, formatProblem } from '../../src/config/load.js';
import { createCallbackStore } from '../../src/callbacks/store.js';
import { createJobQueue } from '../../src/callbacks/job-queue.js';
import { createRecordsReader } from '../../src/callbacks/reader.js';
import { openSpool, type Spool } from '../../src/callbacks/spool.js';
import { createCallRecords } from '../../src/callbacks/records.js';
import { createFollowUp } from '../../src/follow-up/follow-up.js';
import { createNotifier } from '../../src/notify/notifier.js';
import { createMetrics } from '../../src/metrics/metrics.js';
import { observedRecords } from '../../src/metrics/observe.js';
import { buildHttp } from '../../src/http/server.js';
import { buildMetricsHttp, type MetricsEndpoint } from '../../src/metrics/http.js';
import { createStatusStore } from '../../src/callbacks/status.js';
import { createUsedLinks } from '../../src/callbacks/used-links.js';
import { buildReport, requestedPeriod } from '../../src/figures/query.js';
import { periodOf } from '../../src/figures/period.js';
import type { Report } from '../../src/figures/report.js';
import type { CallFacts, HuntPlan, Outcome } from '../../src/call-flow/types.js';

const ROOT = resolve(import.meta.dirname, '..', '..');
const ZONE = 'Europe/Copenhagen';
const DAY = '2026-06-10';
const TOKEN = 'figures-test-token-0123456789abcdef';
/** The API's own credential, scope read: the report needs it, /metrics does not (it has its own token). */
const READ_TOKEN = 'figures-test-read-token-0123456789abcdef';
const at = (time: string): number => DateTime.fromISO(`${DAY}T${time}`, { zone: ZONE }).toMillis();
const MIN = 60_000;
/** The scripted day is over; the report and the gauges are read at this time. */
const NOW = at('18:00');

const redis = new Redis('redis://127.0.0.1:6379/0');
const logger = winston.createLogger({ silent: true });
const prefix = `nm-figures-${randomUUID()}`;
const dir = mkdtempSync(join(tmpdir(), 'nevermiss-figures-'));
const configFile = join(dir, 'nevermiss.yaml');
writeFileSync(
  configFile,
  `ari: { url: "http://127.0.0.1:8088", username: u, password: p }
redis: { keyPrefix: ${prefix} }
prompts: { source: sound }
firm: { timezone: ${ZONE} }
people:
  owner: { phones: { desk: PJSIP/owner-desk } }
  colleague: { phones: { mobile: PJSIP/colleague } }
routes: { main: { numbers: ["+4530123456"], hunt: [{ ring: [owner], timeout: 20s }, { ring: [colleague], timeout: 20s }] } }
defaultRoute: main
metrics: { token: ${TOKEN} }
http: { tokens: [{ name: wallboard, secret: ${READ_TOKEN}, scope: read }] }
`,
);
const parsed = parseConfig(readFileSync(configFile, 'utf8'), configFile, {});
if (!parsed.ok) throw new Error(parsed.problems.map(formatProblem).join('\n'));
const config = parsed.config;

let clock = at('08:00');
const store = createCallbackStore(redis, prefix);
const timers = createJobQueue(redis, prefix);
const reader = createRecordsReader(redis, prefix);
const exposition = createMetrics({
  stored: async (now) => ({ ...(await reader.counts(now)), ...(await timers.counts()) }),
  state: () => ({ active: true, ari: true, redis: true, activeCalls: 0, spoolDepth: 0 }),
  now: () => clock,
});
const followUp = createFollowUp({
  config: () => config,
  store,
  jobs: timers,
  notifier: () => createNotifier(config),
  clock: { now: () => clock },
  logger,
  instanceId: 'figures-test',
  publicUrl: 'http://127.0.0.1:8080',
  dialBack: () => Promise.resolve(),
  metrics: exposition.metrics,
});
let spool: Spool;
let report: Report;

const plan: HuntPlan = {
  routeId: 'main',
  language: 'en',
  treatment: 'hunt',
  steps: [],
  promise: { hours: null, timezone: 'Europe/Copenhagen', deadlineMs: 10 * MIN, afterOpeningMs: 10 * MIN, onDuty: false, closedByOwnerUntil: null },
  uncallable: null,
  screenTimeoutMs: 10_000,
};

before(async () => {
  assert.equal(await redis.ping(), 'PONG');
  spool = await openSpool(join(dir, 'data'));
  const records = observedRecords(
    createCallRecords({
      store,
      spool,
      listeners: { recorded: (cb) => followUp.callbackRecorded(cb), closed: (cb) => followUp.closed(cb) },
      logger,
      boundMs: 2_000,
    }),
    exposition.metrics,
  );
  const facts = <C extends string | null>(callId: string, caller: C, startedAt: number): CallFacts & { readonly caller: C } => ({
    callId,
    caller,
    callerName: '',
    called: '+4530123456',
    startedAt,
  });
  const answered = async (callId: string, caller: string, start: string, person: string, phone: string, step: number, ringS: number): Promise<void> => {
    const startedAt = at(start);
    const outcome: Outcome = { kind: 'answered', by: { person, phone }, step, ringMs: ringS * 1000, talkMs: 120_000 };
    clock = startedAt + ringS * 1000 + 120_000;
    await records.logOutcome(facts(callId, caller, startedAt), plan, outcome, clock);
  };
  const missed = async (callId: string, caller: string, start: string, huntS: number): Promise<string> => {
    const startedAt = at(start);
    clock = startedAt + huntS * 1000;
    const { id } = await records.recordMissedCall(facts(callId, caller, startedAt), plan, 'no-answer', clock + 10 * MIN, clock);
    const outcome: Outcome = { kind: 'callback-pending', callbackId: id, reason: 'no-answer', promise: 'within', dueAt: clock + 10 * MIN };
    clock += 8_000;
    await records.logOutcome(facts(callId, caller, startedAt), plan, outcome, clock);
    return id;
  };

  await answered('c1', '+4520000001', '08:05', 'owner', 'desk', 0, 4);
  await answered('c2', '+4520000002', '08:40', 'colleague', 'mobile', 1, 23);
  const late = await missed('c3', '+4520000003', '09:10', 40);
  await missed('c4', '+4520000004', '09:30', 40);
  // The customer of c4 rings again 5 minutes later and the owner answers: kept, reached when that call ends.
  await answered('c5', '+4520000004', '09:36', 'owner', 'desk', 0, 6);
  clock = at('09:40');
  await records.logOutcome(facts('c6', null, at('09:39')), plan, { kind: 'withheld-no-callback', reason: 'caller-hung-up', message: null }, clock);
  clock = at('10:00');
  await records.logOutcome(facts('c7', '+4520000007', at('10:00')), plan, { kind: 'blocked' }, clock);
  await missed('c8', '+4520000008', '16:00', 30); // still open at 18:00: overdue
  // c3's customer is reached an hour late; a person closes it by hand.
  clock = at('10:11');
  await followUp.closed(await store.close(late, 'done', 'api', clock));
  // Nothing outside the day counts: a call the evening before.
  clock = at('07:00') - 12 * 3_600_000;
  await records.logOutcome(facts('c0', '+4520000009', clock - 60_000), plan, { kind: 'answered', by: { person: 'owner', phone: 'desk' }, step: 0, ringMs: 1_000, talkMs: 59_000 }, clock);

  clock = NOW;
  report = await buildReport(reader, periodOf(DAY, DAY, ZONE), NOW);
});

after(async () => {
  await spool.close();
  await deleteNevermissKeys(redis, prefix);
  redis.disconnect();
  rmSync(dir, { recursive: true, force: true });
});

test('the report tells the day as the script played it', () => {
  const { calls, callbacks } = report;
  assert.deepEqual([calls.total, calls.answered, calls.missed, calls.blocked], [8, 3, 4, 1], 'missed: three callbacks and a withheld caller');
  assert.deepEqual(calls.outcomes, { answered: 3, 'callback-pending': 3, 'withheld-no-callback': 1, failed: 0, blocked: 1, 'fallback-answered': 0, 'fallback-missed': 0 });
  assert.deepEqual(calls.answeredBy, [
    { person: 'owner', phone: 'desk', step: 0, calls: 2 },
    { person: 'colleague', phone: 'mobile', step: 1, calls: 1 },
  ]);
  assert.deepEqual(calls.timeToAnswer, { count: 3, medianSeconds: 6, worstSeconds: 23 });
  assert.deepEqual([callbacks.created, callbacks.kept, callbacks.late, callbacks.failed, callbacks.cancelled, callbacks.open, callbacks.overdue], [3, 1, 1, 0, 0, 0, 1]);
  assert.equal(callbacks.keptShare, 0.3333);
  assert.deepEqual(callbacks.reachedVia, { 'dial-back': 0, 'called-again': 1, outbound: 0, fallback: 0, 'by-hand': 1, unknown: 0 });
  // c4 created 09:30:40, reached when c5 ended (09:36 + 6 s + 2 min); c3 created 09:10:40, reached 10:11.
  assert.deepEqual(callbacks.timeToCallBack, { count: 2, medianSeconds: (446 + 3620) / 2, worstSeconds: 3620 });
  assert.equal(callbacks.longestOpenWaitSeconds, (NOW - (at('16:00') + 30_000)) / 1000);
  assert.equal(report.perHour.length, 24);
  assert.deepEqual(report.perHour.filter((hour) => hour.calls > 0).map((hour) => [hour.start.slice(11, 13), hour.calls, hour.answered, hour.missed]), [
    ['08', 2, 2, 0],
    ['09', 4, 1, 3],
    ['10', 1, 0, 0],
    ['16', 1, 0, 1],
  ]);
});

test('/metrics counts the same calls, answers, hunts and callbacks, and reads the open ones from Redis', async () => {
  clock = NOW;
  const scrape = await parseMetrics(await exposition.render());
  assert.equal(scrape.value('nevermiss_calls_total', { outcome: 'answered', answered: 'true' }), 4, 'three of the day and one the evening before');
  assert.equal(scrape.value('nevermiss_calls_total', { outcome: 'callback-pending', answered: 'false' }), 3);
  assert.equal(scrape.value('nevermiss_calls_total', { outcome: 'withheld-no-callback', answered: 'false' }), 1);
  assert.equal(scrape.value('nevermiss_calls_total', { outcome: 'blocked', answered: 'false' }), 1);
  assert.equal(scrape.value('nevermiss_answered_calls_total', { person: 'owner', step: '0' }), 3);
  assert.equal(scrape.value('nevermiss_answered_calls_total', { person: 'colleague', step: '1' }), 1);
  const answeredHunts = scrape.histogram('nevermiss_hunt_duration_seconds', { result: 'answered' });
  assert.deepEqual([answeredHunts?.count, answeredHunts?.sum], [4, 4 + 23 + 6 + 1]);
  assert.equal(answeredHunts?.buckets['5'], 2, 'answered within 5 s: c1 (4 s) and c0 (1 s)');
  const missedHunts = scrape.histogram('nevermiss_hunt_duration_seconds', { result: 'missed' });
  assert.deepEqual([missedHunts?.count, missedHunts?.sum], [3, 40 + 40 + 30]);
  assert.equal(scrape.value('nevermiss_callbacks_created_total'), 3);
  assert.equal(scrape.value('nevermiss_callbacks_closed_total', { result: 'kept' }), 1);
  assert.equal(scrape.value('nevermiss_callbacks_closed_total', { result: 'late' }), 1);
  assert.equal(scrape.value('nevermiss_callbacks_closed_total', { result: 'failed' }), 0);
  const waited = scrape.histogram('nevermiss_time_to_callback_seconds');
  assert.deepEqual([waited?.count, waited?.sum], [2, 446 + 3620]);
  assert.equal(waited?.buckets['600'], 1, 'one reached within 10 minutes');
  assert.equal(scrape.value('nevermiss_callbacks_open', { overdue: 'true' }), 1);
  assert.equal(scrape.value('nevermiss_callbacks_open', { overdue: 'false' }), 0);
  const jobs = await timers.scheduled();
  assert.equal((scrape.value('nevermiss_jobs_queued', { due: 'true' }) ?? 0) + (scrape.value('nevermiss_jobs_queued', { due: 'false' }) ?? 0), jobs.length);
  assert.equal(scrape.value('nevermiss_jobs_queued', { due: 'true' }), jobs.filter((job) => job.state !== 'delayed').length, 'due: no longer delayed');
  assert.equal(scrape.value('nevermiss_redis_scrape_ok'), 1);
  assert.equal(scrape.value('nevermiss_active'), 1);
});

test('without Redis the Redis gauges are left out of the scrape, not shown as 0', async () => {
  const broken = createMetrics({
    stored: () => Promise.reject(new Error('Redis is gone')),
    state: () => ({ active: false, ari: false, redis: false, activeCalls: 0, spoolDepth: 3 }),
    now: () => NOW,
  });
  const scrape = await parseMetrics(await broken.render());
  assert.deepEqual(scrape.samples('nevermiss_callbacks_open'), []);
  assert.deepEqual(scrape.samples('nevermiss_jobs_queued'), []);
  assert.equal(scrape.value('nevermiss_redis_scrape_ok'), 0);
  assert.equal(scrape.value('nevermiss_redis_connected'), 0);
  assert.equal(scrape.value('nevermiss_spool_depth'), 3);
});

const reader_ = { authorization: `Bearer ${READ_TOKEN}` };

/** The main HTTP server as the service builds it, with the API's guard; /metrics on it when given. */
function api(metrics?: MetricsEndpoint): ReturnType<typeof buildHttp> {
  const state = { file: configFile, loadedAt: 0, rejected: null };
  const unused = (): never => {
    throw new Error('not used in this test');
  };
  return buildHttp({
    store,
    status: createStatusStore(redis, prefix),
    usedLinks: createUsedLinks(redis, prefix),
    clock: { now: () => NOW },
    logger,
    promptsDir: dir,
    auth: { http: () => config.http, isPerson: (id) => config.people[id] !== undefined },
    health: () => ({ role: 'active', instance: 'x', leaseHolder: 'x', ari: true, ariReachable: null, redis: true, activeCalls: 0 }),
    configState: () => state,
    reload: () => state,
    onClosed: unused,
    dialBack: unused,
    jobs: unused,
    outboundCall: unused,
    report: (request) => buildReport(reader, requestedPeriod(request, ZONE, NOW), NOW),
    ...(metrics === undefined ? {} : { metrics }),
  });
}

test('GET /api/report gives the same JSON; a date it cannot read is a 400 that says why', async () => {
  const app = api({ token: TOKEN, registry: exposition });
  try {
    const refused = await app.inject({ method: 'GET', url: `/api/report?from=${DAY}&to=${DAY}`, headers: { authorization: `Bearer ${TOKEN}` } });
    assert.equal(refused.statusCode, 401, 'the metrics token is no API credential');
    const ok = await app.inject({ method: 'GET', url: `/api/report?from=${DAY}&to=${DAY}`, headers: reader_ });
    assert.equal(ok.statusCode, 200);
    assert.deepEqual(ok.json(), JSON.parse(JSON.stringify(report)));
    const today = await app.inject({ method: 'GET', url: '/api/report', headers: reader_ });
    assert.equal(today.json<Report>().period.from, DAY, 'no dates: the day it is at NOW in the firm\'s zone');
    const bad = await app.inject({ method: 'GET', url: '/api/report?from=10-06-2026', headers: reader_ });
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json<{ code: string }>().code, 'NM_USAGE');
    assert.match(bad.json<{ message: string }>().message, /from/);
    const impossible = await app.inject({ method: 'GET', url: '/api/report?from=2026-02-30', headers: reader_ });
    assert.deepEqual(impossible.json(), { code: 'NM_USAGE', message: 'NM_USAGE: from "2026-02-30" is not a date that exists (you specified 30 (of type number) as a day, which is invalid)' });
    const twice = await app.inject({ method: 'GET', url: `/api/report?from=${DAY}&from=${DAY}`, headers: reader_ });
    assert.equal(twice.statusCode, 400);
    const backwards = await app.inject({ method: 'GET', url: '/api/report?from=2026-06-10&to=2026-06-01', headers: reader_ });
    assert.match(backwards.json<{ message: string }>().message, /to \(2026-06-01\) is before from \(2026-06-10\)/);
  } finally {
    await app.close();
  }
});

test('/metrics needs its token, compared whole; on its own listener it is the only route', async () => {
  const main = api({ token: TOKEN, registry: exposition });
  const own = buildMetricsHttp({ token: TOKEN, registry: exposition });
  try {
    for (const app of [main, own]) {
      for (const authorization of [undefined, `Bearer ${TOKEN.slice(0, -1)}`, `Bearer ${TOKEN}x`, `Basic ${TOKEN}`, TOKEN, 'Bearer ']) {
        const refused = await app.inject({ method: 'GET', url: '/metrics', headers: authorization === undefined ? {} : { authorization } });
        assert.equal(refused.statusCode, 401, String(authorization));
        assert.equal(refused.headers['www-authenticate'], 'Bearer realm="nevermiss metrics"');
        assert.equal(refused.json<{ code: string }>().code, 'NM_METRICS_UNAUTHORIZED');
      }
      const ok = await app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${TOKEN}` } });
      assert.equal(ok.statusCode, 200);
      assert.match(String(ok.headers['content-type']), /^text\/plain; version=0\.0\.4/);
      assert.equal((await parseMetrics(ok.body)).value('nevermiss_callbacks_closed_total', { result: 'kept' }), 1);
    }
    assert.equal((await main.inject({ method: 'GET', url: '/api/callbacks', headers: { authorization: `Bearer ${TOKEN}` } })).statusCode, 401, 'the metrics token opens nothing else');
    assert.equal((await own.inject({ method: 'GET', url: '/api/callbacks' })).statusCode, 404);
    assert.equal((await own.inject({ method: 'GET', url: '/healthz' })).statusCode, 404);
  } finally {
    await main.close();
    await own.close();
  }
});

test('nevermiss report prints the figures as a table, or the same JSON', async () => {
  const run = (...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> =>
    new Promise((done) => {
      execFile(process.execPath, [join(ROOT, 'bin', 'nevermiss.js'), 'report', ...args, '--config', configFile], { cwd: ROOT, timeout: 30_000 }, (error, stdout, stderr) => {
        done({ code: error ? (typeof error.code === 'number' ? error.code : 99) : 0, stdout, stderr });
      });
    });
  const json = await run('--from', DAY, '--to', DAY, '--json');
  assert.equal(json.code, 0, json.stderr);
  const printed = JSON.parse(json.stdout) as Report;
  // Read later than NOW: only the times that depend on "now" differ.
  const withoutNow = (r: Report): Report => ({ ...r, generatedAt: '', callbacks: { ...r.callbacks, longestOpenWaitSeconds: null } });
  assert.deepEqual(withoutNow(printed), JSON.parse(JSON.stringify(withoutNow(report))));

  const table = await run('--from', DAY, '--to', DAY);
  assert.equal(table.code, 0, table.stderr);
  assert.match(table.stdout, /^nevermiss report, 2026-06-10 \(Europe\/Copenhagen\)$/m);
  assert.match(table.stdout, /^ {2}kept within the promise +1$/m);
  assert.match(table.stdout, /promises kept: 33\.3% \(1 of 3 due or settled\)/);
  assert.match(table.stdout, /^ {2}owner +desk +hunt\[0\] +2$/m);
  assert.match(table.stdout, /time to call back: median 33 min 53 s, worst 1 h \(of 2\)/);

  const refused = await run('--from', '2026-06-31');
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /NM_USAGE: from "2026-06-31" is not a date that exists/);
});

/**
 * The owner's phone page against the real Redis, in a real browser (Debian's chromium through
 * playwright-core, at a phone's size), and its API and event stream over real HTTP: the server
 * listens as the service's does, composed as app/app.ts composes it (the stores wrapped so every
 * change reaches the event hub). No Asterisk here: a dial-back is let through to an ARI that is
 * never connected (test/e2e/page.test.ts rings the bench's phones).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import winston from 'winston';
import type { FastifyInstance } from 'fastify';
import { deleteNevermissKeys } from '../support/redis.js';
import { freePort } from '../support/service.js';
import { openPhone, type Phone } from '../support/browser.js';
import { until } from '../support/bench.js';
import { buildHttp, type PageDeps } from '../../src/http/server.js';
import { DEFAULT_STREAM_LIMITS, type StreamLimits } from '../../src/http/routes/events.js';
import { createCallbackStore } from '../../src/callbacks/store.js';
import { createStatusStore } from '../../src/callbacks/status.js';
import { createJobQueue } from '../../src/callbacks/job-queue.js';
import { createUsedLinks } from '../../src/callbacks/used-links.js';
import { createRecordsReader } from '../../src/callbacks/reader.js';
import { createNotifier } from '../../src/notify/notifier.js';
import { createFollowUp } from '../../src/follow-up/follow-up.js';
import { createDialBacks } from '../../src/follow-up/dial-back.js';
import { DialBackRegistry } from '../../src/dial-back/registry.js';
import { createAriConnection } from '../../src/ari/connection.js';
import { createDialBackControl } from '../../src/ari/dial-back-control.js';
import { systemTimers } from '../../src/clock/clock.js';
import { parseConfig } from '../../src/config/load.js';
import { buildReport, requestedPeriod } from '../../src/figures/query.js';
import { loginLink } from '../../src/http/auth/links.js';
import { createEventHub } from '../../src/live/hub.js';
import { statusWithEvents, storeWithEvents } from '../../src/live/observe.js';

const SECRETS = {
  admin: 'page-admin-0123456789-0123456789-01234',
  wallboard: 'page-wallboard-0123456789-0123456789-0',
  desk: 'page-desk-0123456789-0123456789-0123456',
  session: 'page-session-0123456789-0123456789-0123',
} as const;
const PORT = await freePort();
const ORIGIN = `http://127.0.0.1:${PORT}`;
const redis = new Redis('redis://127.0.0.1:6379/0');
const prefix = `nm-page-${randomUUID()}`;
const promptsDir = mkdtempSync(join(tmpdir(), 'nevermiss-page-'));
const logger = winston.createLogger({ silent: true });

const parsed = parseConfig(`
ari: { url: "http://127.0.0.1:9", username: u, password: p, requestTimeout: 500ms }
redis: { keyPrefix: ${prefix} }
http:
  listen: 127.0.0.1:${PORT}
  publicUrl: ${ORIGIN}
  sessionSecret: "${SECRETS.session}"
  tokens:
    - { name: admin, secret: "${SECRETS.admin}", scope: admin }
    - { name: wallboard, secret: "${SECRETS.wallboard}", scope: read }
    - { name: desk-app, secret: "${SECRETS.desk}", scope: act }
prompts: { source: sound, directory: ${promptsDir} }
firm: { name: Hansen VVS, timezone: Europe/Copenhagen }
people:
  owner: { name: Anna Hansen, phones: { desk: PJSIP/owner-desk } }
  colleague: { name: Bo Jensen, phones: { mobile: PJSIP/colleague } }
routes:
  main: { numbers: ["4530123456"], language: da, hunt: [{ ring: [owner], timeout: 20s }] }
callbacks: { dial: "Local/{number}@nowhere/n", minTalk: 20s, retryPause: 10m }
defaultRoute: main
`, 'page-test.yaml', {});
if (!parsed.ok) throw new Error(`the test's config is invalid: ${JSON.stringify(parsed.problems)}`);
const config = parsed.config;

const clock = { now: () => Date.now() };
const hub = createEventHub(logger);
const store = storeWithEvents(createCallbackStore(redis, prefix), hub);
const status = statusWithEvents(createStatusStore(redis, prefix), hub);
const timers = createJobQueue(redis, prefix);
const reader = createRecordsReader(redis, prefix);
const notifier = createNotifier(config);
const ari = createAriConnection(config.ari, { onEvent: () => undefined, onConnected: () => undefined, onDisconnected: () => undefined }, logger);
const followUp = createFollowUp({
  config: () => config,
  store,
  jobs: timers,
  notifier: () => notifier,
  clock,
  logger,
  instanceId: 'page-test',
  publicUrl: ORIGIN,
  dialBack: async (id, person, by) => {
    await dialBacks.start(id, person, by);
  },
});
const dialBacks = createDialBacks({
  config: () => config,
  store,
  registry: new DialBackRegistry(),
  control: createDialBackControl(() => ari.rest(), config.ari.app, { source: 'sound' }, clock.now),
  followUp,
  clock,
  timers: systemTimers,
  logger,
  instanceId: 'page-test',
});

function build(streams?: StreamLimits): FastifyInstance {
  const state = { file: 'page-test.yaml', loadedAt: Date.now(), rejected: null };
  const page: PageDeps = {
    hub,
    liveCalls: () => [],
    config: () => config,
    notReached: (id) => followUp.attemptFailed(id),
    ...(streams === undefined ? {} : { streams }),
  };
  return buildHttp({
    store,
    status,
    clock,
    logger,
    promptsDir,
    auth: { http: () => config.http, isPerson: (id) => config.people[id] !== undefined },
    usedLinks: createUsedLinks(redis, prefix),
    limits: { requestsPerMinute: 100_000, failures: 100_000, failureWindowMs: 60_000 },
    health: () => ({ role: 'active', instance: 'page-test', leaseHolder: 'page-test', ari: false, ariReachable: null, redis: true, activeCalls: 0 }),
    configState: () => state,
    reload: () => state,
    onClosed: (callback) => followUp.closed(callback),
    callable: () => config.callable,
    dialBack: (id, person, by) => dialBacks.start(id, person, by),
    jobs: () => timers.scheduled(),
    outboundCall: (report) => followUp.outboundCallAnswered(report),
    report: (request) => buildReport(reader, requestedPeriod(request, config.firm.timezone, clock.now()), clock.now()),
    page,
  });
}

const app = build();
let phone: Phone | undefined;

before(async () => {
  assert.equal(await redis.ping(), 'PONG');
  await app.listen({ host: '127.0.0.1', port: PORT });
});

after(async () => {
  await phone?.close();
  await app.close();
  notifier.close();
  await ari.stop().catch(() => undefined);
  await deleteNevermissKeys(redis, prefix);
  redis.disconnect();
  rmSync(promptsDir, { recursive: true, force: true });
});

let calls = 0;
/** A missed call recorded as the call flow records one (through the wrapped store: the hub hears it). */
async function missedCall(caller: string, callerName = '', agoMs = 60_000, dueInMs = 600_000): Promise<string> {
  calls += 1;
  const now = Date.now();
  const { id } = await store.recordMissedCall({
    callId: `page-${calls}-${randomUUID()}`,
    caller,
    called: '4530123456',
    route: 'main',
    language: 'da',
    at: now - agoMs,
    dueAt: now - agoMs + dueInMs,
    ...(callerName === '' ? {} : { callerName }),
  });
  return id;
}

const bearer = (secret: string): Record<string, string> => ({ authorization: `Bearer ${secret}` });

async function api(method: 'GET' | 'POST' | 'PUT', path: string, headers: Record<string, string>, body?: unknown): Promise<{ status: number; json: unknown; text: string }> {
  const response = await fetch(`${ORIGIN}${path}`, {
    method,
    headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  let json: unknown = null;
  try {
    json = JSON.parse(text);
  } catch {
    json = null;
  }
  return { status: response.status, json, text };
}

/** Closes every open callback left by an earlier test, so each test's list is its own. */
async function closeAll(): Promise<void> {
  for (const callback of await store.listPending()) await store.close(callback.id, 'cancelled', 'test', Date.now());
}

async function loggedInPhone(person: string, next: string): Promise<Phone> {
  await phone?.close();
  phone = await openPhone();
  const link = loginLink(config.http, person, { now: Date.now(), next });
  await phone.page.goto(link);
  await phone.page.waitForURL(`${ORIGIN}${next}`);
  await phone.page.locator('#live[data-live="on"]').waitFor({ timeout: 10_000 });
  return phone;
}

describe('a stranger', () => {
  test('gets the page that says how to log in, and never any data', async () => {
    await closeAll();
    const id = await missedCall('+4520123456', 'Kunde Ærlig');
    const stranger = await openPhone();
    phone = stranger;
    for (const path of ['/', `/callbacks/${id}`, '/now', '/status', '/numbers']) {
      stranger.responses.length = 0;
      await stranger.page.goto(`${ORIGIN}${path}`);
      await stranger.page.locator('section[data-screen="login"]').waitFor();
      assert.equal(await stranger.page.locator('h1').textContent(), 'Log ind med et link', 'the firm\'s language (Danish route)');
      const shown = await stranger.page.content();
      for (const secret of ['20123456', '20 12 34 56', 'Ærlig', 'Hansen VVS', 'Anna']) assert.ok(!shown.includes(secret), `${path} shows no ${secret}`);
      await sleep(300);
      const apiCalls = stranger.responses.filter((response) => new URL(response.url).pathname.startsWith('/api/'));
      assert.deepEqual(apiCalls.map((response) => `${new URL(response.url).pathname} ${response.status}`), ['/api/me 401'], `${path}: one question, refused; no event stream opened`);
      for (const response of stranger.responses) assert.ok(!response.body.includes('20123456') && !response.body.includes('Ærlig'), `${response.url} carries no data`);
    }
    // Its own requests, from the page's origin, are refused too.
    const paths = ['/api/callbacks', `/api/callbacks/${id}`, `/api/callbacks/${id}/history`, '/api/status', '/api/calls/live', '/api/events', '/api/report'];
    const tried = await stranger.page.evaluate<number[]>(`(async () => {
      const statuses = [];
      for (const path of ${JSON.stringify(paths)}) statuses.push((await fetch(path)).status);
      statuses.push((await fetch(${JSON.stringify(`/api/callbacks/${id}/done`)}, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).status);
      return statuses;
    })()`);
    assert.deepEqual(tried, [401, 401, 401, 401, 401, 401, 401, 401]);
    assert.equal((await store.get(id))?.status, 'pending');
    await stranger.screenshot('login');
  });

  test('every route the API documents refuses a request without a credential, except the public ones', async () => {
    const document = (await api('GET', '/api/openapi.json', bearer(SECRETS.wallboard))).json as { paths: Record<string, Record<string, { 'x-nevermiss-scope': string }>> };
    const tried: string[] = [];
    for (const [path, operations] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        const url = path.replace(/\{[^}]+\}/g, 'cb-x');
        const response = await fetch(`${ORIGIN}${url}`, { method: method.toUpperCase(), ...(method === 'get' ? {} : { headers: { 'content-type': 'application/json' }, body: '{}' }) });
        const scope = operation['x-nevermiss-scope'];
        if (scope === 'none') assert.ok(response.status !== 401, `${method} ${path} is public`);
        else assert.equal(response.status, 401, `${method} ${path} (needs ${scope}) without a credential`);
        tried.push(`${method.toUpperCase()} ${path}`);
      }
    }
    for (const route of ['GET /api/me', 'GET /api/callbacks/{id}', 'POST /api/callbacks/{id}/not-reached', 'GET /api/calls/live', 'GET /api/events', 'GET /api/events/open', 'GET /api/report']) {
      assert.ok(tried.includes(route), `${route} is documented`);
    }
  });

  test('the page\'s own files hold no data and forbid other scripts', async () => {
    const shell = await fetch(`${ORIGIN}/`);
    assert.equal(shell.status, 200);
    assert.match(shell.headers.get('content-security-policy') ?? '', /script-src 'self'.*frame-ancestors 'none'/);
    const html = await shell.text();
    assert.match(html, /<html lang="da">/);
    assert.doesNotMatch(html, /Hansen|Anna|\+45/);
    const script = await fetch(`${ORIGIN}/page/app.js`);
    assert.equal(script.headers.get('content-type'), 'text/javascript; charset=utf-8');
    const etag = script.headers.get('etag') ?? '';
    assert.equal((await fetch(`${ORIGIN}/page/app.js`, { headers: { 'if-none-match': etag } })).status, 304);
    for (const path of ['/page/../server.js', '/page/%2e%2e/routes/page.ts', '/page/tsconfig.json', '/page/index.html', '/page/nope.js']) {
      assert.equal((await fetch(`${ORIGIN}${path}`)).status, 404, path);
    }
  });
});

describe('a person with a login link', () => {
  test('lands on the callback of the link, sees who rang and how often, and the list updates without reloading', async () => {
    await closeAll();
    const id = await missedCall('+4520123456', 'Kunde Ærlig', 5 * 60_000);
    await missedCall('+4520123456', 'Kunde Ærlig', 2 * 60_000);
    const p = await loggedInPhone('owner', `/callbacks/${id}`);
    await p.page.locator('.callback h1.caller', { hasText: 'Kunde Ærlig' }).waitFor();
    assert.equal(await p.page.locator('.callback .number').textContent(), '+45 20 12 34 56');
    assert.equal(await p.page.locator('.facts dd').nth(2).textContent(), '2', 'rang twice');
    const events = await Promise.all((await p.page.locator('.history [data-event]').all()).map((item) => item.getAttribute('data-event')));
    assert.deepEqual(events, ['called-again', 'created'], 'newest first');

    await p.page.locator('[data-tab="callbacks"]').click();
    await p.page.locator(`.card[data-callback="${id}"]`).waitFor();
    await p.page.evaluate('window.stayed = true');
    // A new missed call arrives: the hub tells the stream, the page fetches the list again.
    const second = await missedCall('+4540998877');
    await p.page.locator(`.card[data-callback="${second}"]`).waitFor({ timeout: 5_000 });
    assert.match(await p.page.locator('h1.count').textContent() ?? '', /^2 venter$/);
    // Closed elsewhere (a desk app's token): it leaves the list.
    assert.equal((await api('POST', `/api/callbacks/${second}/done`, bearer(SECRETS.desk))).status, 200);
    await p.page.locator(`.card[data-callback="${second}"]`).waitFor({ state: 'detached', timeout: 5_000 });
    // An overdue one turns red by itself when its deadline passes.
    const soon = await missedCall('+4540112233', '', 1_000, 3_000);
    const card = p.page.locator(`.card[data-callback="${soon}"]`);
    await card.waitFor();
    await p.page.locator(`.card.overdue[data-callback="${soon}"]`).waitFor({ timeout: 6_000 });
    assert.match(await card.locator('.deadline').textContent() ?? '', /^Overskredet med 0:0\d$/);
    assert.equal(await p.page.evaluate('window.stayed'), true, 'the page was never reloaded');
    assert.deepEqual(p.errors.filter((error) => !/status of 401/.test(error)), []);
  });

  test('a call from the phone asks "reached them?": no answer is an attempt, yes is done, and the history names the person', async () => {
    await closeAll();
    const id = await missedCall('+4520667788', 'Mette Madsen');
    const p = await loggedInPhone('owner', '/');
    const card = p.page.locator(`.card[data-callback="${id}"]`);
    assert.equal(await card.locator('[data-action="call"]').getAttribute('href'), 'tel:+4520667788');
    // The phone's dialer takes the tel: link; the page stays where it is.
    await p.page.evaluate(`document.addEventListener('click', (event) => {
      if (event.target.closest('a[href^="tel:"]')) event.preventDefault();
    }, true)`);
    await card.locator('[data-action="call"]').click();
    const sheet = p.page.locator('dialog[open]');
    await sheet.locator('h2', { hasText: 'Fik du fat i Mette Madsen?' }).waitFor();
    await sheet.locator('textarea').fill('telefonsvarer');
    await sheet.locator('button[data-value="no"]').click();
    await p.page.locator('.toast', { hasText: 'Forsøget er noteret' }).waitFor();
    const attempt = (await store.history(id)).at(-1);
    assert.deepEqual({ event: attempt?.event, by: attempt?.by, detail: attempt?.detail }, { event: 'not-reached', by: 'owner', detail: 'called from their own phone, not reached: telefonsvarer' });
    const reminders = (await timers.scheduled()).filter((job) => job.job.kind === 'remind' && job.job.callbackId === id);
    assert.equal(reminders.length, 1, 'the reminder that waited is replaced');
    const [reminder] = reminders;
    assert.ok(reminder && reminder.dueAt > Date.now() + 9 * 60_000, `the next reminder waits callbacks.retryPause: ${JSON.stringify(reminder)}`);
    assert.equal((await store.get(id))?.status, 'pending');

    await card.locator('[data-action="call"]').click();
    await sheet.locator('button[data-value="yes"]').waitFor();
    await sheet.locator('textarea').fill('aftalt tid torsdag');
    await sheet.locator('button[data-value="yes"]').click();
    await card.waitFor({ state: 'detached' });
    const closed = await store.get(id);
    assert.deepEqual([closed?.status, closed?.closedBy, closed?.reachedVia], ['done', 'owner', 'by-hand']);
    assert.equal((await store.history(id)).at(-1)?.detail, 'aftalt tid torsdag');

    await p.page.goto(`${ORIGIN}/callbacks/${id}`);
    await p.page.locator('.history li[data-event="not-reached"]', { hasText: 'af Anna Hansen' }).waitFor();
    assert.match(await p.page.locator('.closed').textContent() ?? '', /^klaret .* af Anna Hansen$/);
  });

  test('"Ring me now" rings the session\'s own phones: here ARI is away, so it says so and the callback waits', async () => {
    await closeAll();
    const id = await missedCall('+4520445566');
    const p = await loggedInPhone('colleague', '/');
    await p.page.locator(`.card[data-callback="${id}"] [data-action="ring-me"]`).click();
    await p.page.locator('.toast-error').waitFor();
    const events = (await store.history(id)).map((entry) => `${entry.event} by ${entry.by}`);
    assert.deepEqual(events.slice(1), ['dial-started by colleague: colleague', 'dial-abandoned by colleague: colleague'], 'the person of the session, as themselves');
    assert.equal((await store.get(id))?.status, 'pending');
  });

  test('a number we don\'t call back: its card says why, with no "ring me" and no "call"; "done" is still there', async () => {
    await closeAll();
    const id = await missedCall('+4590123456');
    const p = await loggedInPhone('colleague', '/');
    const card = p.page.locator(`.card[data-callback="${id}"]`);
    await card.waitFor();
    assert.equal(await card.locator('.uncallable').textContent(), 'Kan ikke ringes op: +4590123456 is a premium-rate number; callbacks go to mobile, fixedLine (callable.types)');
    assert.equal(await card.locator('[data-action="ring-me"]').count(), 0);
    assert.equal(await card.locator('[data-action="call"]').count(), 0);
    assert.equal(await card.locator('[data-action="done"]').count(), 1);
  });

  test('the status switch: three big buttons and for how long; a change made elsewhere shows without reloading', async () => {
    await status.set('normal', { until: null, by: 'test', now: Date.now() });
    const p = await loggedInPhone('owner', '/status');
    await p.page.locator('[data-mode="normal"][aria-pressed="true"]').waitFor();
    await p.page.locator('.chip', { hasText: '2 h' }).click();
    await p.page.locator('[data-mode="away"]').click();
    await p.page.locator('[data-mode="away"][aria-pressed="true"]').waitFor();
    const away = await status.get(Date.now());
    assert.equal(away.mode, 'away');
    assert.equal(away.setBy, 'owner');
    assert.ok(away.until !== null && Math.abs(away.until - (Date.now() + 2 * 3_600_000)) < 60_000, `until in 2 h: ${String(away.until)}`);
    // Later today "indtil 16.37"; past midnight the day is named too ("indtil tirs. 00.37").
    assert.match(await p.page.locator('.status .meta').textContent() ?? '', /^indtil (\p{L}+\.? )?\d\d[:.]\d\d · sat af Anna Hansen/u);

    assert.equal((await api('PUT', '/api/status', bearer(SECRETS.desk), { mode: 'closed' })).status, 200);
    await p.page.locator('[data-mode="closed"][aria-pressed="true"]').waitFor({ timeout: 5_000 });
    assert.match(await p.page.locator('.status h1').textContent() ?? '', /Lukket/);
    await status.set('normal', { until: null, by: 'test', now: Date.now() });
  });

  test('the numbers of today, this week and this month are the figures of GET /api/report, drawn', async () => {
    await closeAll();
    // A scripted morning: calls answered by two people, missed calls whose callbacks were kept, one late, one still open.
    const now = Date.now();
    const MIN = 60_000;
    let n = 0;
    const answered = async (person: string, phone: string, step: number, startedAgo: number): Promise<void> => {
      n += 1;
      const startedAt = now - startedAgo;
      await store.logCall({ callId: `numbers-a${n}-${randomUUID()}`, caller: `+45201000${String(n).padStart(2, '0')}`, called: '4530123456', route: 'main', startedAt, endedAt: startedAt + 3 * MIN, outcome: { kind: 'answered', by: { person, phone }, step, ringMs: 8_000, talkMs: 170_000 } });
    };
    const missed = async (startedAgo: number, reachedAfter: number | null): Promise<void> => {
      n += 1;
      const caller = `+45402000${String(n).padStart(2, '0')}`;
      const startedAt = now - startedAgo;
      const id = await missedCall(caller, '', startedAgo - 40_000, 10 * MIN);
      await store.logCall({ callId: `numbers-m${n}-${randomUUID()}`, caller, called: '4530123456', route: 'main', startedAt, endedAt: startedAt + 40_000, outcome: { kind: 'callback-pending', callbackId: id, reason: 'no-answer', promise: 'within', dueAt: startedAt + 40_000 + 10 * MIN } });
      if (reachedAfter !== null) await store.close(id, 'done', 'owner', startedAt + 40_000 + reachedAfter);
    };
    await answered('owner', 'desk', 0, 50 * MIN);
    await answered('owner', 'mobile', 0, 44 * MIN);
    await answered('colleague', 'mobile', 1, 38 * MIN);
    await answered('owner', 'desk', 0, 20 * MIN);
    await missed(47 * MIN, 4 * MIN);
    await missed(35 * MIN, 7 * MIN);
    await missed(25 * MIN, 16 * MIN);
    await missed(3 * MIN, null);

    const p = await loggedInPhone('owner', '/numbers');
    const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Copenhagen', year: 'numeric', month: '2-digit', day: '2-digit' }).format(Date.now());
    const report = (await api('GET', `/api/report?from=${today}&to=${today}`, bearer(SECRETS.wallboard))).json as { calls: { total: number; answered: number; missed: number; byPerson: { person: string; calls: number }[] }; callbacks: { kept: number } };
    await p.page.locator('.numbers .tiles').first().waitFor();
    const tiles = await Promise.all((await p.page.locator('.numbers .tiles').first().locator('.value').all()).map((tile) => tile.textContent()));
    assert.deepEqual(tiles, [report.calls.total, report.calls.answered, report.calls.missed].map(String));
    const people = await Promise.all((await p.page.locator('.people li').all()).map((row) => row.textContent()));
    assert.deepEqual(people, report.calls.byPerson.map((row) => `${row.person === 'owner' ? 'Anna Hansen' : 'Bo Jensen'}${row.calls}`));
    assert.equal(await p.page.locator('.chart rect.bar-answered').count(), 24, 'one bar per hour of the day');
    await p.screenshot('numbers');

    // This week from Monday, this month from the 1st, in the firm's zone.
    const [year, month, day] = today.split('-').map(Number);
    const date = new Date(Date.UTC(year ?? 0, (month ?? 1) - 1, day ?? 1));
    date.setUTCDate(date.getUTCDate() - ((date.getUTCDay() + 6) % 7));
    for (const [period, from] of [['week', date.toISOString().slice(0, 10)], ['month', `${today.slice(0, 8)}01`]] as const) {
      const asked = p.page.waitForRequest((request) => request.url().includes('/api/report?'));
      await p.page.locator(`[data-period="${period}"]`).click();
      assert.equal(new URL((await asked).url()).search, `?from=${from}&to=${today}`, period);
      await p.page.locator(`[data-period="${period}"][aria-selected="true"]`).waitFor();
    }
  });

  test('the language switch goes round Danish, German and English, and the phone remembers it', async () => {
    const p = await loggedInPhone('owner', '/numbers');
    assert.equal(await p.page.locator('#lang').textContent(), 'Deutsch');
    await p.page.locator('#lang').click();
    await p.page.locator('[data-period="today"]', { hasText: 'Heute' }).waitFor();
    await p.page.reload();
    await p.page.locator('[data-tab="status"]', { hasText: 'Status' }).waitFor();
    assert.equal(await p.page.locator('[data-tab="callbacks"] .tab-label').textContent(), 'Rückrufe');
    await p.page.locator('#lang').click();
    await p.page.locator('[data-tab="callbacks"]', { hasText: 'Callbacks' }).waitFor();
    await p.page.locator('#lang').click();
    await p.page.locator('[data-tab="callbacks"]', { hasText: 'Ring tilbage' }).waitFor();
  });
});

describe('the API routes of the page', () => {
  test('who am I: a session is its person; a token of no person is itself', async () => {
    const p = await loggedInPhone('owner', '/');
    const me = await p.page.evaluate<Record<string, unknown>>(`fetch('/api/me').then((response) => response.json())`);
    assert.deepEqual(me, {
      kind: 'session',
      name: 'owner',
      person: 'owner',
      personName: 'Anna Hansen',
      scopes: ['read', 'act'],
      language: 'da',
      firm: { name: 'Hansen VVS', timezone: 'Europe/Copenhagen' },
      people: [{ id: 'owner', name: 'Anna Hansen' }, { id: 'colleague', name: 'Bo Jensen' }],
    });
    const token = (await api('GET', '/api/me', bearer(SECRETS.wallboard))).json as Record<string, unknown>;
    assert.deepEqual([token['kind'], token['person'], token['scopes']], ['token', null, ['read']]);
  });

  test('one callback, open or closed; recording an attempt needs act, an open callback and a short note', async () => {
    const id = await missedCall('+4520334455', 'Ole');
    const open = await api('GET', `/api/callbacks/${id}`, bearer(SECRETS.wallboard));
    assert.equal(open.status, 200);
    assert.deepEqual([(open.json as Record<string, unknown>)['callerName'], (open.json as Record<string, unknown>)['status']], ['Ole', 'pending']);
    assert.equal((await api('GET', '/api/callbacks/cb-nothing', bearer(SECRETS.wallboard))).status, 404);
    // The name of the last call that had one: a call without a name keeps it, a new name replaces it.
    assert.equal(await missedCall('+4520334455'), id);
    assert.equal((await store.get(id))?.callerName, 'Ole');
    assert.equal(await missedCall('+4520334455', 'Ole Olsen\u202E'), id);
    assert.equal((await store.get(id))?.callerName, 'Ole Olsen');
    assert.equal((await api('POST', `/api/callbacks/${id}/not-reached`, bearer(SECRETS.wallboard), {})).status, 403, 'read may not act');
    const long = await api('POST', `/api/callbacks/${id}/not-reached`, bearer(SECRETS.desk), { note: 'x'.repeat(501) });
    assert.equal(long.status, 400);
    assert.match(long.text, /body\.note: a note of at most 500 characters/);
    const recorded = await api('POST', `/api/callbacks/${id}/not-reached`, bearer(SECRETS.desk), {});
    assert.equal(recorded.status, 200, recorded.text);
    assert.deepEqual((await store.history(id)).at(-1), { at: (await store.history(id)).at(-1)?.at, event: 'not-reached', from: 'pending', to: 'pending', by: 'desk-app', detail: 'called from their own phone, not reached' });
    assert.equal((await api('POST', `/api/callbacks/${id}/done`, bearer(SECRETS.desk), { note: 'reached on the mobile' })).status, 200);
    assert.equal((await store.history(id)).at(-1)?.detail, 'reached on the mobile');
    assert.equal((await api('POST', `/api/callbacks/${id}/not-reached`, bearer(SECRETS.desk), {})).status, 409);
    assert.equal((await api('POST', '/api/callbacks/cb-nothing/not-reached', bearer(SECRETS.desk), {})).status, 404);
    const closed = await api('GET', `/api/callbacks/${id}`, bearer(SECRETS.wallboard));
    assert.deepEqual([(closed.json as Record<string, unknown>)['status'], (closed.json as Record<string, unknown>)['closedBy']], ['done', 'desk-app']);
  });

  test('the live calls of this instance (none here) with its role', async () => {
    const live = await api('GET', '/api/calls/live', bearer(SECRETS.wallboard));
    assert.deepEqual(live.json, { role: 'active', calls: [] });
  });
});

/** Opens GET /api/events as a raw HTTP request; `read: false` never reads the body (a client that stalls). */
function openStream(app: { port: number }, options: { readonly read: boolean; readonly token?: string }): Promise<{ response: IncomingMessage; text: () => string; destroy: () => void }> {
  return new Promise((resolveStream, reject) => {
    const request = httpRequest({ host: '127.0.0.1', port: app.port, path: '/api/events', headers: bearer(options.token ?? SECRETS.wallboard) }, (response) => {
      let text = '';
      if (options.read) response.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
      else response.pause();
      resolveStream({ response, text: () => text, destroy: () => request.destroy() });
    });
    request.on('error', reject);
    request.end();
  });
}

describe('the event stream cannot leak', () => {
  test('streams that end remove their listener; the counts go back to what they were', async () => {
    await phone?.close();
    phone = undefined;
    const idle = hub.size;
    const streams = await Promise.all(Array.from({ length: 5 }, () => openStream({ port: PORT }, { read: true })));
    assert.equal(hub.size, idle + 5);
    const counted = (await api('GET', '/api/events/open', bearer(SECRETS.admin))).json as { streams: number; listeners: number };
    assert.ok(counted.streams >= 5 && counted.listeners === hub.size, JSON.stringify(counted));
    await until('hello', () => Promise.resolve(streams.every((stream) => stream.text().includes('event: hello')) ? true : undefined));
    // A change reaches every stream as one event.
    hub.publish({ type: 'status', mode: 'away', until: null });
    await until('the event on every stream', () => Promise.resolve(streams.every((stream) => stream.text().includes('event: status\ndata: {"type":"status","mode":"away","until":null}')) ? true : undefined));
    for (const stream of streams) stream.destroy();
    await until('listeners removed', () => Promise.resolve(hub.size === idle ? true : undefined));
  });

  test('a client that stops reading is dropped, not buffered for; a stream ends after its lifetime; the limits per credential and in all hold', async () => {
    const port = await freePort();
    const small = build({ ...DEFAULT_STREAM_LIMITS, maxBufferedBytes: 4_096, lifetimeMs: 1_500, maxStreams: 3, maxStreamsPerPrincipal: 2, heartbeatMs: 200 });
    await small.listen({ host: '127.0.0.1', port });
    let closed = false;
    try {
      const idle = hub.size;
      const stalled = await openStream({ port }, { read: false });
      assert.equal(stalled.response.statusCode, 200);
      // More than the socket's buffers and ours: the server must give up on it.
      const filler = 'x'.repeat(200);
      for (let i = 0; i < 100_000 && hub.size > idle; i += 1) hub.publish({ type: 'callback', id: `cb-${filler}-${i}`, change: 'note', status: null });
      await until('the stalled stream dropped', () => Promise.resolve(hub.size === idle ? true : undefined));
      stalled.destroy();

      const reading = await openStream({ port }, { read: true });
      const second = await openStream({ port }, { read: true });
      const third = await openStream({ port }, { read: true });
      assert.deepEqual([reading.response.statusCode, second.response.statusCode, third.response.statusCode], [200, 200, 429], 'two per credential');
      const other = await openStream({ port }, { read: true, token: SECRETS.desk });
      assert.equal(other.response.statusCode, 200);
      const fourth = await openStream({ port }, { read: true, token: SECRETS.admin });
      assert.equal(fourth.response.statusCode, 503, 'three in all');
      // Heartbeats keep it open, the lifetime ends it (the browser reconnects and is authenticated again).
      await new Promise((resolveEnd) => reading.response.on('end', resolveEnd));
      assert.match(reading.text(), /^retry: 3000\n\nevent: hello\n[^]*: ping\n\n/);
      await until('all ended', () => Promise.resolve(hub.size === idle ? true : undefined));
      for (const stream of [second, third, other, fourth]) stream.destroy();

      // Closing the server ends open streams at once instead of waiting for them.
      const open = await openStream({ port }, { read: true });
      assert.equal(open.response.statusCode, 200);
      const closing = Date.now();
      await small.close();
      closed = true;
      assert.ok(Date.now() - closing < 2_000, `closed in ${Date.now() - closing} ms`);
      assert.equal(hub.size, idle);
    } finally {
      if (!closed) await small.close();
    }
  });
});

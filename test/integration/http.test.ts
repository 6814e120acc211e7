/**
 * The HTTP API through fastify's inject (no listening), composed as the service composes it: a
 * config parsed from YAML with its tokens, the real Redis stores, the real follow-up and dial-back
 * (whose ARI is never connected, so a dial that is let through ends as "dial-abandoned").
 * Every route is tried without a credential, with a wrong one, with one of too narrow a scope and,
 * for the ones that change state, with a session cookie from another site: each is refused and
 * Redis shows nothing changed. Then what the credentials do when they are right.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Redis } from 'ioredis';
import winston from 'winston';
import type { LightMyRequestResponse } from 'fastify';
import { deleteNevermissKeys } from '../support/redis.js';
import { buildHttp, type ConfigStateView, type Health, type HttpLimits } from '../../src/http/server.js';
import { createCallbackStore } from '../../src/callbacks/store.js';
import { createStatusStore } from '../../src/callbacks/status.js';
import { createJobQueue } from '../../src/callbacks/job-queue.js';
import { createUsedLinks } from '../../src/callbacks/used-links.js';
import { createRecordsReader } from '../../src/callbacks/reader.js';
import { buildReport, requestedPeriod } from '../../src/figures/query.js';
import { createNotifier } from '../../src/notify/notifier.js';
import { createFollowUp } from '../../src/follow-up/follow-up.js';
import { createDialBacks } from '../../src/follow-up/dial-back.js';
import { DialBackRegistry } from '../../src/dial-back/registry.js';
import { createAriConnection } from '../../src/ari/connection.js';
import { createDialBackControl } from '../../src/ari/dial-back-control.js';
import { systemTimers } from '../../src/clock/clock.js';
import { parseConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/types.js';
import { actionUrl, loginLink } from '../../src/http/auth/links.js';
import { ACTION_LIFETIME_MS, LOGIN_LINK_LIFETIME_MS } from '../../src/http/auth/credentials.js';

const ROOT = resolve(import.meta.dirname, '..', '..');
const redis = new Redis('redis://127.0.0.1:6379/0');
const prefix = `nm-http-${randomUUID()}`;
const promptsDir = mkdtempSync(join(tmpdir(), 'nevermiss-prompts-'));
mkdirSync(join(promptsDir, 'da', 'nevermiss'), { recursive: true });
writeFileSync(join(promptsDir, 'da', 'nevermiss', 'minutes.wav'), 'RIFF-test');

const SECRETS = {
  admin: 'admin-0123456789-0123456789-0123456789',
  desk: 'desk-0123456789-0123456789-0123456789',
  wallboard: 'wallboard-0123456789-0123456789-012345',
  pbx: 'pbx-0123456789-0123456789-0123456789-x',
  phone: 'phone-0123456789-0123456789-0123456789',
  session: 'session-0123456789-0123456789-01234567',
} as const;
const PUBLIC = 'https://nevermiss.example.dk';
const HOST = 'nevermiss.example.dk';

const YAML = `
ari: { url: "http://127.0.0.1:9", username: u, password: p, requestTimeout: 500ms }
redis: { keyPrefix: ${prefix} }
http:
  publicUrl: ${PUBLIC}
  allowedHosts: [pbx.lan]
  sessionSecret: \${NM_TEST_SESSION}
  tokens:
    - { name: admin, secret: "\${NM_TEST_ADMIN}", scope: admin }
    - { name: desk-app, secret: "${SECRETS.desk}", scope: act }
    - { name: wallboard, secret: "${SECRETS.wallboard}", scope: read }
    - { name: pbx, secret: "${SECRETS.pbx}", scope: report }
    - { name: anna-phone, secret: "${SECRETS.phone}", scope: act, person: owner }
prompts: { source: sound, directory: ${promptsDir} }
people:
  owner: { name: Anna, phones: { desk: PJSIP/owner-desk } }
  colleague: { phones: { mobile: PJSIP/colleague } }
routes:
  main: { numbers: ["4530123456"], hunt: [{ ring: [owner], timeout: 20s }] }
callbacks: { dial: "Local/{number}@nowhere/n", minTalk: 20s }
defaultRoute: main
`;

const parsed = parseConfig(YAML, 'test.yaml', { NM_TEST_SESSION: SECRETS.session, NM_TEST_ADMIN: SECRETS.admin });
if (!parsed.ok) throw new Error(`the test's config is invalid: ${JSON.stringify(parsed.problems)}`);
const config: Config = parsed.config;

let now = Date.now();
const clock = { now: () => now };
const logger = winston.createLogger({ silent: true });
const store = createCallbackStore(redis, prefix);
const status = createStatusStore(redis, prefix);
const timers = createJobQueue(redis, prefix);
const usedLinks = createUsedLinks(redis, prefix);
const notifier = createNotifier(config);
const ari = createAriConnection(config.ari, { onEvent: () => undefined, onConnected: () => undefined, onDisconnected: () => undefined }, logger);
const followUp = createFollowUp({
  config: () => config,
  store,
  jobs: timers,
  notifier: () => notifier,
  clock,
  logger,
  instanceId: 'http-test',
  publicUrl: PUBLIC,
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
  instanceId: 'http-test',
});

const HEALTH: Health = {
  role: 'active',
  instance: 'host:1',
  leaseHolder: 'host:1',
  ariReachable: null,
  ari: true,
  redis: true,
  activeCalls: 0,
  config: { file: '/etc/nevermiss/secret-place/nevermiss.yaml', loadedAt: now, rejected: { at: now, problems: ['nevermiss.yaml:3:5 routes: expected a map'] } },
};
let reloads = 0;
const configState: ConfigStateView = { file: '/etc/nevermiss/nevermiss.yaml', loadedAt: now, rejected: null };

function build(limits?: HttpLimits): ReturnType<typeof buildHttp> {
  return buildHttp({
    store,
    status,
    clock,
    logger,
    promptsDir,
    auth: { http: () => config.http, isPerson: (id) => config.people[id] !== undefined },
    usedLinks,
    ...(limits === undefined ? {} : { limits }),
    health: () => HEALTH,
    configState: () => configState,
    reload: () => {
      reloads += 1;
      return configState;
    },
    onClosed: (callback) => followUp.closed(callback),
    callable: () => config.callable,
    dialBack: (callbackId, person, by) => dialBacks.start(callbackId, person, by),
    jobs: () => timers.scheduled(),
    outboundCall: (report) => followUp.outboundCallAnswered(report),
    report: (request) => buildReport(createRecordsReader(redis, prefix), requestedPeriod(request, config.firm.timezone, now), now),
  });
}

// Generous limits here: every request comes from 127.0.0.1; the limits have tests of their own below.
const app = build({ requestsPerMinute: 100_000, failures: 100_000, failureWindowMs: 60_000 });

after(async () => {
  await app.close();
  notifier.close();
  await deleteNevermissKeys(redis, prefix);
  redis.disconnect();
  rmSync(promptsDir, { recursive: true, force: true });
});

let calls = 0;
async function pendingCallback(caller?: string): Promise<string> {
  calls += 1;
  const number = caller ?? `+45201100${String(calls).padStart(2, '0')}`;
  const { id } = await store.recordMissedCall({ callId: `http-${calls}`, caller: number, called: '4530123456', route: 'main', language: 'en', at: now - 60_000, dueAt: now + 600_000 });
  return id;
}

const bearer = (secret: string): Record<string, string> => ({ authorization: `Bearer ${secret}`, host: HOST });

/** A session cookie, obtained the way a phone gets one: by opening a login link. */
async function sessionCookie(person = 'owner'): Promise<string> {
  const link = new URL(loginLink(config.http, person, { now, next: '/callbacks/cb-x' }));
  const response = await app.inject({ method: 'GET', url: `${link.pathname}${link.search}`, headers: { host: HOST } });
  assert.equal(response.statusCode, 303, response.body);
  const cookie = String(response.headers['set-cookie']);
  return cookie.slice(0, cookie.indexOf(';'));
}

interface RouteCase {
  readonly name: string;
  readonly method: 'GET' | 'POST' | 'PUT';
  readonly url: (id: string) => string;
  readonly scope: 'read' | 'act' | 'admin' | 'report';
  /** A token just too narrow for the route. */
  readonly narrow: keyof typeof SECRETS;
  readonly payload?: Record<string, unknown>;
  readonly form?: boolean;
}

const ROUTES: readonly RouteCase[] = [
  { name: 'list callbacks', method: 'GET', url: () => '/api/callbacks', scope: 'read', narrow: 'pbx' },
  { name: 'history', method: 'GET', url: (id) => `/api/callbacks/${id}/history`, scope: 'read', narrow: 'pbx' },
  { name: 'jobs', method: 'GET', url: () => '/api/jobs', scope: 'read', narrow: 'pbx' },
  { name: 'status', method: 'GET', url: () => '/api/status', scope: 'read', narrow: 'pbx' },
  { name: 'openapi', method: 'GET', url: () => '/api/openapi.json', scope: 'read', narrow: 'pbx' },
  { name: 'report', method: 'GET', url: () => '/api/report', scope: 'read', narrow: 'pbx' },
  { name: 'done', method: 'POST', url: (id) => `/api/callbacks/${id}/done`, scope: 'act', narrow: 'wallboard' },
  { name: 'dial', method: 'POST', url: (id) => `/api/callbacks/${id}/dial`, scope: 'act', narrow: 'wallboard', payload: { by: 'owner' } },
  { name: 'set status', method: 'PUT', url: () => '/api/status', scope: 'act', narrow: 'wallboard', payload: { mode: 'closed', for: '2h' } },
  { name: 'reload', method: 'POST', url: () => '/api/reload', scope: 'admin', narrow: 'desk' },
  { name: 'config state', method: 'GET', url: () => '/api/admin/config', scope: 'admin', narrow: 'desk' },
  { name: 'outbound report', method: 'POST', url: () => '/api/hooks/outbound', scope: 'report', narrow: 'desk', payload: { number: 'CALLER', answered: '60', from: '101' }, form: true },
];

/** What each route could have changed, read back from Redis (and the reload counter). */
async function snapshot(id: string): Promise<string> {
  const callback = await store.get(id);
  const history = await store.history(id);
  return JSON.stringify({ callback, history, status: await status.get(now), reloads, jobs: (await timers.scheduled()).length });
}

function send(route: RouteCase, id: string, caller: string, headers: Record<string, string>): Promise<LightMyRequestResponse> {
  const payload = route.payload === undefined ? undefined : Object.fromEntries(Object.entries(route.payload).map(([key, value]) => [key, value === 'CALLER' ? caller : value]));
  if (payload === undefined) return app.inject({ method: route.method, url: route.url(id), headers });
  if (route.form) {
    return app.inject({ method: route.method, url: route.url(id), headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' }, payload: new URLSearchParams(payload as Record<string, string>).toString() });
  }
  return app.inject({ method: route.method, url: route.url(id), headers, payload });
}

describe('every /api route refuses strangers and changes nothing', () => {
  for (const route of ROUTES) {
    test(`${route.method} ${route.url(':id')} (${route.name}, needs ${route.scope})`, async () => {
      const caller = `+4520990${String(ROUTES.indexOf(route)).padStart(3, '0')}`;
      const id = await pendingCallback(caller);
      const before = await snapshot(id);
      const session = await sessionCookie();
      const attempts: Array<[string, Record<string, string>, number, string]> = [
        ['no credential', { host: HOST }, 401, 'NM_UNAUTHORIZED'],
        ['a wrong token', bearer('wrong-0123456789-0123456789-0123456789'), 401, 'NM_UNAUTHORIZED'],
        ['a token that is not Bearer', { host: HOST, authorization: `Basic ${Buffer.from(`admin:${SECRETS.admin}`).toString('base64')}` }, 401, 'NM_UNAUTHORIZED'],
        [`a token of too narrow a scope (${route.narrow})`, bearer(SECRETS[route.narrow]), 403, 'NM_FORBIDDEN'],
        ['the right token for a host this service does not answer to', { ...bearer(SECRETS.admin), host: 'evil.example' }, 421, 'NM_HOST_NOT_ALLOWED'],
        ['a tampered session cookie', { host: HOST, cookie: `${session.slice(0, -3)}AAA` }, 401, 'NM_UNAUTHORIZED'],
      ];
      if (route.method !== 'GET') {
        const crossSite = route.scope === 'act' ? 'NM_CROSS_SITE' : 'NM_FORBIDDEN';
        attempts.push(
          ['the session cookie from another site (Origin)', { host: HOST, cookie: session, origin: 'https://evil.example' }, 403, crossSite],
          ['the session cookie from another site (Sec-Fetch-Site)', { host: HOST, cookie: session, origin: PUBLIC, 'sec-fetch-site': 'cross-site' }, 403, crossSite],
          ['the session cookie without Origin', { host: HOST, cookie: session }, 403, crossSite],
        );
      } else if (route.scope === 'admin' || route.scope === 'report') {
        attempts.push(['a session (scope act)', { host: HOST, cookie: session }, 403, 'NM_FORBIDDEN']);
      }
      for (const [what, headers, code, errorCode] of attempts) {
        const response = await send(route, id, caller, headers);
        assert.equal(response.statusCode, code, `${what}: ${response.body}`);
        assert.equal(response.json<{ code: string }>().code, errorCode, what);
      }
      assert.equal(await snapshot(id), before, 'Redis (and the reload counter) show nothing changed');

      const allowed = await send(route, id, caller, bearer(SECRETS[route.scope === 'read' ? 'wallboard' : route.scope === 'act' ? 'desk' : route.scope === 'admin' ? 'admin' : 'pbx']));
      assert.ok([200, 202, 503].includes(allowed.statusCode), `the right token reaches the handler: ${allowed.statusCode} ${allowed.body}`);
    });
  }
});

test('the right tokens act, and the history names the token or its person', async () => {
  const id = await pendingCallback();
  const done = await app.inject({ method: 'POST', url: `/api/callbacks/${id}/done`, headers: bearer(SECRETS.desk) });
  assert.equal(done.statusCode, 200, done.body);
  assert.equal(done.json<{ status: string; closedBy: string }>().status, 'done');
  assert.equal((await store.history(id)).at(-1)?.by, 'desk-app');
  assert.equal((await app.inject({ method: 'POST', url: `/api/callbacks/${id}/done`, headers: bearer(SECRETS.desk) })).statusCode, 409);
  assert.equal((await app.inject({ method: 'POST', url: '/api/callbacks/cb-none/done', headers: bearer(SECRETS.desk) })).statusCode, 404);

  const set = await app.inject({ method: 'PUT', url: '/api/status', headers: bearer(SECRETS.phone), payload: { mode: 'away' } });
  assert.equal(set.statusCode, 200, set.body);
  assert.equal(set.json<{ setBy: string }>().setBy, 'owner', 'a token with a person acts as that person');
  await status.set('normal', { until: null, by: 'test', now });

  // A dial let through: ARI is not connected, so it is abandoned at once, pending again, and said so.
  const other = await pendingCallback();
  const dial = await app.inject({ method: 'POST', url: `/api/callbacks/${other}/dial`, headers: bearer(SECRETS.phone) });
  assert.equal(dial.statusCode, 503, dial.body);
  assert.equal(dial.json<{ code: string }>().code, 'NM_ARI_UNREACHABLE');
  const events = (await store.history(other)).map((entry) => `${entry.event} by ${entry.by}`);
  assert.deepEqual(events.slice(1), ['dial-started by owner: owner', 'dial-abandoned by owner: owner'], 'who asked: whose phones');
  assert.equal((await store.get(other))?.status, 'pending');
});

test('a number we don\'t call back: the API says why, and a dial is refused with 409 and the reason', async () => {
  const id = await pendingCallback('+4590123456');
  const why = '+4590123456 is a premium-rate number; callbacks go to mobile, fixedLine (callable.types)';
  const list = await app.inject({ method: 'GET', url: '/api/callbacks', headers: bearer(SECRETS.phone) });
  assert.equal(list.statusCode, 200, list.body);
  assert.equal(list.json<Array<{ id: string; uncallable?: string }>>().find((cb) => cb.id === id)?.uncallable, why);
  const dial = await app.inject({ method: 'POST', url: `/api/callbacks/${id}/dial`, headers: bearer(SECRETS.phone) });
  assert.equal(dial.statusCode, 409, dial.body);
  assert.equal(dial.json<{ code: string }>().code, 'NM_CALLBACK_UNCALLABLE');
  assert.equal((await store.get(id))?.status, 'pending', 'nothing was dialled');
  const callable = await pendingCallback('+4520771101');
  assert.equal(list.json<Array<{ id: string; uncallable?: string }>>().some((cb) => cb.id === callable), false);
  const again = await app.inject({ method: 'GET', url: '/api/callbacks', headers: bearer(SECRETS.phone) });
  assert.equal(again.json<Array<{ id: string; uncallable?: string }>>().find((cb) => cb.id === callable)?.uncallable, undefined);
});

test('the outbound report with the PBX token closes the callback of the number called', async () => {
  const id = await pendingCallback('+4520771100');
  const body = new URLSearchParams({ number: '+4520771100', answered: '42', from: '101' }).toString();
  const response = await app.inject({ method: 'POST', url: '/api/hooks/outbound', headers: { ...bearer(SECRETS.pbx), host: 'pbx.lan:8080', 'content-type': 'application/x-www-form-urlencoded' }, payload: body });
  assert.equal(response.statusCode, 200, response.body);
  assert.deepEqual(response.json(), { closed: id });
  const bad = await app.inject({ method: 'POST', url: '/api/hooks/outbound', headers: { ...bearer(SECRETS.pbx), 'content-type': 'application/x-www-form-urlencoded' }, payload: 'number=&answered=x' });
  assert.equal(bad.statusCode, 400);
  assert.match(bad.json<{ message: string }>().message, /body\.number: .*; body\.answered: /);
});

test('bodies and parameters are checked against their schemas before any handler runs', async () => {
  for (const [method, url, payload, expected] of [
    ['PUT', '/api/status', { mode: 'bogus' }, /body\.mode: /],
    ['PUT', '/api/status', { mode: 'away', for: '2 hours' }, /body\.for: /],
    ['PUT', '/api/status', { mode: 'away', extra: 1 }, /body: .*extra/],
    ['POST', '/api/callbacks/..%2Fx/done', undefined, /params\.id: /],
    ['POST', '/api/callbacks/cb-1/dial', { by: 'no such person!' }, /body\.by: /],
  ] as const) {
    const response = await app.inject({ method, url, headers: bearer(SECRETS.desk), ...(payload === undefined ? {} : { payload }) });
    assert.equal(response.statusCode, 400, `${method} ${url}: ${response.body}`);
    assert.equal(response.json<{ code: string }>().code, 'NM_USAGE');
    assert.match(response.json<{ message: string }>().message, expected);
  }
});

test('/healthz is public and tells no file path or config problem; the admin route does', async () => {
  const health = await app.inject({ method: 'GET', url: '/healthz', headers: { host: 'anything.internal' } });
  assert.equal(health.statusCode, 200);
  assert.doesNotMatch(health.body, /secret-place|nevermiss\.yaml|routes: expected/);
  assert.equal(health.json<{ config: { rejectedAt: string } }>().config.rejectedAt, new Date(now).toISOString());
  const state = await app.inject({ method: 'GET', url: '/api/admin/config', headers: bearer(SECRETS.admin) });
  assert.equal(state.statusCode, 200);
  assert.equal(state.json<{ file: string }>().file, '/etc/nevermiss/nevermiss.yaml');
});

test('prompts are public for Asterisk as audio/wav; nothing outside the prompts folder is', async () => {
  const ok = await app.inject({ method: 'GET', url: '/prompts/da/nevermiss/minutes.wav' });
  assert.equal(ok.statusCode, 200);
  assert.equal(ok.headers['content-type'], 'audio/wav');
  assert.equal(ok.body, 'RIFF-test');
  for (const url of ['/prompts/da/nevermiss/missing.wav', '/prompts/da/nevermiss/..%2F..%2Fetc%2Fpasswd', '/prompts/..%2F/nevermiss/minutes.wav']) {
    assert.equal((await app.inject({ method: 'GET', url })).statusCode, 404, url);
  }
});

test('a route that declares no access is refused when it is added, so it can never be open', () => {
  const extra = build();
  assert.throws(() => extra.get('/api/forgotten', (_request, reply) => reply.send('secret')), /route GET \/api\/forgotten declares no access/);
  assert.throws(() => extra.get('/api/both', { config: { scope: 'read', public: true } }, (_request, reply) => reply.send('secret')), /more than one/);
  void extra.close();
});

describe('login links and sessions', () => {
  test('a login link sets a long-lived HttpOnly, SameSite, Secure cookie and redirects to a local next path only', async () => {
    const link = new URL(loginLink(config.http, 'owner', { now, next: '/callbacks/cb-42?from=mail' }));
    assert.equal(link.origin, PUBLIC);
    const response = await app.inject({ method: 'GET', url: `${link.pathname}${link.search}`, headers: { host: HOST } });
    assert.equal(response.statusCode, 303);
    assert.equal(response.headers.location, '/callbacks/cb-42?from=mail');
    const cookie = String(response.headers['set-cookie']);
    assert.match(cookie, /^__Host-nevermiss-session=[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}; Max-Age=7776000; Path=\/; HttpOnly; Secure; SameSite=Lax$/);
    for (const next of ['//evil.example/x', 'https://evil.example/', '/\\evil.example', 'javascript:alert(1)']) {
      const url = new URL(link);
      url.searchParams.set('next', next);
      const redirected = await app.inject({ method: 'GET', url: `${url.pathname}${url.search}`, headers: { host: HOST } });
      assert.equal(redirected.headers.location, '/', `next=${next}`);
    }
  });

  test('a session acts as its person, on its own site only', async () => {
    const cookie = await sessionCookie('colleague');
    const list = await app.inject({ method: 'GET', url: '/api/callbacks', headers: { host: HOST, cookie } });
    assert.equal(list.statusCode, 200);
    const id = await pendingCallback();
    const done = await app.inject({ method: 'POST', url: `/api/callbacks/${id}/done`, headers: { host: HOST, cookie, origin: PUBLIC, 'sec-fetch-site': 'same-origin' } });
    assert.equal(done.statusCode, 200, done.body);
    assert.equal((await store.history(id)).at(-1)?.by, 'colleague');
    const other = await pendingCallback();
    const byOrigin = await app.inject({ method: 'POST', url: `/api/callbacks/${other}/done`, headers: { host: HOST, cookie, origin: PUBLIC } });
    assert.equal(byOrigin.statusCode, 200, 'Origin alone (no Sec-Fetch-Site) of this site is enough');
  });

  test('an expired, tampered or foreign login link is refused and sets no cookie', async () => {
    const fresh = new URL(loginLink(config.http, 'owner', { now }));
    const expired = new URL(loginLink(config.http, 'owner', { now: now - LOGIN_LINK_LIFETIME_MS - 1 }));
    const token = fresh.searchParams.get('t') ?? '';
    const [body = '', signature = ''] = token.split('.');
    const otherPerson = Buffer.from(Buffer.from(body, 'base64url').toString('utf8').replace('"owner"', '"colleague"')).toString('base64url');
    const foreign = new URL(loginLink({ ...config.http, sessionSecret: 'another-secret-0123456789-0123456789' }, 'owner', { now }));
    for (const [what, t] of [
      ['expired', expired.searchParams.get('t') ?? ''],
      ['another person in the payload', `${otherPerson}.${signature}`],
      ['a changed signature', `${body}.${signature.slice(0, -2)}AA`],
      ['signed with another secret', foreign.searchParams.get('t') ?? ''],
      ['not a token at all', 'hello'],
    ] as const) {
      const response = await app.inject({ method: 'GET', url: `/login?t=${encodeURIComponent(t)}`, headers: { host: HOST } });
      assert.equal(response.statusCode, 401, `${what}: ${response.body}`);
      assert.equal(response.headers['set-cookie'], undefined, what);
    }
  });
});

describe('single-use action links', () => {
  const path = (url: string): string => new URL(url).pathname;

  test('"done" closes the callback as the person, once; the second use is refused', async () => {
    const id = await pendingCallback();
    const url = path(actionUrl(config.http, id, 'done', 'owner', now));
    const first = await app.inject({ method: 'POST', url, headers: { host: HOST } });
    assert.equal(first.statusCode, 200, first.body);
    assert.equal(first.json<{ act: string; callback: { status: string } }>().callback.status, 'done');
    assert.equal((await store.history(id)).at(-1)?.by, 'owner');
    const again = await app.inject({ method: 'POST', url, headers: { host: HOST } });
    assert.equal(again.statusCode, 410);
    assert.equal(again.json<{ code: string }>().code, 'NM_LINK_USED');
  });

  test('two uses at once: exactly one acts', async () => {
    const id = await pendingCallback();
    const url = path(actionUrl(config.http, id, 'done', 'owner', now));
    const answers = await Promise.all([1, 2, 3].map(() => app.inject({ method: 'POST', url, headers: { host: HOST } })));
    assert.deepEqual(answers.map((answer) => answer.statusCode).sort(), [200, 410, 410]);
  });

  test('"dial" rings the person of the link (ARI is away here: abandoned, pending again)', async () => {
    const id = await pendingCallback();
    const response = await app.inject({ method: 'POST', url: path(actionUrl(config.http, id, 'dial', 'colleague', now)), headers: { host: HOST } });
    assert.equal(response.statusCode, 503, response.body);
    assert.deepEqual((await store.history(id)).slice(1).map((entry) => `${entry.event} by ${entry.by}`), ['dial-started by colleague: colleague', 'dial-abandoned by colleague: colleague']);
  });

  test('expired, tampered, GET and foreign action links are refused, and the callback stays pending', async () => {
    const id = await pendingCallback();
    const good = path(actionUrl(config.http, id, 'done', 'owner', now));
    const token = good.slice(good.lastIndexOf('/') + 1);
    const [body = '', signature = ''] = token.split('.');
    const asDial = Buffer.from(Buffer.from(body, 'base64url').toString('utf8').replace('"done"', '"dial"')).toString('base64url');
    for (const [what, url, method, code] of [
      ['expired', path(actionUrl(config.http, id, 'done', 'owner', now - ACTION_LIFETIME_MS - 1)), 'POST', 401],
      ['another act in the payload', `/api/act/${asDial}.${signature}`, 'POST', 401],
      ['a changed signature', `/api/act/${body}.${signature.slice(0, -2)}AA`, 'POST', 401],
      ['a login token used as an action', `/api/act/${new URL(loginLink(config.http, 'owner', { now })).searchParams.get('t') ?? ''}`, 'POST', 401],
      ['fetched with GET (a link scanner)', good, 'GET', 404],
    ] as const) {
      const response = await app.inject({ method, url, headers: { host: HOST } });
      assert.equal(response.statusCode, code, `${what}: ${response.body}`);
    }
    assert.equal((await store.get(id))?.status, 'pending');
    assert.equal((await app.inject({ method: 'POST', url: good, headers: { host: HOST } })).statusCode, 200, 'the real link still works once');
  });
});

test('a push notification carries buttons that work: "Done" from the ntfy message closes the callback as its person', async () => {
  const pushes: IncomingHttpHeaders[] = [];
  const topic = createServer((req, res) => {
    pushes.push(req.headers);
    req.resume();
    req.on('end', () => res.writeHead(200).end('{}'));
  });
  await new Promise<void>((done) => topic.listen(0, '127.0.0.1', done));
  const { port } = topic.address() as AddressInfo;
  const withPush = parseConfig(
    YAML.replace('owner: { name: Anna, phones: { desk: PJSIP/owner-desk } }', `owner: { name: Anna, phones: { desk: PJSIP/owner-desk }, notify: { ntfy: { url: "http://127.0.0.1:${port}/anna" } } }`),
    'test.yaml',
    { NM_TEST_SESSION: SECRETS.session, NM_TEST_ADMIN: SECRETS.admin },
  );
  assert.ok(withPush.ok, JSON.stringify(!withPush.ok && withPush.problems));
  const pushConfig = withPush.config;
  const pushNotifier = createNotifier(pushConfig);
  const pushFollowUp = createFollowUp({
    config: () => pushConfig, store, jobs: timers, notifier: () => pushNotifier, clock, logger, instanceId: 'http-push-test', publicUrl: PUBLIC,
    dialBack: () => Promise.reject(new Error('no ringing on escalation here')),
  });
  try {
    const id = await pendingCallback();
    await pushFollowUp.callbackRecorded({ id, created: true });
    await pushFollowUp.startJobs();
    // Other tests' callbacks (same prefix) get their pushes too; this one's is the one to press.
    const ours = (): IncomingHttpHeaders | undefined => pushes.find((headers) => String(headers['click']).endsWith(`%2Fcallbacks%2F${id}`));
    for (let round = 0; round < 100 && ours() === undefined; round += 1) await sleep(100);
    await pushFollowUp.stopJobs();
    const push = ours();
    assert.ok(push !== undefined, 'the ntfy topic got the push');
    assert.match(String(push['click']), new RegExp(`^${PUBLIC}/login\\?t=[^&]+&next=%2Fcallbacks%2F${id}$`));
    const buttons = String(push['actions']).split('; ').map((action) => action.split(', '));
    assert.deepEqual(buttons.map(([type, label, , method]) => [type, label, method]), [['http', 'Ring me now', 'method=POST'], ['http', 'Done', 'method=POST']]);
    const done = new URL(buttons[1]?.[2] ?? '');
    assert.equal(done.origin, PUBLIC);
    const pressed = await app.inject({ method: 'POST', url: done.pathname, headers: { host: done.host } });
    assert.equal(pressed.statusCode, 200, pressed.body);
    assert.equal((await store.get(id))?.status, 'done');
    assert.equal((await store.history(id)).at(-1)?.by, 'owner');
  } finally {
    await pushFollowUp.stopJobs();
    pushNotifier.close();
    await new Promise((done) => topic.close(done));
  }
});

describe('rate limits', () => {
  test('an address with too many failed authentications is refused, even with the right token, until its window ends', async () => {
    const limited = build({ requestsPerMinute: 1_000, failures: 3, failureWindowMs: 60_000 });
    const from = (address: string): { remoteAddress: string } => ({ remoteAddress: address });
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const wrong = await limited.inject({ method: 'GET', url: '/api/callbacks', headers: bearer(`guess-${attempt}-0123456789-0123456789-012345`), ...from('192.0.2.7') });
      assert.equal(wrong.statusCode, 401);
    }
    const blocked = await limited.inject({ method: 'GET', url: '/api/callbacks', headers: bearer(SECRETS.admin), ...from('192.0.2.7') });
    assert.equal(blocked.statusCode, 429, blocked.body);
    assert.equal(blocked.json<{ code: string }>().code, 'NM_RATE_LIMITED');
    assert.equal(blocked.headers['retry-after'], '60');
    const tamperedLink = await limited.inject({ method: 'POST', url: '/api/act/x.y', headers: { host: HOST }, ...from('192.0.2.7') });
    assert.equal(tamperedLink.statusCode, 429, 'links are refused too');
    const elsewhere = await limited.inject({ method: 'GET', url: '/api/callbacks', headers: bearer(SECRETS.admin), ...from('192.0.2.8') });
    assert.equal(elsewhere.statusCode, 200, 'another address is not held to it');
    const noCredential = await limited.inject({ method: 'GET', url: '/api/callbacks', headers: { host: HOST }, ...from('192.0.2.9') });
    assert.equal(noCredential.statusCode, 401);
    now += 60_000;
    const later = await limited.inject({ method: 'GET', url: '/api/callbacks', headers: bearer(SECRETS.admin), ...from('192.0.2.7') });
    assert.equal(later.statusCode, 200, 'after the window the address may try again');
    await limited.close();
  });

  test('the API takes at most so many requests a minute from one address; /healthz and prompts are not counted', async () => {
    const limited = build({ requestsPerMinute: 5, failures: 100, failureWindowMs: 60_000 });
    const codes: number[] = [];
    for (let request = 0; request < 7; request += 1) {
      codes.push((await limited.inject({ method: 'GET', url: '/api/status', headers: bearer(SECRETS.wallboard), remoteAddress: '192.0.2.20' })).statusCode);
      assert.equal((await limited.inject({ method: 'GET', url: '/healthz', remoteAddress: '192.0.2.20' })).statusCode, 200);
    }
    assert.deepEqual(codes, [200, 200, 200, 200, 200, 429, 429]);
    const refused = await limited.inject({ method: 'GET', url: '/api/status', headers: bearer(SECRETS.wallboard), remoteAddress: '192.0.2.20' });
    assert.equal(refused.json<{ code: string }>().code, 'NM_RATE_LIMITED');
    await limited.close();
  });
});

describe('the OpenAPI document', () => {
  let served: string;
  before(async () => {
    const response = await app.inject({ method: 'GET', url: '/api/openapi.json', headers: bearer(SECRETS.wallboard) });
    assert.equal(response.statusCode, 200);
    served = `${JSON.stringify(response.json(), null, 2)}\n`;
  });

  test('docs/openapi.json is the document the service serves now (run scripts/make-openapi.ts after a change)', () => {
    assert.equal(readFileSync(join(ROOT, 'docs', 'openapi.json'), 'utf8'), served);
  });

  test('it names the scope of every operation', () => {
    const document = JSON.parse(served) as { paths: Record<string, Record<string, { 'x-nevermiss-scope'?: string }>> };
    const operations = Object.entries(document.paths).flatMap(([path, methods]) => Object.entries(methods).map(([method, operation]) => [`${method.toUpperCase()} ${path}`, operation['x-nevermiss-scope']]));
    assert.ok(operations.length >= 15, JSON.stringify(operations));
    for (const [operation, scope] of operations) assert.ok(scope !== undefined, `${operation} says its scope`);
    assert.deepEqual(Object.fromEntries(operations.filter(([operation]) => operation?.includes('/api/hooks') || operation?.includes('/healthz') || operation?.includes('/api/reload'))), {
      'GET /healthz': 'none',
      'POST /api/hooks/outbound': 'report',
      'POST /api/reload': 'admin',
    });
  });
});

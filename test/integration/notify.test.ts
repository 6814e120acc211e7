/**
 * The notifier against real receivers on 127.0.0.1: an HTTP server that checks the webhook's
 * HMAC over the raw body, an SMTP server (smtp-server) that takes the e-mail, an ntfy-compatible
 * topic and an SMS gateway; then the failures: 5xx, 4xx, a receiver that never answers, a port
 * nobody listens on, and a mail server that refuses.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import { SMTPServer } from 'smtp-server';

import { formatProblem, parseConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/types.js';
import { ErrorCodes, isNevermissError, type NevermissError } from '../../src/errors.js';
import { renderShortText, renderText, webhookPayload } from '../../src/notify/message.js';
import { createNotifier } from '../../src/notify/notifier.js';
import type { Notifier } from '../../src/notify/notifier.js';
import type { Channel, ChannelName, NotificationEvent } from '../../src/notify/types.js';

const HOOK_SECRET = 'integration-hook-secret';
const NTFY_TOKEN = 'tk_integration';
const SMS_TOKEN = 'sms-token-1';
const SMTP_USER = 'nevermiss';
const SMTP_PASSWORD = 'smtp-p@ss';
const NOW = Date.parse('2026-12-01T13:23:00Z');

const EVENT: NotificationEvent = {
  kind: 'created',
  callback: {
    id: 'cb-42',
    caller: '+4520123456',
    called: '+4530123456',
    route: 'main',
    createdAt: Date.parse('2026-12-01T13:22:00Z'),
    dueAt: Date.parse('2026-12-01T13:32:00Z'),
    attempts: 2,
    status: 'pending',
  },
  person: { id: 'owner', name: 'Anna Owner' },
  at: NOW,
  links: { dial: 'POST http://127.0.0.1:8080/api/callbacks/cb-42/dial', cli: 'nevermiss callbacks dial cb-42 --by owner' },
};

// --- An HTTP receiver: webhook, ntfy topic and SMS gateway ----------------------------------

interface Received {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

const received: Received[] = [];

function receivedAt(path: string): Received[] {
  return received.filter((request) => request.url.split('?')[0] === path);
}

/** What a CRM does before trusting a webhook: the HMAC of the raw bytes, compared in constant time. */
function hasValidSignature(request: Received, secret: string): boolean {
  const header = request.headers['x-nevermiss-signature'];
  if (typeof header !== 'string' || !header.startsWith('sha256=')) return false;
  const expected = Buffer.from(createHmac('sha256', secret).update(request.body).digest('hex'), 'hex');
  const given = Buffer.from(header.slice('sha256='.length), 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

function respond(response: ServerResponse, status: number, body = '', headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'Content-Type': 'text/plain', ...headers });
  response.end(body);
}

function handle(request: Received, response: ServerResponse): void {
  switch (request.url.split('?')[0]) {
    case '/hook':
      if (!hasValidSignature(request, HOOK_SECRET)) return respond(response, 401, 'bad signature');
      return respond(response, 204);
    case '/topic/anna':
      if (request.headers.authorization !== `Bearer ${NTFY_TOKEN}`) return respond(response, 401, '{"code":40101,"http":401,"error":"unauthorized"}');
      return respond(response, 200, JSON.stringify({ id: 'x1', time: 1, event: 'message', topic: 'anna', message: request.body.toString('utf8') }), {
        'Content-Type': 'application/json',
      });
    case '/sms':
      if (request.headers.authorization !== `Bearer ${SMS_TOKEN}`) return respond(response, 403, 'forbidden');
      return respond(response, 202, '{"status":"queued"}');
    case '/status/500':
      return respond(response, 500, 'database is down');
    case '/status/503':
      return respond(response, 503, '');
    case '/status/429':
      return respond(response, 429, 'slow down');
    case '/status/400':
      return respond(response, 400, '{"error":"unknown field \\"event\\""}');
    case '/moved':
      return respond(response, 301, '', { Location: 'https://crm.example/new-hook' });
    case '/slow':
      return; // never answers; the server's close ends it
    default:
      return respond(response, 404, 'no such path');
  }
}

const http = createServer((request: IncomingMessage, response: ServerResponse) => {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    const entry = { method: request.method ?? '', url: request.url ?? '', headers: request.headers, body: Buffer.concat(chunks) };
    received.push(entry);
    handle(entry, response);
  });
});

// --- An SMTP server -------------------------------------------------------------------------

interface ReceivedMail {
  readonly mailFrom: string;
  readonly rcptTo: readonly string[];
  readonly user: unknown;
  readonly raw: string;
}

const mails: ReceivedMail[] = [];

const smtp = new SMTPServer({
  secure: false,
  disabledCommands: ['STARTTLS'],
  authOptional: true,
  allowInsecureAuth: true,
  onAuth(auth, _session, callback) {
    if (auth.username === SMTP_USER && auth.password === SMTP_PASSWORD) return callback(null, { user: auth.username });
    callback(Object.assign(new Error('Invalid username or password'), { responseCode: 535 }));
  },
  onRcptTo(address, _session, callback) {
    if (address.address.startsWith('full@')) return callback(Object.assign(new Error('Mailbox full, try later'), { responseCode: 452 }));
    if (address.address.startsWith('nobody@')) return callback(Object.assign(new Error('No such user'), { responseCode: 550 }));
    callback();
  },
  onData(stream, session, callback) {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => {
      const { mailFrom, rcptTo } = session.envelope;
      mails.push({
        mailFrom: mailFrom === false ? '' : mailFrom.address,
        rcptTo: rcptTo.map((address) => address.address),
        user: session.user,
        raw: Buffer.concat(chunks).toString('utf8'),
      });
      callback();
    });
  },
});

let httpBase = '';
let smtpPort = 0;

before(async () => {
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  httpBase = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
  smtpPort = (smtp.server.address() as AddressInfo).port;
});

after(async () => {
  http.closeAllConnections();
  await new Promise<void>((resolve) => http.close(() => resolve()));
  await new Promise<void>((resolve) => smtp.close(resolve));
});

// --- Config and helpers ---------------------------------------------------------------------

interface Targets {
  readonly email?: string;
  readonly webhook?: { readonly url: string; readonly secret: string };
  readonly ntfy?: string;
  readonly sms?: string;
  readonly smtpUrl?: string;
  readonly gateway?: readonly string[];
}

/** A config whose owner is reached at the given targets; the receivers' ports are only known now. */
function configFor(targets: Targets): Config {
  const notify = [
    ...(targets.email === undefined ? [] : [`      email: ${targets.email}`]),
    ...(targets.webhook === undefined ? [] : [`      webhook: { url: "${targets.webhook.url}", secret: "${targets.webhook.secret}" }`]),
    ...(targets.ntfy === undefined ? [] : [`      ntfy: { url: "${targets.ntfy}", token: "${NTFY_TOKEN}" }`]),
    ...(targets.sms === undefined ? [] : [`      sms: "${targets.sms}"`]),
  ];
  const yaml = [
    'ari: { url: http://127.0.0.1:8088, username: nevermiss, password: secret }',
    'prompts: { source: sound }',
    'firm: { timezone: Europe/Copenhagen }',
    'people:',
    '  owner:',
    '    name: Anna Owner',
    '    phones: { desk: PJSIP/owner-desk }',
    '    notify:',
    ...notify,
    'routes:',
    '  main:',
    '    numbers: ["+4530123456"]',
    '    hunt: [{ ring: [owner], timeout: 20s }]',
    'defaultRoute: main',
    `smtp: { url: "${targets.smtpUrl ?? `smtp://${SMTP_USER}:${encodeURIComponent(SMTP_PASSWORD)}@127.0.0.1:${smtpPort}`}", from: "nevermiss <nevermiss@example.dk>" }`,
    'sms:',
    ...(targets.gateway ?? [`  url: ${httpBase}/sms`, `  headers: { Authorization: "Bearer ${SMS_TOKEN}" }`]),
  ].join('\n');
  const result = parseConfig(`${yaml}\n`, 'integration.yaml', {});
  if (!result.ok) assert.fail(result.problems.map(formatProblem).join('\n'));
  return result.config;
}

function channelOf(notifier: Notifier, name: ChannelName): Channel {
  const channel = notifier.targets('owner').find((candidate) => candidate.name === name);
  assert.ok(channel, `owner has no ${name} channel`);
  return channel;
}

/** Sends and returns the NM_NOTIFY_FAILED it must fail with. */
async function failure(notifier: Notifier, name: ChannelName, deliveryId = 'd-fail'): Promise<NevermissError> {
  try {
    await notifier.send(channelOf(notifier, name), EVENT, deliveryId);
  } catch (error) {
    assert.ok(isNevermissError(error, ErrorCodes.NOTIFY_FAILED), `expected NM_NOTIFY_FAILED, got ${String(error)}`);
    return error;
  }
  return assert.fail(`the ${name} notification was delivered`);
}

/** The header fields of a raw message, folded lines unfolded, names in lower case. */
function mailHeaders(raw: string): Map<string, string> {
  const head = raw.slice(0, raw.indexOf('\r\n\r\n')).replace(/\r\n[ \t]+/g, ' ');
  return new Map(
    head.split('\r\n').map((line) => {
      const colon = line.indexOf(':');
      return [line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim()];
    }),
  );
}

/** The body of a single-part text message, quoted-printable decoded when it says so. */
function mailText(raw: string): string {
  const body = raw.slice(raw.indexOf('\r\n\r\n') + 4);
  const encoding = mailHeaders(raw).get('content-transfer-encoding');
  const decoded =
    encoding === 'quoted-printable'
      ? Buffer.from(
          body.replace(/=\r\n/g, '').replace(/=([0-9A-F]{2})/g, (_match, hex: string) => String.fromCharCode(parseInt(hex, 16))),
          'latin1',
        ).toString('utf8')
      : body;
  return decoded.replace(/\r\n/g, '\n');
}

// --- Delivered ------------------------------------------------------------------------------

test('webhook: the receiver verifies the HMAC over the raw body and gets the event as JSON', async () => {
  const notifier = createNotifier(configFor({ webhook: { url: `${httpBase}/hook`, secret: HOOK_SECRET } }));
  await notifier.send(channelOf(notifier, 'webhook'), EVENT, 'delivery-1');
  const [request] = receivedAt('/hook').filter((entry) => entry.headers['x-nevermiss-delivery'] === 'delivery-1');
  assert.ok(request);
  assert.equal(request.method, 'POST');
  assert.ok(hasValidSignature(request, HOOK_SECRET));
  assert.equal(request.headers['x-nevermiss-event'], 'created');
  assert.equal(request.headers['content-type'], 'application/json; charset=utf-8');
  assert.deepEqual(JSON.parse(request.body.toString('utf8')), webhookPayload(EVENT, 'delivery-1'));
});

test('webhook: a receiver with another secret refuses, and that is not worth a retry', async () => {
  const notifier = createNotifier(configFor({ webhook: { url: `${httpBase}/hook`, secret: 'not-the-receivers-secret' } }));
  const error = await failure(notifier, 'webhook');
  assert.equal(
    error.message,
    `NM_NOTIFY_FAILED: webhook to ${httpBase}/hook failed: HTTP 401 Unauthorized ("bad signature"); retrying will not help; check webhook.url, and that the receiver accepts requests signed with webhook.secret`,
  );
  assert.deepEqual(error.details, { channel: 'webhook', retryable: false, address: `${httpBase}/hook`, status: 401 });
});

test('e-mail: the SMTP server receives it from the configured sender, with subject and text', async () => {
  const now = Date.parse('2026-12-01T13:23:05Z');
  const notifier = createNotifier(configFor({ email: 'anna@example.dk' }), { now: () => now });
  try {
    await notifier.send(channelOf(notifier, 'email'), EVENT, 'delivery-mail-1');
  } finally {
    notifier.close();
  }
  const mail = mails.find((candidate) => candidate.raw.includes('delivery-mail-1'));
  assert.ok(mail, 'no mail arrived');
  assert.equal(mail.mailFrom, 'nevermiss@example.dk');
  assert.deepEqual(mail.rcptTo, ['anna@example.dk']);
  assert.equal(mail.user, SMTP_USER, 'the credentials of smtp.url are used');
  const headers = mailHeaders(mail.raw);
  const expected = renderText(EVENT, 'Europe/Copenhagen');
  assert.equal(headers.get('from'), 'nevermiss <nevermiss@example.dk>');
  assert.equal(headers.get('to'), 'anna@example.dk');
  assert.equal(headers.get('subject'), expected.subject);
  assert.equal(headers.get('x-nevermiss-event'), 'created');
  assert.equal(headers.get('x-nevermiss-delivery'), 'delivery-mail-1');
  assert.equal(Date.parse(headers.get('date') ?? ''), now);
  assert.equal(mailText(mail.raw).trimEnd(), expected.text.trimEnd());
});

test('e-mail: a notifier sends one message after another over its transport', async () => {
  const notifier = createNotifier(configFor({ email: 'anna@example.dk' }));
  try {
    await notifier.send(channelOf(notifier, 'email'), { ...EVENT, kind: 'reminder' }, 'delivery-mail-2');
    await notifier.send(channelOf(notifier, 'email'), { ...EVENT, kind: 'done' }, 'delivery-mail-3');
  } finally {
    notifier.close();
  }
  const subjects = mails.filter((mail) => /delivery-mail-[23]/.test(mail.raw)).map((mail) => mailHeaders(mail.raw).get('subject'));
  assert.deepEqual(subjects, ['Reminder: call back +45 20 12 34 56 by 14:32', 'Done: +45 20 12 34 56 was called back']);
});

test('ntfy: the topic gets the text, with Title, Priority, Tags and the token', async () => {
  const notifier = createNotifier(configFor({ ntfy: `${httpBase}/topic/anna` }));
  await notifier.send(channelOf(notifier, 'ntfy'), { ...EVENT, kind: 'escalated' }, 'delivery-ntfy-1');
  const request = receivedAt('/topic/anna').at(-1);
  assert.ok(request);
  const expected = renderText({ ...EVENT, kind: 'escalated' }, 'Europe/Copenhagen');
  assert.equal(request.method, 'POST');
  assert.equal(request.headers.title, expected.subject);
  assert.equal(request.headers.priority, 'high');
  assert.equal(request.headers.tags, 'rotating_light,nevermiss,escalated');
  assert.equal(request.headers.authorization, `Bearer ${NTFY_TOKEN}`);
  assert.equal(request.body.toString('utf8'), expected.text);
});

test('SMS: the gateway gets the templated JSON body with the number in E.164', async () => {
  const notifier = createNotifier(configFor({ sms: '20 12 34 56' }));
  await notifier.send(channelOf(notifier, 'sms'), EVENT, 'delivery-sms-1');
  const request = receivedAt('/sms').at(-1);
  assert.ok(request);
  assert.equal(request.headers['content-type'], 'application/json; charset=utf-8');
  assert.equal(request.headers.authorization, `Bearer ${SMS_TOKEN}`);
  assert.deepEqual(JSON.parse(request.body.toString('utf8')), { to: '+4520123456', text: renderShortText(EVENT, 'Europe/Copenhagen') });
});

test('SMS: a GET gateway gets number and text URL-encoded in the query', async () => {
  const notifier = createNotifier(
    configFor({ sms: '+4520123456', gateway: [`  url: "${httpBase}/sms?to={to}&message={text}"`, '  method: GET', `  headers: { Authorization: "Bearer ${SMS_TOKEN}" }`] }),
  );
  await notifier.send(channelOf(notifier, 'sms'), EVENT, 'delivery-sms-2');
  const request = receivedAt('/sms').at(-1);
  assert.ok(request);
  assert.equal(request.method, 'GET');
  const query = new URL(request.url, httpBase).searchParams;
  assert.deepEqual([query.get('to'), query.get('message')], ['+4520123456', renderShortText(EVENT, 'Europe/Copenhagen')]);
});

// --- Failures -------------------------------------------------------------------------------

function webhookTo(path: string, timeoutMs?: number): Notifier {
  const config = configFor({ webhook: { url: `${httpBase}${path}`, secret: HOOK_SECRET } });
  return createNotifier(config, timeoutMs === undefined ? {} : { httpTimeoutMs: timeoutMs });
}

test('a 500 may go through later: retryable, with what the receiver said', async () => {
  const error = await failure(webhookTo('/status/500'), 'webhook');
  assert.equal(
    error.message,
    `NM_NOTIFY_FAILED: webhook to ${httpBase}/status/500 failed: HTTP 500 Internal Server Error ("database is down"); a later retry may succeed`,
  );
  assert.deepEqual(error.details, { channel: 'webhook', retryable: true, address: `${httpBase}/status/500`, status: 500 });
});

test('503 and 429 are retryable; 400 is not', async () => {
  assert.equal((await failure(webhookTo('/status/503'), 'webhook')).details.retryable, true);
  assert.equal((await failure(webhookTo('/status/429'), 'webhook')).details.retryable, true);
  const badRequest = await failure(webhookTo('/status/400'), 'webhook');
  assert.deepEqual(badRequest.details, { channel: 'webhook', retryable: false, address: `${httpBase}/status/400`, status: 400 });
  assert.match(badRequest.message, /failed: HTTP 400 Bad Request \("\{\\"error\\":\\"unknown field \\\\\\"event\\\\\\"\\"\}"\); retrying will not help/);
});

test('a redirect is not followed: the message says where to point the URL', async () => {
  const error = await failure(webhookTo('/moved'), 'webhook');
  assert.match(error.message, /failed: HTTP 301 redirect to https:\/\/crm\.example\/new-hook; retrying will not help/);
  assert.equal(error.details.retryable, false);
});

test('a receiver that does not answer in time: retryable, after the timeout', async () => {
  const started = performance.now();
  const error = await failure(webhookTo('/slow', 300), 'webhook');
  const elapsed = performance.now() - started;
  assert.equal(error.message, `NM_NOTIFY_FAILED: webhook to ${httpBase}/slow failed: no answer within 300ms; a later retry may succeed`);
  assert.equal(error.details.retryable, true);
  assert.ok(elapsed >= 290 && elapsed < 3_000, `took ${Math.round(elapsed)} ms`);
});

test('nobody listening: retryable, naming the network error', async () => {
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const port = (closed.address() as AddressInfo).port;
  await new Promise<void>((resolve) => closed.close(() => resolve()));
  const notifier = createNotifier(configFor({ ntfy: `http://127.0.0.1:${port}/topic/anna` }));
  const error = await failure(notifier, 'ntfy');
  assert.match(error.message, /^NM_NOTIFY_FAILED: ntfy message to http:\/\/127\.0\.0\.1:\d+\/topic\/anna failed: connect ECONNREFUSED 127\.0\.0\.1:\d+; a later retry may succeed$/);
  assert.equal(error.details.retryable, true);
});

test('an SMS gateway that refuses the key: not retryable, and the message names the number', async () => {
  const notifier = createNotifier(configFor({ sms: '+4520123456', gateway: [`  url: ${httpBase}/sms`] }));
  const error = await failure(notifier, 'sms');
  assert.equal(
    error.message,
    `NM_NOTIFY_FAILED: text message to +4520123456 through ${httpBase}/sms failed: HTTP 403 Forbidden ("forbidden"); retrying will not help; check the sms gateway settings (url, method, headers, body) and the number`,
  );
  assert.deepEqual(error.details, { channel: 'sms', retryable: false, address: '+4520123456', status: 403 });
});

test('e-mail: a recipient the server rejects for good is not retried; a full mailbox is', async () => {
  const rejected = createNotifier(configFor({ email: 'nobody@example.dk' }));
  const full = createNotifier(configFor({ email: 'full@example.dk' }));
  try {
    const permanent = await failure(rejected, 'email');
    assert.deepEqual(permanent.details, { channel: 'email', retryable: false, address: 'nobody@example.dk', status: 550 });
    assert.match(permanent.message, new RegExp(`^NM_NOTIFY_FAILED: e-mail to nobody@example\\.dk through 127\\.0\\.0\\.1:${smtpPort} failed: .*No such user.*; retrying will not help; check smtp\\.url`));
    const transient = await failure(full, 'email');
    assert.deepEqual(transient.details, { channel: 'email', retryable: true, address: 'full@example.dk', status: 452 });
  } finally {
    rejected.close();
    full.close();
  }
});

test('e-mail: wrong credentials are not retried, and the password is not in the message', async () => {
  const notifier = createNotifier(configFor({ email: 'anna@example.dk', smtpUrl: `smtp://${SMTP_USER}:wrong-password@127.0.0.1:${smtpPort}` }));
  try {
    const error = await failure(notifier, 'email');
    assert.equal(error.details.retryable, false);
    assert.equal(error.details.status, 535);
    assert.ok(!error.message.includes('wrong-password'), error.message);
  } finally {
    notifier.close();
  }
});

test('e-mail: no mail server listening is retryable', async () => {
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const port = (closed.address() as AddressInfo).port;
  await new Promise<void>((resolve) => closed.close(() => resolve()));
  const notifier = createNotifier(configFor({ email: 'anna@example.dk', smtpUrl: `smtp://127.0.0.1:${port}` }));
  try {
    const error = await failure(notifier, 'email');
    assert.equal(error.details.retryable, true);
    assert.match(error.message, /ECONNREFUSED/);
  } finally {
    notifier.close();
  }
});

/**
 * The pure parts of notifications: what each message says, the webhook's JSON and signature,
 * the ntfy headers, the SMS gateway's template, which failures are worth a retry, and the
 * channels a person has. Nothing here opens a socket; test/integration/notify.test.ts does.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';

import { formatProblem, parseConfig } from '../../src/config/load.js';
import type { Config, SmsGateway } from '../../src/config/types.js';
import { ErrorCodes, isNevermissError } from '../../src/errors.js';
import { isRetryableMailError } from '../../src/notify/channels/email.js';
import { headerText, ntfyRequest } from '../../src/notify/channels/ntfy.js';
import { fillTemplate, smsRequest } from '../../src/notify/channels/sms.js';
import { signBody, webhookRequest } from '../../src/notify/channels/webhook.js';
import { isRetryable, notifyFailed } from '../../src/notify/failure.js';
import { displayUrl, HTTP_TIMEOUT_MS, isRetryableStatus } from '../../src/notify/http.js';
import { localTime, relative, renderShortText, renderText, webhookPayload } from '../../src/notify/message.js';
import { createNotifier } from '../../src/notify/notifier.js';
import { nextRetryDelay, RETRY_DELAYS_MS } from '../../src/notify/retry.js';
import type { NotificationEvent, NotificationKind } from '../../src/notify/types.js';

const ZONE = 'Europe/Copenhagen';
/** 14:22 in Copenhagen (UTC+1 in December). */
const RANG_AT = Date.parse('2026-12-01T13:22:00Z');
const MINUTE = 60_000;

function event(kind: NotificationKind = 'created', over: Partial<NotificationEvent['callback']> = {}, at = RANG_AT + MINUTE): NotificationEvent {
  return {
    kind,
    callback: {
      id: 'cb-123',
      caller: '+4520123456',
      called: '+4530123456',
      route: 'main',
      createdAt: RANG_AT,
      dueAt: RANG_AT + 10 * MINUTE,
      attempts: 1,
      status: 'pending',
      ...over,
    },
    person: { id: 'owner', name: 'Anna Owner' },
    at,
    links: { dial: 'POST http://127.0.0.1:8080/api/callbacks/cb-123/dial', cli: 'nevermiss callbacks dial cb-123 --by owner' },
  };
}

// --- Messages --------------------------------------------------------------------------------

test('a new callback: the caller, when they rang, the deadline, and how to call back', () => {
  assert.deepEqual(renderText(event('created'), ZONE), {
    subject: 'Call back +45 20 12 34 56 by 14:32',
    text: [
      '+45 20 12 34 56 called and nobody answered. We promised to call back by 14:32 (in 9 min).',
      '',
      'Caller:   +45 20 12 34 56',
      'Rang:     14:22',
      'Dialled:  +45 30 12 34 56 (route main)',
      'Deadline: 14:32 (in 9 min)',
      '',
      'To call back now:',
      '  nevermiss callbacks dial cb-123 --by owner',
      '  or POST http://127.0.0.1:8080/api/callbacks/cb-123/dial',
      '',
      'Callback cb-123, pending.',
      '',
    ].join('\n'),
  });
});

test('the firm\'s language: the same facts in German and Danish; a language without wording reads English', () => {
  assert.deepEqual(renderText(event('created'), ZONE, 'de'), {
    subject: '+45 20 12 34 56 bis 14:32 zurückrufen',
    text: [
      '+45 20 12 34 56 hat angerufen, und niemand hat abgenommen. Wir haben einen Rückruf bis 14:32 (in 9 min) versprochen.',
      '',
      'Anrufer:   +45 20 12 34 56',
      'Angerufen: 14:22',
      'Gewählt:   +45 30 12 34 56 (Leitung main)',
      'Frist:     14:32 (in 9 min)',
      '',
      'Jetzt zurückrufen:',
      '  nevermiss callbacks dial cb-123 --by owner',
      '  oder POST http://127.0.0.1:8080/api/callbacks/cb-123/dial',
      '',
      'Rückruf cb-123, pending.',
      '',
    ].join('\n'),
  });
  assert.equal(renderText(event('done'), ZONE, 'da').subject, 'Klaret: +45 20 12 34 56 er ringet op');
  assert.equal(
    renderShortText(event('created'), ZONE, 'da'),
    'nevermiss: Ring tilbage til +45 20 12 34 56 senest 14:32 (om 9 min). Ringede 14:22.',
  );
  assert.equal(relative(0, 95 * MINUTE, 'de'), 'vor 1 h 35 min');
  assert.equal(relative(3 * 24 * 60 * MINUTE, 0, 'da'), 'om 3 dage');
  assert.deepEqual(renderText(event('created'), ZONE, 'fr'), renderText(event('created'), ZONE, 'en'));
});

test('a missed call from a number we don\'t call back: the reason instead of a deadline, and no "call back now"', () => {
  const why = '+4590123456 is a premium-rate number; callbacks go to mobile, fixedLine (callable.types)';
  const created = event('created', { caller: '+4590123456', uncallable: why });
  assert.deepEqual(renderText(created, ZONE), {
    subject: "Missed call from +45 90 12 34 56, who can't be called back",
    text: [
      `+45 90 12 34 56 called and nobody answered. Nobody will be rung to call back: ${why}. Call back yourself if you know the caller, then close it.`,
      '',
      'Caller:   +45 90 12 34 56',
      'Rang:     14:22',
      'Dialled:  +45 30 12 34 56 (route main)',
      `Can't call back: ${why}`,
      '',
      'Callback cb-123, pending.',
      '',
    ].join('\n'),
  });
  assert.equal(renderShortText(created, ZONE), `nevermiss: Missed call from +45 90 12 34 56, who can't be called back (${why}). Rang 14:22.`);
  assert.equal(webhookPayload(created).callback.uncallable, why);
  assert.equal(webhookPayload(event('created')).callback.uncallable, undefined);
  assert.equal(renderText(created, ZONE, 'de').subject, 'Verpasster Anruf von +45 90 12 34 56, der nicht zurückgerufen werden kann');
  assert.match(renderText(created, ZONE, 'da').text, /^Kan ikke ringes op: /m);
  assert.doesNotMatch(renderText(created, ZONE, 'da').text, /Ring tilbage nu/);
});

test('each kind has its own subject; a settled callback has no "call back now"', () => {
  const overdueAt = RANG_AT + 15 * MINUTE;
  const subjects = (['created', 'reminder', 'overdue', 'escalated', 'failed', 'done'] as const).map((kind) => {
    const rendered = renderText(event(kind, {}, overdueAt), ZONE);
    return [kind, rendered.subject, rendered.text.includes('To call back now:')];
  });
  assert.deepEqual(subjects, [
    ['created', 'Call back +45 20 12 34 56 by 14:32', true],
    ['reminder', 'Reminder: call back +45 20 12 34 56 by 14:32', true],
    ['overdue', 'Overdue: call back +45 20 12 34 56 (due 14:32)', true],
    ['escalated', 'Escalated: call back +45 20 12 34 56 (due 14:32)', true],
    ['failed', 'Failed: could not reach +45 20 12 34 56', false],
    ['done', 'Done: +45 20 12 34 56 was called back', false],
  ]);
  assert.match(renderText(event('escalated', {}, overdueAt), ZONE).text, /^Anna Owner, this one is passed to you: .* by 14:32 \(5 min ago\)\.$/m);
});

test('a caller who kept trying, and a deadline on another day, are said so', () => {
  const evening = Date.parse('2026-12-01T22:50:00Z'); // 23:50 in Copenhagen
  const text = renderText(event('created', { createdAt: evening, attempts: 3, dueAt: evening + 40 * MINUTE }, evening), ZONE).text;
  assert.match(text, /^Rang: {5}3 times, first at 23:50$/m);
  assert.match(text, /^Deadline: Wed 2 Dec 00:30 \(in 40 min\)$/m);
});

test('times are local to the given zone, summer time included', () => {
  const summer = Date.parse('2026-07-01T10:00:00Z');
  assert.equal(localTime(summer, summer, ZONE), '12:00');
  assert.equal(localTime(summer, summer, 'Europe/London'), '11:00');
  assert.equal(localTime(summer, summer + 24 * 60 * MINUTE, ZONE), 'Wed 1 Jul 12:00');
});

test('relative times round to minutes, then hours, then days', () => {
  const cases: [offsetMs: number, text: string][] = [
    [0, 'now'],
    [20_000, 'now'],
    [8 * MINUTE, 'in 8 min'],
    [-12 * MINUTE, '12 min ago'],
    [60 * MINUTE, 'in 1 h'],
    [95 * MINUTE, 'in 1 h 35 min'],
    [-3 * 24 * 60 * MINUTE, '3 days ago'],
  ];
  for (const [offset, text] of cases) assert.equal(relative(RANG_AT + offset, RANG_AT), text, String(offset));
});

test('a number that is not valid E.164 is shown as it is', () => {
  assert.equal(renderText(event('created', { caller: '1234' }), ZONE).subject, 'Call back 1234 by 14:32');
});

test('the SMS text is one short line', () => {
  assert.equal(renderShortText(event('created'), ZONE), 'nevermiss: Call back +45 20 12 34 56 by 14:32 (in 9 min). Rang 14:22.');
  assert.equal(
    renderShortText(event('overdue', { attempts: 2 }, RANG_AT + 15 * MINUTE), ZONE),
    'nevermiss: Overdue: call back +45 20 12 34 56 (due 14:32). Rang 2 times, first at 14:22.',
  );
  for (const kind of ['created', 'reminder', 'overdue', 'escalated', 'failed', 'done'] as const) {
    assert.ok(renderShortText(event(kind, { attempts: 10 }), ZONE).length <= 160, kind);
  }
});

test('the webhook payload: the event, the delivery, ISO times and whether it is overdue', () => {
  assert.deepEqual(webhookPayload(event('overdue', {}, RANG_AT + 15 * MINUTE), 'd-1'), {
    event: 'overdue',
    delivery: 'd-1',
    at: '2026-12-01T13:37:00.000Z',
    callback: {
      id: 'cb-123',
      caller: '+4520123456',
      called: '+4530123456',
      route: 'main',
      status: 'pending',
      createdAt: '2026-12-01T13:22:00.000Z',
      dueAt: '2026-12-01T13:32:00.000Z',
      attempts: 1,
      overdue: true,
    },
    person: { id: 'owner', name: 'Anna Owner' },
    links: { dial: 'POST http://127.0.0.1:8080/api/callbacks/cb-123/dial', cli: 'nevermiss callbacks dial cb-123 --by owner' },
  });
  assert.equal('delivery' in webhookPayload(event()), false);
});

// --- Webhook signature ------------------------------------------------------------------------

test('signBody is HMAC-SHA256 in hex (RFC 4231 test case 2)', () => {
  assert.equal(
    signBody('what do ya want for nothing?', 'Jefe'),
    'sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
  );
});

test('the webhook request signs exactly the bytes it sends', () => {
  const secret = 'a-secret-of-sixteen+';
  const request = webhookRequest({ url: 'https://crm.example/hook', secret }, event('created', { caller: '+4520123456' }), 'd-7');
  assert.equal(request.method, 'POST');
  assert.ok(request.body instanceof Uint8Array);
  const expected = createHmac('sha256', secret).update(request.body).digest('hex');
  assert.deepEqual(request.headers, {
    'Content-Type': 'application/json; charset=utf-8',
    'User-Agent': 'nevermiss',
    'X-Nevermiss-Signature': `sha256=${expected}`,
    'X-Nevermiss-Event': 'created',
    'X-Nevermiss-Delivery': 'd-7',
  });
  assert.deepEqual(JSON.parse(Buffer.from(request.body).toString('utf8')), webhookPayload(event(), 'd-7'));
});

// --- ntfy -------------------------------------------------------------------------------------

test('ntfy: title, priority by urgency, tags, and a bearer token when there is one', () => {
  const message = { subject: 'Overdue: call back +45 20 12 34 56 (due 14:32)', text: 'body' };
  assert.deepEqual(ntfyRequest({ url: 'https://ntfy.sh/anna', token: 'tk_1' }, 'overdue', message), {
    method: 'POST',
    url: 'https://ntfy.sh/anna',
    headers: {
      'Content-Type': 'text/plain; charset=utf-8',
      'User-Agent': 'nevermiss',
      Title: 'Overdue: call back +45 20 12 34 56 (due 14:32)',
      Priority: 'high',
      Tags: 'warning,nevermiss,overdue',
      Authorization: 'Bearer tk_1',
    },
    body: 'body',
  });
  const priorities = (['created', 'reminder', 'overdue', 'escalated', 'failed', 'done'] as const).map(
    (kind) => ntfyRequest({ url: 'https://ntfy.sh/anna', token: null }, kind, message).headers.Priority,
  );
  assert.deepEqual(priorities, ['default', 'default', 'high', 'high', 'default', 'low']);
  assert.equal('Authorization' in ntfyRequest({ url: 'https://ntfy.sh/anna', token: null }, 'done', message).headers, false);
});

test('ntfy: a title beyond ASCII goes as an RFC 2047 encoded word', () => {
  assert.equal(headerText('Call back now'), 'Call back now');
  assert.equal(headerText('Søren ringede'), `=?UTF-8?B?${Buffer.from('Søren ringede').toString('base64')}?=`);
});

// --- SMS gateway template ---------------------------------------------------------------------

const gateway = (over: Partial<SmsGateway>): SmsGateway => ({ url: 'https://gw.example/send', method: 'POST', headers: {}, body: null, ...over });
const AWKWARD = 'Kunde "A&B" ringede\nkl. 14:22 – 50% {to}';

test('SMS over GET: the values are URL-encoded in the URL', () => {
  const request = smsRequest(gateway({ method: 'GET', url: 'https://gw.example/send?to={to}&text={text}', headers: { 'X-Key': 'k' } }), '+4520123456', AWKWARD);
  assert.deepEqual(request, {
    method: 'GET',
    url: `https://gw.example/send?to=%2B4520123456&text=${encodeURIComponent(AWKWARD)}`,
    headers: { 'User-Agent': 'nevermiss', 'X-Key': 'k' },
  });
});

test('SMS over POST: a JSON body gets JSON-escaped values and stays JSON', () => {
  const request = smsRequest(gateway({ body: '{"messages":[{"to":"{to}","body":"{text}"}]}' }), '+4520123456', AWKWARD);
  assert.equal(request.headers['Content-Type'], 'application/json; charset=utf-8');
  assert.deepEqual(JSON.parse(String(request.body)), { messages: [{ to: '+4520123456', body: AWKWARD }] });
});

test('SMS over POST: without a body, the default JSON one', () => {
  const request = smsRequest(gateway({}), '+4520123456', 'hi');
  assert.equal(request.body, '{"to":"+4520123456","text":"hi"}');
});

test('SMS over POST: a form body gets URL-encoded values', () => {
  const request = smsRequest(gateway({ body: 'to={to}&text={text}' }), '+4520123456', AWKWARD);
  assert.equal(request.headers['Content-Type'], 'application/x-www-form-urlencoded');
  const form = new URLSearchParams(String(request.body));
  assert.deepEqual([form.get('to'), form.get('text')], ['+4520123456', AWKWARD]);
});

test('SMS over POST: the user\'s Content-Type decides, and is sent as given', () => {
  const plain = smsRequest(gateway({ body: '{text}', headers: { 'content-type': 'text/plain' } }), '+4520123456', AWKWARD);
  assert.equal(plain.body, AWKWARD);
  assert.deepEqual(plain.headers, { 'User-Agent': 'nevermiss', 'content-type': 'text/plain' });
  const json = smsRequest(gateway({ body: '"{text}"', headers: { 'Content-Type': 'application/vnd.gw+json' } }), '+4520123456', AWKWARD);
  assert.equal(JSON.parse(String(json.body)), AWKWARD);
});

test('a value that holds a placeholder is not filled in again', () => {
  assert.equal(fillTemplate('{to}:{text}', { to: '{text}', text: '{to}' }, (value) => value), '{text}:{to}');
});

// --- Failures and retries ---------------------------------------------------------------------

test('HTTP statuses: 408, 429 and 5xx may succeed later; other 4xx will not', () => {
  const table = [400, 401, 403, 404, 408, 410, 422, 429, 500, 502, 503].map((status) => [status, isRetryableStatus(status)]);
  assert.deepEqual(table, [
    [400, false],
    [401, false],
    [403, false],
    [404, false],
    [408, true],
    [410, false],
    [422, false],
    [429, true],
    [500, true],
    [502, true],
    [503, true],
  ]);
  assert.equal(HTTP_TIMEOUT_MS, 5_000);
});

test('mail errors: permanent replies and bad credentials are not retried', () => {
  assert.equal(isRetryableMailError({ code: 'EENVELOPE', responseCode: 550, permanent: true }), false);
  assert.equal(isRetryableMailError({ code: 'EAUTH', responseCode: 535 }), false);
  assert.equal(isRetryableMailError({ code: 'EENVELOPE', responseCode: 451, permanent: false }), true);
  assert.equal(isRetryableMailError({ code: 'ETIMEDOUT' }), true);
  assert.equal(isRetryableMailError({ code: 'ESOCKET' }), true);
});

test('a notification failure is coded, says what failed and whether to retry', () => {
  const error = notifyFailed('webhook to https://crm.example/hook', 'HTTP 400 Bad Request', { channel: 'webhook', retryable: false, address: 'https://crm.example/hook', status: 400 }, 'check webhook.url');
  assert.ok(isNevermissError(error, ErrorCodes.NOTIFY_FAILED));
  assert.equal(error.message, 'NM_NOTIFY_FAILED: webhook to https://crm.example/hook failed: HTTP 400 Bad Request; retrying will not help; check webhook.url');
  assert.deepEqual(error.details, { channel: 'webhook', retryable: false, address: 'https://crm.example/hook', status: 400 });
  assert.equal(isRetryable(error), false);
  assert.equal(isRetryable(notifyFailed('x', 'y', { channel: 'sms', retryable: true, address: '+45' }, 'z')), true);
  assert.equal(isRetryable(new Error('retryable')), false);
});

test('retries: 10s, 30s, 2m, 10m, 30m, then give up', () => {
  assert.deepEqual([1, 2, 3, 4, 5, 6, 7].map(nextRetryDelay), [10_000, 30_000, 120_000, 600_000, 1_800_000, null, null]);
  assert.equal(RETRY_DELAYS_MS.length, 5);
  assert.throws(() => nextRetryDelay(0), RangeError);
  assert.throws(() => nextRetryDelay(1.5), RangeError);
});

test('URLs in messages and logs lose credentials and the query', () => {
  assert.equal(displayUrl('https://user:pw@gw.example/send?key=secret&to=%2B45'), 'https://gw.example/send');
  assert.equal(displayUrl('not a url'), 'not a url');
});

// --- The notifier's channels ------------------------------------------------------------------

const NOTIFY_YAML = `
ari: { url: http://127.0.0.1:8088, username: nevermiss, password: secret }
prompts: { source: sound }
people:
  owner:
    name: Anna Owner
    phones: { desk: PJSIP/owner-desk }
    notify:
      sms: "20123456"
      ntfy: { url: "https://ntfy.example/anna?auth=secret" }
      webhook: { url: "https://hook:pw@crm.example/hook", secret: "0123456789abcdef" }
      email: anna@example.dk
  colleague:
    phones: { mobile: PJSIP/colleague-mobile }
routes:
  main:
    numbers: ["+4530123456"]
    hunt: [{ ring: [owner], timeout: 20s }]
defaultRoute: main
smtp: { url: "smtp://127.0.0.1:9", from: nevermiss@example.dk }
sms: { url: https://gw.example/send }
`;

function notifyConfig(): Config {
  const result = parseConfig(NOTIFY_YAML, 'test.yaml', {});
  if (!result.ok) assert.fail(result.problems.map(formatProblem).join('\n'));
  return result.config;
}

test('targets: a person\'s channels in a fixed order, with addresses safe to log', () => {
  const notifier = createNotifier(notifyConfig());
  assert.deepEqual(notifier.targets('owner'), [
    { name: 'email', person: 'owner', address: 'anna@example.dk' },
    { name: 'webhook', person: 'owner', address: 'https://crm.example/hook' },
    { name: 'ntfy', person: 'owner', address: 'https://ntfy.example/anna' },
    { name: 'sms', person: 'owner', address: '+4520123456' },
  ]);
  assert.deepEqual(notifier.targets('colleague'), []);
  assert.deepEqual(notifier.targets('nobody'), []);
  notifier.close();
});

test('send: a channel the config no longer has fails for good; a bad delivery id is a bug', async () => {
  const notifier = createNotifier(notifyConfig(), { fetch: () => Promise.reject(new Error('no request expected')) });
  await assert.rejects(notifier.send({ name: 'webhook', person: 'colleague', address: 'https://old.example/hook' }, event(), 'd-1'), (error: unknown) => {
    assert.ok(isNevermissError(error, ErrorCodes.NOTIFY_FAILED));
    assert.equal(
      error.message,
      'NM_NOTIFY_FAILED: webhook to https://old.example/hook failed: colleague has no webhook; retrying will not help; the config changed since this notification was planned; plan it again from the current config',
    );
    assert.deepEqual(error.details, { channel: 'webhook', retryable: false, address: 'https://old.example/hook' });
    return true;
  });
  await assert.rejects(notifier.send({ name: 'sms', person: 'gone', address: '+4520123456' }, event(), 'd-1'), (error: unknown) =>
    isNevermissError(error, ErrorCodes.NOTIFY_FAILED) && /person "gone" is not in the config/.test(error.message),
  );
  const [webhook] = notifier.targets('owner').filter((channel) => channel.name === 'webhook');
  await assert.rejects(notifier.send(webhook!, event(), 'has space'), RangeError);
  notifier.close();
});

test('with a login link, the e-mail and the text carry it; the text only while the callback is open', () => {
  const page = 'https://nm.example/login?t=abc.def&next=%2Fcallbacks%2Fcb-123';
  const withPage = (kind: NotificationKind): NotificationEvent => {
    const base = event(kind);
    return { ...base, links: { ...base.links, page } };
  };
  assert.match(renderText(withPage('created'), ZONE).text, new RegExp(`\\n\\nOpen it on your phone: ${page.replace(/[.?]/g, '\\$&')}\\n\\nCallback cb-123, pending\\.\\n$`));
  assert.equal(renderShortText(withPage('created'), ZONE), `nevermiss: Call back +45 20 12 34 56 by 14:32 (in 9 min). Rang 14:22. ${page}`);
  assert.doesNotMatch(renderShortText(withPage('done'), ZONE), /login/);
});

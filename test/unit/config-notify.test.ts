/**
 * The notification settings in the config: people.X.notify, smtp:, sms: and callbacks:, what a
 * valid file yields and every problem at its line and column.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { loadConfig } from '../../src/config/load.js';

import { EXAMPLE_ENV, EXAMPLE_FILE } from '../support/example-config.js';
import { linesWith, MINIMAL_LINES, testProblems, textWith, validConfig, type LineChanges } from '../support/config-text.js';

/** The minimal config without the owner's mobile: the owner's desk is line 10, routes: line 14, defaultRoute: line 20. */
const BASE_LINES = linesWith(MINIMAL_LINES, { 11: [] });

const SMTP = ['smtp:', '  url: smtp://127.0.0.1:2525', '  from: nevermiss@example.dk'];
const SMS = ['sms:', '  url: https://gateway.example/send'];

/** BASE_LINES with line N (1-based) replaced by the given line(s); [] deletes it. */
function configWith(changes: LineChanges = {}): string {
  return textWith(BASE_LINES, changes);
}

/** Owner's notify section (lines 11..) and top-level sections after defaultRoute. */
function withNotify(notify: readonly string[], ...sections: readonly string[]): string {
  return configWith({ 10: ['      desk: PJSIP/owner-desk', '    notify:', ...notify], 20: ['defaultRoute: main', ...sections] });
}

/** Top-level sections after defaultRoute (line 21 on). */
function withSection(...lines: readonly string[]): string {
  return configWith({ 20: ['defaultRoute: main', ...lines] });
}

// --- What a valid file yields -------------------------------------------------------------

test('the example file yields its notification settings', () => {
  const config = loadConfig(EXAMPLE_FILE, EXAMPLE_ENV);
  assert.deepEqual(config.people.owner?.notify, {
    email: 'anna@example.dk',
    webhook: { url: 'https://crm.example/hook', secret: 'example-hook-secret-0123456789' },
    ntfy: { url: 'https://ntfy.sh/hansen-anna', token: 'tk_example' },
    sms: '+4520123456',
  });
  assert.deepEqual(config.people.colleague?.notify, { email: null, webhook: null, ntfy: null, sms: '+4520654321' });
  assert.deepEqual(config.smtp, {
    url: 'smtp://nevermiss:example-smtp-password@mail.example.dk:587',
    from: 'nevermiss <nevermiss@example.dk>',
  });
  assert.deepEqual(config.sms, {
    url: 'https://gateway.example/send',
    method: 'POST',
    headers: { Authorization: 'Bearer example-sms-token' },
    body: '{"to":"{to}","text":"{text}"}',
  });
  assert.deepEqual(config.callbacks, {
    notify: ['owner'],
    remindAtShare: 0.7,
    escalateTo: ['colleague'],
    ringOnEscalation: false,
    attempts: 3,
    retryPauseMs: 600_000,
    minTalkMs: 20_000,
    dial: 'PJSIP/trunk/sip:{number}@provider',
    dialLeaseMs: 90_000,
    jobConcurrency: 8,
  });
});

test('without notification settings: no targets, no carriers, and the documented callback defaults', () => {
  const config = validConfig(configWith());
  assert.deepEqual(config.people.owner?.notify, { email: null, webhook: null, ntfy: null, sms: null });
  assert.equal(config.smtp, null);
  assert.equal(config.sms, null);
  assert.deepEqual(config.callbacks, {
    notify: [],
    remindAtShare: 0.7,
    escalateTo: [],
    ringOnEscalation: false,
    attempts: 3,
    retryPauseMs: 600_000,
    minTalkMs: 20_000,
    dial: null,
    dialLeaseMs: 90_000,
    jobConcurrency: 8,
  });
});

test('callbacks.notify defaults to everyone with a notify section, in written order', () => {
  const config = validConfig(
    configWith({
      10: ['      desk: PJSIP/owner-desk', '    notify: { ntfy: { url: "https://ntfy.sh/a" } }'],
      13: ['      mobile: PJSIP/colleague-mobile', '    notify: { webhook: { url: "http://127.0.0.1:9/hook", secret: "0123456789abcdef" } }'],
    }),
  );
  assert.deepEqual(config.callbacks.notify, ['owner', 'colleague']);
  assert.deepEqual(config.people.owner?.notify.ntfy, { url: 'https://ntfy.sh/a', token: null });
  const onlyOwner = validConfig(configWith({ 10: ['      desk: PJSIP/owner-desk', '    notify: { ntfy: { url: "https://ntfy.sh/a" } }'] }));
  assert.deepEqual(onlyOwner.callbacks.notify, ['owner']);
});

test('an SMS number is read in firm.country and stored in E.164; the gateway defaults to POST and no headers', () => {
  const config = validConfig(withNotify(['      sms: "070-123 45 67"'], 'firm:', '  country: SE', ...SMS));
  assert.equal(config.people.owner?.notify.sms, '+46701234567');
  assert.deepEqual(config.sms, { url: 'https://gateway.example/send', method: 'POST', headers: {}, body: null });
});

test('callback settings: percentages, durations, limits and a dial template', () => {
  const config = validConfig(
    withSection(
      'callbacks:',
      '  remindAt: 1%',
      '  attempts: 10',
      '  retryPause: 1m',
      '  minTalk: 0s',
      '  escalateTo: [colleague]',
      '  ringOnEscalation: true',
      '  dial: Local/{number}@from-internal',
      '  dialLease: 5s',
      '  jobConcurrency: 64',
    ),
  );
  assert.deepEqual(config.callbacks, {
    notify: [],
    remindAtShare: 0.01,
    escalateTo: ['colleague'],
    ringOnEscalation: true,
    attempts: 10,
    retryPauseMs: 60_000,
    minTalkMs: 0,
    dial: 'Local/{number}@from-internal',
    dialLeaseMs: 5_000,
    jobConcurrency: 64,
  });
  assert.equal(validConfig(withSection('callbacks:', '  remindAt: 99%')).callbacks.remindAtShare, 0.99);
});

test('an SMS gateway over GET with its placeholders in the URL; a form body and a JSON body by Content-Type', () => {
  const get = validConfig(withNotify(['      sms: "+4520123456"'], 'sms:', '  url: https://gw.example/send?to={to}&msg={text}', '  method: GET'));
  assert.deepEqual(get.sms, { url: 'https://gw.example/send?to={to}&msg={text}', method: 'GET', headers: {}, body: null });
  const form = validConfig(withNotify(['      sms: "+4520123456"'], ...SMS, '  body: to={to}&text={text}'));
  assert.equal(form.sms?.body, 'to={to}&text={text}');
  const json = validConfig(
    withNotify(['      sms: "+4520123456"'], ...SMS, '  headers: { Content-Type: application/json }', '  body: \'{"messages":[{"to":"{to}","body":"{text}"}]}\''),
  );
  assert.deepEqual(json.sms?.headers, { 'Content-Type': 'application/json' });
});

test('the notification settings are deeply frozen', () => {
  const config = loadConfig(EXAMPLE_FILE, EXAMPLE_ENV);
  const mutations: (() => void)[] = [
    () => Object.assign(config.people.owner!.notify.webhook!, { secret: 'stolen' }),
    () => Object.assign(config.sms!.headers, { Authorization: 'x' }),
    () => (config.callbacks.notify as string[]).push('colleague'),
    () => Object.assign(config.callbacks, { attempts: 1 }),
  ];
  for (const mutate of mutations) assert.throws(mutate, TypeError);
});

// --- Problems, each at its line and column --------------------------------------------------

testProblems('notify', [
  {
    name: 'an empty notify section',
    text: withNotify([], ...SMTP).replace('    notify:\n', '    notify: {}\n'),
    expected: ['test.yaml:11:13 people.owner.notify: expected at least one of email:, webhook:, ntfy: or sms:, got an empty map'],
  },
  {
    name: 'an unknown channel names the allowed ones',
    text: withNotify(['      slack: "#general"']),
    expected: ['test.yaml:12:7 people.owner.notify.slack: unknown key "slack"; allowed keys: email, webhook, ntfy, sms'],
  },
  {
    name: 'an e-mail address that is not one',
    text: withNotify(['      email: anna'], ...SMTP),
    expected: ['test.yaml:12:14 people.owner.notify.email: expected an e-mail address like "anna@example.dk", got "anna"'],
  },
  {
    name: 'e-mail without smtp is reported once, at the first person who has it',
    text: configWith({
      10: ['      desk: PJSIP/owner-desk', '    notify:', '      email: anna@example.dk'],
      13: ['      mobile: PJSIP/colleague-mobile', '    notify: { email: bo@example.dk }'],
    }),
    expected: [
      'test.yaml:12:14 people.owner.notify.email: sending e-mail needs the smtp: section, which is missing; add smtp: with url: and from: at the top level of the file, or remove email: here',
    ],
  },
  {
    name: 'an SMS number without the sms gateway',
    text: withNotify(['      sms: "+4520123456"']),
    expected: [
      'test.yaml:12:12 people.owner.notify.sms: sending text messages needs the sms: section, which is missing; add sms: with url: (and method:, headers:, body: as your gateway wants) at the top level of the file, or remove sms: here',
    ],
  },
  {
    name: 'an SMS number that is not valid in firm.country',
    text: withNotify(['      sms: "123"'], ...SMS),
    expected: ['test.yaml:12:12 people.owner.notify.sms: expected a phone number, written like "+4520111111" or as dialled within DK, got "123"'],
  },
  {
    name: 'an SMS number is read in firm.country',
    text: withNotify(['      sms: "70121212"'], 'firm:', '  country: SE', ...SMS),
    expected: ['test.yaml:12:12 people.owner.notify.sms: expected a phone number, written like "+4520111111" or as dialled within SE, got "70121212"'],
  },
  {
    name: 'an unquoted SMS number',
    text: withNotify(['      sms: +4520123456'], ...SMS),
    expected: [
      'test.yaml:12:12 people.owner.notify.sms: expected a mobile number in quotes, like "+4520123456", got the number 4520123456 without quotes (YAML reads unquoted digits as a number and drops a leading "+" or "0")',
    ],
  },
  {
    name: 'a webhook secret that is too short is not repeated',
    text: withNotify(['      webhook: { url: "https://crm.example/hook", secret: "short-one" }']),
    expected: [
      'test.yaml:12:59 people.owner.notify.webhook.secret: expected a shared secret of at least 16 characters, to sign each request, got 9 characters',
    ],
  },
  {
    name: 'a webhook secret YAML reads as a number',
    text: withNotify(['      webhook: { url: "https://crm.example/hook", secret: 12345678901234567 }']),
    expected: [
      'test.yaml:12:59 people.owner.notify.webhook.secret: expected a shared secret of at least 16 characters, to sign each request, got a number; put it in quotes to use it as text',
    ],
  },
  {
    name: 'a webhook without a secret',
    text: withNotify(['      webhook: { url: "https://crm.example/hook" }']),
    expected: [
      'test.yaml:12:7 people.owner.notify.webhook.secret: missing required key; expected a shared secret of at least 16 characters, to sign each request',
    ],
  },
  {
    name: 'a webhook secret from an unset variable is reported for the variable only',
    text: withNotify(['      webhook: { url: "https://crm.example/hook", secret: "${HOOK_SECRET}" }']),
    expected: [
      'test.yaml:12:59 people.owner.notify.webhook.secret: environment variable HOOK_SECRET is not set; set it or write ${HOOK_SECRET:-default}',
    ],
  },
  {
    name: 'a webhook URL of another protocol',
    text: withNotify(['      webhook: { url: "ftp://crm.example/hook", secret: "0123456789abcdef" }']),
    expected: [
      'test.yaml:12:23 people.owner.notify.webhook.url: expected an http:// or https:// URL like "https://crm.example/hook", got "ftp://crm.example/hook"',
    ],
  },
  {
    name: 'an ntfy URL without a topic',
    text: withNotify(['      ntfy: { url: "https://ntfy.sh/" }']),
    expected: ['test.yaml:12:20 people.owner.notify.ntfy.url: expected the topic\'s URL, like "https://ntfy.sh/hansen-anna", got "https://ntfy.sh/"'],
  },
  {
    name: 'an empty ntfy token',
    text: withNotify(['      ntfy: { url: "https://ntfy.sh/anna", token: "" }']),
    expected: ['test.yaml:12:51 people.owner.notify.ntfy.token: expected an ntfy access token, got an empty string'],
  },
]);

testProblems('smtp', [
  {
    name: 'a URL of another protocol, without its password',
    text: withSection('smtp:', '  url: https://user:s3cret@mail.example.dk', '  from: nevermiss@example.dk'),
    expected: [
      'test.yaml:22:8 smtp.url: expected an smtp:// or smtps:// URL like "smtp://user:password@mail.example.dk:587", got "https://…@mail.example.dk"',
    ],
  },
  {
    name: 'a sender that is not an address',
    text: withSection('smtp:', '  url: smtp://mail.example.dk', '  from: nevermiss'),
    expected: [
      'test.yaml:23:9 smtp.from: expected a sender like "nevermiss <nevermiss@example.dk>" or "nevermiss@example.dk", got "nevermiss"',
    ],
  },
  {
    name: 'a missing sender',
    text: withSection('smtp:', '  url: smtp://mail.example.dk'),
    expected: [
      'test.yaml:21:1 smtp.from: missing required key; expected a sender like "nevermiss <nevermiss@example.dk>" or "nevermiss@example.dk"',
    ],
  },
]);

testProblems('sms gateway', [
  {
    name: 'a GET request with a body',
    text: withSection('sms:', '  url: https://gw.example/send?to={to}&text={text}', '  method: GET', '  body: "{text}"'),
    expected: ['test.yaml:24:9 sms.body: a GET request has no body; put {to} and {text} in url:, or use method: POST'],
  },
  {
    name: 'a GET request whose URL lacks {text}',
    text: withSection('sms:', '  url: https://gw.example/send?to={to}', '  method: GET'),
    expected: ['test.yaml:22:8 sms.url: {text} appears nowhere; put it in url: so the gateway gets it'],
  },
  {
    name: 'a body without {to}, which the URL lacks too',
    text: withSection(...SMS, '  body: text={text}'),
    expected: ['test.yaml:23:9 sms.body: {to} appears nowhere; put it in url: or body: so the gateway gets it'],
  },
  {
    name: '{to} in the URL and {text} in the body is fine',
    text: withSection('sms:', '  url: https://gw.example/send/{to}', '  body: "{text}"', '  headers: { Content-Type: text/plain }'),
    expected: [],
  },
  {
    name: 'a JSON body with a placeholder outside quotes',
    text: withSection(...SMS, '  body: \'{"to":{to},"text":"{text}"}\''),
    expected: [
      'test.yaml:23:9 sms.body: expected a JSON body with {to} and {text} inside quotes, like \'{"to":"{to}","text":"{text}"}\'; this one is not JSON once they are filled in',
    ],
  },
  {
    name: 'a method other than GET or POST',
    text: withSection(...SMS, '  method: PUT'),
    expected: ['test.yaml:23:11 sms.method: expected "GET" or "POST", got "PUT"'],
  },
  {
    name: 'a header name with a space, and a value that is not text',
    text: withSection(...SMS, '  headers:', '    "Api Key": x', '    X-Count: 5'),
    expected: [
      'test.yaml:24:5 sms.headers["Api Key"]: expected an HTTP header name like "Authorization", got "Api Key"',
      'test.yaml:25:14 sms.headers.X-Count: expected a header value on one line, got a number; put it in quotes to use it as text',
    ],
  },
  {
    name: 'headers as a list',
    text: withSection(...SMS, '  headers: ["Authorization: Bearer x"]'),
    expected: ['test.yaml:23:12 sms.headers: expected header names with values, like "Authorization: Bearer ${SMS_TOKEN}", got a list'],
  },
  {
    name: 'a URL that is not one',
    text: withSection('sms:', '  url: gateway.example/send'),
    expected: ['test.yaml:22:8 sms.url: expected an http:// or https:// URL like "https://gateway.example/send", got "gateway.example/send"'],
  },
]);

testProblems('callbacks', [
  {
    name: 'notify names someone who is not in people',
    text: withSection('callbacks:', '  notify: [ownr]'),
    expected: ['test.yaml:22:12 callbacks.notify[0]: unknown person "ownr"; known people: owner, colleague'],
  },
  {
    name: 'notify names someone twice',
    text: withNotify(['      email: anna@example.dk'], ...SMTP, 'callbacks:', '  notify: [owner, owner]'),
    expected: ['test.yaml:27:19 callbacks.notify[1]: owner is already listed; list each person once'],
  },
  {
    name: 'notify names someone who cannot be told',
    text: withNotify(['      email: anna@example.dk'], ...SMTP, 'callbacks:', '  notify: [owner, colleague]'),
    expected: ['test.yaml:27:19 callbacks.notify[1]: colleague has no notify: section, so cannot be told; add people.colleague.notify or remove colleague here'],
  },
  {
    name: 'escalateTo names someone who cannot be told',
    text: withSection('callbacks:', '  escalateTo: [colleague]'),
    expected: [
      'test.yaml:22:16 callbacks.escalateTo[0]: colleague has no notify: section, so cannot be told; add people.colleague.notify, set ringOnEscalation: true to ring their phones, or remove colleague here',
    ],
  },
  {
    name: 'ringOnEscalation with nobody to ring',
    text: withSection('callbacks:', '  ringOnEscalation: true'),
    expected: [
      'test.yaml:22:21 callbacks.ringOnEscalation: escalateTo is empty, so there is nobody to ring; list people in escalateTo or remove ringOnEscalation',
    ],
  },
  {
    name: 'remindAt of 0% and without a percent sign',
    text: withSection('callbacks:', '  remindAt: 0%'),
    expected: ['test.yaml:22:13 callbacks.remindAt: expected a share of the deadline between 1% and 99%, like "70%", got "0%"'],
  },
  {
    name: 'remindAt of 100%',
    text: withSection('callbacks:', '  remindAt: 100%'),
    expected: ['test.yaml:22:13 callbacks.remindAt: expected a share of the deadline between 1% and 99%, like "70%", got "100%"'],
  },
  {
    name: 'remindAt as a bare number',
    text: withSection('callbacks:', '  remindAt: 70'),
    expected: ['test.yaml:22:13 callbacks.remindAt: expected a share of the deadline between 1% and 99%, like "70%", got the number 70'],
  },
  {
    name: 'attempts of 0',
    text: withSection('callbacks:', '  attempts: 0'),
    expected: ['test.yaml:22:13 callbacks.attempts: expected a whole number between 1 and 10, like 3, got the number 0'],
  },
  {
    name: 'attempts of 11',
    text: withSection('callbacks:', '  attempts: 11'),
    expected: ['test.yaml:22:13 callbacks.attempts: expected a whole number between 1 and 10, like 3, got the number 11'],
  },
  {
    name: 'attempts that are not whole',
    text: withSection('callbacks:', '  attempts: 2.5'),
    expected: ['test.yaml:22:13 callbacks.attempts: expected a whole number between 1 and 10, like 3, got the number 2.5'],
  },
  {
    name: 'attempts in quotes',
    text: withSection('callbacks:', '  attempts: "3"'),
    expected: ['test.yaml:22:13 callbacks.attempts: expected a whole number between 1 and 10, like 3, got "3"; write it without quotes'],
  },
  {
    name: 'a retry pause under 1m',
    text: withSection('callbacks:', '  retryPause: 30s'),
    expected: ['test.yaml:22:15 callbacks.retryPause: expected a duration between 1m and 24h, got "30s"'],
  },
  {
    name: 'a minimum talk time over 10m',
    text: withSection('callbacks:', '  minTalk: 11m'),
    expected: ['test.yaml:22:12 callbacks.minTalk: expected a duration between 0s and 10m, got "11m"'],
  },
  {
    name: 'a dial template without {number}',
    text: withSection('callbacks:', '  dial: PJSIP/trunk/sip:+4520123456@provider'),
    expected: [
      'test.yaml:22:9 callbacks.dial: expected an Asterisk dial string with {number} where the customer\'s number goes, like "PJSIP/trunk/sip:{number}@provider", got "PJSIP/trunk/sip:+4520123456@provider", which has no {number}',
    ],
  },
  {
    name: 'a dial template that is not a dial string',
    text: withSection('callbacks:', '  dial: "sip:{number}@provider"'),
    expected: [
      'test.yaml:22:9 callbacks.dial: expected an Asterisk dial string with {number} where the customer\'s number goes, like "PJSIP/trunk/sip:{number}@provider", got "sip:{number}@provider"',
    ],
  },
  {
    name: 'an unknown key names the allowed ones',
    text: withSection('callbacks:', '  remind: 70%'),
    expected: [
      'test.yaml:22:3 callbacks.remind: unknown key "remind"; allowed keys: notify, remindAt, escalateTo, ringOnEscalation, attempts, retryPause, minTalk, dial, dialLease, jobConcurrency',
    ],
  },
]);

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

import { z } from 'zod';

import { runCheck } from '../../src/cli/check.js';
import { formatDuration, parseDuration } from '../../src/config/duration.js';
import { loadConfig } from '../../src/config/load.js';
import type { Phone, PhoneRef } from '../../src/config/types.js';
import { ConfigFileSchema } from '../../src/config/schema.js';
import { ErrorCodes, isNevermissError } from '../../src/errors.js';

import { EXAMPLE_ENV, EXAMPLE_FILE } from '../support/example-config.js';
import { MINIMAL_LINES, problemLines, testProblems, textWith, validConfig, type LineChanges } from '../support/config-text.js';
/** The example keeps its secrets in these variables. */
/** http: with every key left out: loopback, no tokens, no sessions. */
const HTTP_DEFAULTS = { host: '127.0.0.1', port: 8080, tokens: [], sessionSecret: null, allowedHosts: [], trustProxy: [] };


/** MINIMAL_LINES with line N (1-based) replaced by the given line(s); [] deletes it. */
function configWith(changes: LineChanges = {}): string {
  return textWith(MINIMAL_LINES, changes);
}

/** A phone written as just its dial string, with every default. */
function phone(dial: string): Phone {
  return { dial, external: false, screen: false, timeoutMs: null, callerId: { show: 'caller', prefix: '' }, whenBusy: 'skip' };
}

function ringsAs(ref: PhoneRef): string {
  return `${ref.person}.${ref.phone}=${ref.dial}`;
}

test('the example file validates and yields the documented hunt plan', () => {
  const result = runCheck(EXAMPLE_FILE, EXAMPLE_ENV, () => undefined);
  assert.equal(result, 0);
  const config = loadConfig(EXAMPLE_FILE, EXAMPLE_ENV);

  assert.equal(config.file, EXAMPLE_FILE);
  assert.equal(config.ari.password, 'example-secret');
  assert.equal(config.ari.requestTimeoutMs, 5_000);
  assert.deepEqual(config.http, {
    host: '127.0.0.1',
    port: 8080,
    publicUrl: 'https://nevermiss.example.dk',
    tokens: [
      { name: 'admin', secret: EXAMPLE_ENV.NEVERMISS_ADMIN_TOKEN, scope: 'admin', person: null },
      { name: 'pbx', secret: EXAMPLE_ENV.NEVERMISS_REPORT_TOKEN, scope: 'report', person: null },
    ],
    sessionSecret: EXAMPLE_ENV.NEVERMISS_SESSION_SECRET,
    allowedHosts: [],
    trustProxy: [],
  });
  assert.equal(config.prompts.directory, join(dirname(EXAMPLE_FILE), '../prompts/build'));
  assert.deepEqual(config.people.owner, {
    id: 'owner',
    name: 'Anna Owner',
    phones: {
      desk: phone('PJSIP/owner-desk'),
      mobile: {
        ...phone('PJSIP/trunk/sip:+4520123456@provider'),
        external: true,
        screen: true,
        timeoutMs: 18_000,
        callerId: { show: 'caller', prefix: 'Kunde: ' },
      },
    },
    notify: {
      email: 'anna@example.dk',
      webhook: { url: 'https://crm.example/hook', secret: 'example-hook-secret-0123456789' },
      ntfy: { url: 'https://ntfy.sh/hansen-anna', token: 'tk_example' },
      sms: '+4520123456',
    },
  });
  assert.equal(config.people.colleague?.name, 'colleague');
  const main = config.routes.main!;
  assert.equal(main.id, 'main');
  assert.deepEqual(main.numbers, ['+4530123456', '30123456']);
  assert.equal(main.language, 'da');
  assert.deepEqual(
    main.hunt.map((step) => ({ ring: step.ring.map(ringsAs), timeoutMs: step.timeoutMs })),
    [
      { ring: ['owner.desk=PJSIP/owner-desk', 'owner.mobile=PJSIP/trunk/sip:+4520123456@provider'], timeoutMs: 20_000 },
      { ring: ['colleague.mobile=PJSIP/colleague-mobile'], timeoutMs: 20_000 },
    ],
  );
  assert.equal(main.promise.deadlineMs, 600_000);
  assert.equal(config.defaultRoute, 'main');
});

test('omitted optional keys take their documented defaults', () => {
  const config = validConfig(configWith());
  assert.equal(config.ari.app, 'nevermiss');
  assert.equal(config.ari.requestTimeoutMs, 5_000);
  assert.equal(config.ari.drainAstdb, true);
  assert.deepEqual(config.redis, { url: 'redis://127.0.0.1:6379/0', keyPrefix: 'nevermiss', commandTimeoutMs: 2_000 });
  assert.equal(config.data.directory, join(process.cwd(), 'data'));
  assert.deepEqual(config.http, HTTP_DEFAULTS);
  assert.equal('publicUrl' in config.http, false);
  assert.equal(config.prompts.directory, join(process.cwd(), 'prompts/build'));
  assert.deepEqual(config.log, { level: 'info', format: 'auto' });
  assert.equal(config.people.owner?.name, 'owner');
  assert.equal(config.routes.main?.language, 'en');
  assert.deepEqual(config.routes.main?.promise, { deadlineMs: 600_000, afterOpeningMs: 600_000 });
});

test('a ring entry of a person rings all their phones in written order; person.phone rings one', () => {
  const config = validConfig(configWith({ 19: '      - ring: [colleague, owner.mobile, owner.desk]' }));
  assert.deepEqual(
    config.routes.main?.hunt[0]?.ring.map(ringsAs),
    ['colleague.mobile=PJSIP/colleague-mobile', 'owner.mobile=PJSIP/owner-mobile', 'owner.desk=PJSIP/owner-desk'],
  );
});

test('prompts.directory is resolved against the folder of the config file', () => {
  const relative = validConfig(configWith({ 6: ['  source: sound', '  directory: sounds/nevermiss'] }), {}, '/etc/nevermiss/nevermiss.yaml');
  assert.equal(relative.prompts.directory, '/etc/nevermiss/sounds/nevermiss');
  assert.equal(relative.file, '/etc/nevermiss/nevermiss.yaml');
  const absolute = validConfig(configWith({ 6: ['  source: sound', '  directory: /srv/prompts'] }), {}, '/etc/nevermiss/nevermiss.yaml');
  assert.equal(absolute.prompts.directory, '/srv/prompts');
});

test('data.directory is resolved against the folder of the config file, like prompts.directory', () => {
  const relative = validConfig(configWith({ 21: ['defaultRoute: main', 'data:', '  directory: ../var/nevermiss'] }), {}, '/etc/nevermiss/nevermiss.yaml');
  assert.equal(relative.data.directory, '/etc/var/nevermiss');
  const absolute = validConfig(configWith({ 21: ['defaultRoute: main', 'data:', '  directory: /var/lib/nevermiss'] }), {}, '/etc/nevermiss/nevermiss.yaml');
  assert.equal(absolute.data.directory, '/var/lib/nevermiss');
});

test('http.listen accepts a host name and a bracketed IPv6 address; ari.url loses a trailing slash', () => {
  const named = validConfig(configWith({ 2: '  url: https://pbx.example.com:8089/', 21: ['defaultRoute: main', 'http:', '  listen: localhost:80'] }));
  assert.equal(named.ari.url, 'https://pbx.example.com:8089');
  assert.deepEqual([named.http.host, named.http.port], ['localhost', 80]);
  const ipv6 = validConfig(configWith({ 21: ['defaultRoute: main', 'http:', '  listen: "[::1]:65535"'] }));
  assert.deepEqual([ipv6.http.host, ipv6.http.port], ['::1', 65535]);
});

test('the result is deeply frozen', () => {
  const config = validConfig(configWith());
  const mutations: (() => void)[] = [
    () => Object.assign(config, { defaultRoute: 'other' }),
    () => Object.assign(config.ari, { password: 'stolen' }),
    () => Object.assign(config.routes.main!.hunt[0]!.ring[0]!, { dial: 'PJSIP/elsewhere' }),
    () => (config.routes.main!.numbers as string[]).push('+4599999999'),
    () => Object.assign(config.people.owner!.phones, { extra: 'PJSIP/extra' }),
  ];
  for (const mutate of mutations) assert.throws(mutate, TypeError);
});

test('the schema can be exported as JSON Schema, strict objects included', () => {
  const schema = z.toJSONSchema(ConfigFileSchema, { io: 'input' });
  assert.equal(schema.additionalProperties, false);
  assert.deepEqual(schema.required, ['ari', 'prompts', 'people', 'routes', 'defaultRoute']);
});

testProblems('YAML', [
  {
    name: 'a syntax error is reported with its position',
    text: configWith({ 19: '      - ring: [owner' }),
    expected: ['test.yaml:20:9: invalid YAML: Flow sequence in block collection must be sufficiently indented and end with a ]'],
  },
  {
    name: 'tabs used for indentation',
    text: configWith({ 3: '\tusername: nevermiss' }),
    expected: ['test.yaml:3:1: invalid YAML: a tab is used for indentation; indent with spaces'],
  },
  {
    name: 'a duplicate key is reported where it is repeated',
    text: configWith({ 4: ['  password: secret', '  password: other'] }),
    expected: ['test.yaml:5:3 ari.password: duplicate key "password" (first on line 4); write each key once'],
  },
  {
    name: 'a duplicate person',
    text: configWith({ 12: '  owner:' }),
    expected: ['test.yaml:12:3 people.owner: duplicate key "owner" (first on line 8); write each key once'],
  },
]);

testProblems('keys', [
  {
    name: 'an unknown key names itself and the allowed keys',
    text: configWith({ 3: '  usrname: nevermiss' }),
    expected: [
      'test.yaml:1:1 ari.username: missing required key; expected the ARI user name from ari.conf',
      'test.yaml:3:3 ari.usrname: unknown key "usrname"; allowed keys: url, username, password, app, requestTimeout, drainAstdb',
    ],
  },
  {
    name: 'an unknown key at the top level',
    text: configWith({ 21: ['defaultRoute: main', 'defaultroute: main'] }),
    expected: [
      'test.yaml:22:1 defaultroute: unknown key "defaultroute"; allowed keys: ari, redis, failover, http, prompts, data, log, firm, status, people, routes, defaultRoute, smtp, sms, callbacks, callable, metrics, retention',
    ],
  },
  {
    name: 'an unknown key in a hunt step',
    text: configWith({ 20: ['        timeout: 20s', '        timout: 30s'] }),
    expected: ['test.yaml:21:9 routes.main.hunt[0].timout: unknown key "timout"; allowed keys: ring, timeout, delay'],
  },
  {
    name: 'a missing section points at the top of the file',
    text: configWith({ 5: [], 6: [] }),
    expected: ['test.yaml:1:1 prompts: missing required key; expected prompt settings (source:, directory:, recordCode:)'],
  },
  {
    name: 'a missing key in a list item points at the item',
    text: configWith({ 20: [] }),
    expected: ['test.yaml:19:9 routes.main.hunt[0].timeout: missing required key; expected a duration like "20s"'],
  },
  {
    name: 'a key with no value',
    text: configWith({ 4: '  password:' }),
    expected: ['test.yaml:4:3 ari.password: expected the ARI password from ari.conf, got an empty value'],
  },
  {
    name: 'a name that is not a name',
    text: configWith({ 12: '  2nd-colleague:', 19: '      - ring: [owner, 2nd-colleague]' }),
    expected: [
      'test.yaml:12:3 people["2nd-colleague"]: expected a person name that starts with a letter and uses only letters, digits, "-" and "_", got "2nd-colleague"',
      'test.yaml:19:23 routes.main.hunt[0].ring[1]: expected a person or person.phone, like "owner" or "owner.desk", got "2nd-colleague"',
    ],
  },
]);

testProblems('types', [
  {
    name: 'a list where a map belongs',
    text: configWith({ 2: [], 3: [], 4: '  - secret' }),
    expected: ['test.yaml:2:3 ari: expected ARI connection settings (url:, username:, password:), got a list'],
  },
  {
    name: 'an unquoted number as a password, which is not repeated',
    text: configWith({ 4: '  password: 123456' }),
    expected: ['test.yaml:4:13 ari.password: expected the ARI password from ari.conf, got a number; put it in quotes to use it as text'],
  },
  {
    name: 'an unquoted number as a user name',
    text: configWith({ 3: '  username: 1001' }),
    expected: ['test.yaml:3:13 ari.username: expected the ARI user name from ari.conf, got the number 1001; put it in quotes to use it as text'],
  },
  {
    name: 'a value outside its choices',
    text: configWith({ 6: '  source: files' }),
    expected: ['test.yaml:6:11 prompts.source: expected "sound" or "http", got "files"'],
  },
  {
    name: 'a language without prompts',
    text: configWith({ 17: ['    numbers: ["+4530123456"]', '    language: fr'] }),
    expected: ['test.yaml:18:15 routes.main.language: no prompts for the language "fr": add prompts/src/fr.txt (see prompts/README.md), or use one of da, de, en'],
  },
  {
    name: 'a single entry where a list belongs',
    text: configWith({ 19: '      - ring: owner' }),
    expected: ['test.yaml:19:15 routes.main.hunt[0].ring: expected a list of people or phones, like [owner.desk, colleague], got "owner"'],
  },
  {
    name: 'a person without phones',
    text: configWith({ 13: '    phones: {}', 14: [] }),
    expected: ['test.yaml:13:13 people.colleague.phones: expected at least one phone, like "desk: PJSIP/owner-desk", got an empty map'],
  },
]);

testProblems('durations', [
  {
    name: 'a bare number',
    text: configWith({ 20: '        timeout: 20' }),
    expected: ['test.yaml:20:18 routes.main.hunt[0].timeout: expected a duration like "20s", got the number 20'],
  },
  {
    name: 'words for units',
    text: configWith({ 20: '        timeout: 20 seconds' }),
    expected: ['test.yaml:20:18 routes.main.hunt[0].timeout: expected a duration like "20s", "1m30s" or "500ms", got "20 seconds"'],
  },
  {
    name: 'units out of order',
    text: configWith({ 20: '        timeout: 30s1m' }),
    expected: ['test.yaml:20:18 routes.main.hunt[0].timeout: expected a duration like "20s", "1m30s" or "500ms", got "30s1m"'],
  },
  {
    name: 'a ring timeout under 1s',
    text: configWith({ 20: '        timeout: 500ms' }),
    expected: ['test.yaml:20:18 routes.main.hunt[0].timeout: expected a duration between 1s and 10m, got "500ms"'],
  },
  {
    name: 'a ring timeout over 10m',
    text: configWith({ 20: '        timeout: 20m' }),
    expected: ['test.yaml:20:18 routes.main.hunt[0].timeout: expected a duration between 1s and 10m, got "20m"'],
  },
  {
    name: 'a promise deadline under 1m',
    text: configWith({ 20: ['        timeout: 20s', '    promise:', '      deadline: 30s'] }),
    expected: ['test.yaml:22:17 routes.main.promise.deadline: expected a duration between 1m and 24h, got "30s"'],
  },
  {
    name: 'a promise deadline over 24h',
    text: configWith({ 20: ['        timeout: 20s', '    promise:', '      deadline: 24h1s'] }),
    expected: ['test.yaml:22:17 routes.main.promise.deadline: expected a duration between 1m and 24h, got "24h1s"'],
  },
  {
    name: 'a request timeout under 100ms',
    text: configWith({ 4: ['  password: secret', '  requestTimeout: 50ms'] }),
    expected: ['test.yaml:5:19 ari.requestTimeout: expected a duration between 100ms and 1m, got "50ms"'],
  },
  {
    name: 'a Redis command timeout under 100ms',
    text: configWith({ 21: ['defaultRoute: main', 'redis:', '  commandTimeout: 10ms'] }),
    expected: ['test.yaml:23:19 redis.commandTimeout: expected a duration between 100ms and 30s, got "10ms"'],
  },
  {
    name: 'a request timeout over 60s',
    text: configWith({ 4: ['  password: secret', '  requestTimeout: 1m1s'] }),
    expected: ['test.yaml:5:19 ari.requestTimeout: expected a duration between 100ms and 1m, got "1m1s"'],
  },
  {
    name: 'a failover lease under 2s, an ARI-loss grace over 10m',
    text: configWith({ 21: ['defaultRoute: main', 'failover:', '  lease: 1s', '  ariLossGrace: 11m'] }),
    expected: [
      'test.yaml:23:10 failover.lease: expected a duration between 2s and 1m, got "1s"',
      'test.yaml:24:17 failover.ariLossGrace: expected a duration between 1s and 10m, got "11m"',
    ],
  },
]);

test('failover: defaults 5s lease and 10s ARI-loss grace; both can be set', () => {
  assert.deepEqual(validConfig(configWith()).failover, { leaseMs: 5_000, ariLossGraceMs: 10_000 });
  const set = validConfig(configWith({ 21: ['defaultRoute: main', 'failover:', '  lease: 3s', '  ariLossGrace: 1m'] }));
  assert.deepEqual(set.failover, { leaseMs: 3_000, ariLossGraceMs: 60_000 });
});

test('durations: the limits themselves are accepted', () => {
  const config = validConfig(
    configWith({
      4: ['  password: secret', '  requestTimeout: 100ms'],
      20: ['        timeout: 10m', '      - ring: [colleague]', '        timeout: 1s', '    promise:', '      deadline: 24h'],
    }),
  );
  assert.equal(config.ari.requestTimeoutMs, 100);
  assert.deepEqual(config.routes.main?.hunt.map((step) => step.timeoutMs), [600_000, 1_000]);
  assert.equal(config.routes.main?.promise.deadlineMs, 86_400_000);
});

test('durations: parseDuration and formatDuration', () => {
  const cases: [text: string, ms: number][] = [
    ['500ms', 500],
    ['20s', 20_000],
    ['10m', 600_000],
    ['1h', 3_600_000],
    ['1m30s', 90_000],
    ['1h2m3s4ms', 3_723_004],
    ['0s', 0],
  ];
  for (const [text, ms] of cases) {
    assert.equal(parseDuration(text), ms, text);
    assert.equal(formatDuration(ms), text, String(ms));
  }
  for (const text of ['', '20', '1.5s', '20 s', '30s1m', '1m1m', 's', '-5s']) {
    assert.ok(Number.isNaN(parseDuration(text)), text);
  }
});

testProblems('hunt steps', [
  {
    name: 'an unknown person names the known ones',
    text: configWith({ 19: '      - ring: [owner, colleage]' }),
    expected: ['test.yaml:19:23 routes.main.hunt[0].ring[1]: unknown person "colleage"; known people: owner, colleague'],
  },
  {
    name: 'an unknown phone names that person\'s phones',
    text: configWith({ 19: '      - ring: [owner.mobil]' }),
    expected: ['test.yaml:19:16 routes.main.hunt[0].ring[0]: unknown phone "mobil" of owner; known phones: owner.desk, owner.mobile'],
  },
  {
    name: 'a phone twice in one step, through the person',
    text: configWith({ 19: '      - ring: [owner, owner.desk]' }),
    expected: [
      'test.yaml:19:23 routes.main.hunt[0].ring[1]: phone owner.desk is already rung in this step by "owner"; ring each phone once per step',
    ],
  },
  {
    name: 'a phone twice in one step, written twice',
    text: configWith({ 19: '      - ring: [owner.desk, owner.desk]' }),
    expected: [
      'test.yaml:19:28 routes.main.hunt[0].ring[1]: phone owner.desk is already rung in this step by "owner.desk"; ring each phone once per step',
    ],
  },
  {
    name: 'the same phone in two steps is fine',
    text: configWith({ 20: ['        timeout: 20s', '      - ring: [owner.desk, colleague]', '        timeout: 20s'] }),
    expected: [],
  },
  {
    name: 'an empty hunt',
    text: configWith({ 18: '    hunt: []', 19: [], 20: [] }),
    expected: ['test.yaml:18:11 routes.main.hunt: expected at least one hunt step, got an empty list'],
  },
  {
    name: 'an empty ring list',
    text: configWith({ 19: '      - ring: []' }),
    expected: ['test.yaml:19:15 routes.main.hunt[0].ring: expected at least one person or phone to ring, got an empty list'],
  },
  {
    name: 'a reference to a person whose own entry is broken is not reported twice',
    text: configWith({ 14: '      mobile: colleague-mobile', 19: '      - ring: [colleague.mobile]' }),
    expected: [
      'test.yaml:14:15 people.colleague.phones.mobile: expected an Asterisk dial string like "PJSIP/owner-desk" (technology/resource, one device), got "colleague-mobile"',
    ],
  },
]);

testProblems('dial strings', [
  {
    name: 'without a technology',
    text: configWith({ 10: '      desk: owner-desk' }),
    expected: [
      'test.yaml:10:13 people.owner.phones.desk: expected an Asterisk dial string like "PJSIP/owner-desk" (technology/resource, one device), got "owner-desk"',
    ],
  },
  {
    name: 'several devices in one',
    text: configWith({ 10: '      desk: PJSIP/a&PJSIP/b' }),
    expected: [
      'test.yaml:10:13 people.owner.phones.desk: expected an Asterisk dial string like "PJSIP/owner-desk" (technology/resource, one device), got "PJSIP/a&PJSIP/b"',
    ],
  },
  {
    name: 'Local channels and trunk URIs are accepted',
    text: configWith({ 10: '      desk: Local/100@from-internal/n', 11: '      mobile: PJSIP/trunk/sip:+4520123456@provider' }),
    expected: [],
  },
]);

testProblems('dialled numbers', [
  {
    name: 'a number listed twice in one route',
    text: configWith({ 17: '    numbers: ["+4530123456", "30123456", "+4530123456"]' }),
    expected: [
      'test.yaml:17:42 routes.main.numbers[2]: the number "+4530123456" is already listed by route "main"; list each number once, in one route',
    ],
  },
  {
    name: 'a number listed by two routes is reported at the second, naming the first',
    text: configWith({
      20: ['        timeout: 20s', '  support:', '    numbers: ["30123457", "+4530123456"]', '    hunt:', '      - ring: [colleague]', '        timeout: 20s'],
    }),
    expected: [
      'test.yaml:22:27 routes.support.numbers[1]: the number "+4530123456" is already listed by route "main"; list each number once, in one route',
    ],
  },
  {
    name: 'an unquoted number is rejected, not silently changed',
    text: configWith({ 17: '    numbers: [+4530123456]' }),
    expected: [
      'test.yaml:17:15 routes.main.numbers[0]: expected a dialled number in quotes like "+4530123456", got the number 4530123456 without quotes (YAML reads unquoted digits as a number and drops a leading "+" or "0")',
    ],
  },
  {
    name: 'something that is not a number',
    text: configWith({ 17: '    numbers: ["30 12 34 56"]' }),
    expected: [
      'test.yaml:17:15 routes.main.numbers[0]: expected a dialled number of digits with an optional leading "+", like "+4530123456", got "30 12 34 56"',
    ],
  },
  {
    name: 'a route only reached as the default may list no numbers',
    text: configWith({ 17: '    numbers: []' }),
    expected: [],
  },
]);

testProblems('defaultRoute', [
  {
    name: 'naming no route',
    text: configWith({ 21: 'defaultRoute: mian' }),
    expected: ['test.yaml:21:15 defaultRoute: unknown route "mian"; known routes: main'],
  },
]);

testProblems('addresses', [
  {
    name: 'listen without a port',
    text: configWith({ 21: ['defaultRoute: main', 'http:', '  listen: "8080"'] }),
    expected: ['test.yaml:23:11 http.listen: expected host:port like "127.0.0.1:8080", got "8080"'],
  },
  {
    name: 'listen with port 0',
    text: configWith({ 21: ['defaultRoute: main', 'http:', '  listen: 127.0.0.1:0'] }),
    expected: ['test.yaml:23:11 http.listen: expected host:port with a port between 1 and 65535, like "127.0.0.1:8080", got "127.0.0.1:0"'],
  },
  {
    name: 'listen with a port over 65535',
    text: configWith({ 21: ['defaultRoute: main', 'http:', '  listen: 0.0.0.0:65536'] }),
    expected: ['test.yaml:23:11 http.listen: expected host:port with a port between 1 and 65535, like "127.0.0.1:8080", got "0.0.0.0:65536"'],
  },
  {
    name: 'ari.url that is not a URL',
    text: configWith({ 2: '  url: 127.0.0.1:8088' }),
    expected: ['test.yaml:2:8 ari.url: expected an http:// or https:// URL like "http://127.0.0.1:8088", got "127.0.0.1:8088"'],
  },
  {
    name: 'ari.url with another protocol',
    text: configWith({ 2: '  url: ws://127.0.0.1:8088' }),
    expected: ['test.yaml:2:8 ari.url: expected an http:// or https:// URL like "http://127.0.0.1:8088", got "ws://127.0.0.1:8088"'],
  },
  {
    name: 'ari.url with the /ari suffix',
    text: configWith({ 2: '  url: http://127.0.0.1:8088/ari' }),
    expected: [
      'test.yaml:2:8 ari.url: expected the base URL without "/ari" (nevermiss adds it), like "http://127.0.0.1:8088", got "http://127.0.0.1:8088/ari"',
    ],
  },
  {
    name: 'redis.url with another protocol',
    text: configWith({ 21: ['defaultRoute: main', 'redis:', '  url: http://127.0.0.1:6379'] }),
    expected: ['test.yaml:23:8 redis.url: expected a redis:// or rediss:// URL like "redis://127.0.0.1:6379/0", got "http://127.0.0.1:6379"'],
  },
  {
    name: 'a URL in a problem does not show its password',
    text: configWith({ 21: ['defaultRoute: main', 'redis:', '  url: https://user:s3cret@redis.example.com:6380'] }),
    expected: ['test.yaml:23:8 redis.url: expected a redis:// or rediss:// URL like "redis://127.0.0.1:6379/0", got "https://…@redis.example.com:6380"'],
  },
  {
    name: 'prompts over http without a public URL',
    text: configWith({ 6: '  source: http' }),
    expected: [
      'test.yaml:1:1 http.publicUrl: required because prompts.source is "http"; expected the URL at which Asterisk reaches this service, like "http://192.0.2.10:8080"',
    ],
  },
  {
    name: 'prompts over http with a public URL',
    text: configWith({ 6: '  source: http', 21: ['defaultRoute: main', 'http:', '  publicUrl: http://192.0.2.10:8080'] }),
    expected: [],
  },
]);

testProblems('environment variables', [
  {
    name: 'an unset variable without a default',
    text: configWith({ 4: '  password: ${ARI_PASSWORD}' }),
    expected: ['test.yaml:4:13 ari.password: environment variable ARI_PASSWORD is not set; set it or write ${ARI_PASSWORD:-default}'],
  },
  {
    name: 'a malformed reference',
    text: configWith({ 4: '  password: ${ARI-PASSWORD}' }),
    expected: [
      'test.yaml:4:13 ari.password: malformed environment reference "${ARI-PASSWORD}"; expected ${VAR} or ${VAR:-default}, where VAR uses letters, digits and "_"',
    ],
  },
  {
    name: 'an unset variable is reported once, not again for the value it leaves',
    text: configWith({ 2: '  url: ${ARI_URL}' }),
    expected: ['test.yaml:2:8 ari.url: environment variable ARI_URL is not set; set it or write ${ARI_URL:-default}'],
  },
  {
    name: 'a substituted value is validated like any other',
    text: configWith({ 20: '        timeout: ${RING_TIMEOUT}' }),
    env: { RING_TIMEOUT: '20' },
    expected: ['test.yaml:20:18 routes.main.hunt[0].timeout: expected a duration like "20s", "1m30s" or "500ms", got "20"'],
  },
]);

test('environment variables: substitution, defaults and escapes', () => {
  const cases: [written: string, env: Record<string, string>, expected: string][] = [
    ['${ARI_PASSWORD}', { ARI_PASSWORD: 'from-env' }, 'from-env'],
    ['${ARI_PASSWORD:-fallback}', {}, 'fallback'],
    ['${ARI_PASSWORD:-fallback}', { ARI_PASSWORD: '' }, 'fallback'],
    ['${ARI_PASSWORD:-fallback}', { ARI_PASSWORD: 'set' }, 'set'],
    ['pre-${A}-${B:-b}-post', { A: 'a' }, 'pre-a-b-post'],
    ['"$${NOT_A_VARIABLE}"', {}, '${NOT_A_VARIABLE}'],
  ];
  for (const [written, env, expected] of cases) {
    const config = validConfig(configWith({ 4: `  password: ${written}` }), env);
    assert.equal(config.ari.password, expected, written);
  }
});

test('several problems are reported at once, in the order they appear', () => {
  const text = configWith({
    3: '  usrname: nevermiss',
    4: '  password: ${ARI_PASSWORD}',
    10: '      desk: owner-desk',
    19: '      - ring: [owner, ghost]',
    20: '        timeout: 20',
    21: 'defaultRoute: mian',
  });
  assert.deepEqual(problemLines(text), [
    'test.yaml:1:1 ari.username: missing required key; expected the ARI user name from ari.conf',
    'test.yaml:3:3 ari.usrname: unknown key "usrname"; allowed keys: url, username, password, app, requestTimeout, drainAstdb',
    'test.yaml:4:13 ari.password: environment variable ARI_PASSWORD is not set; set it or write ${ARI_PASSWORD:-default}',
    'test.yaml:10:13 people.owner.phones.desk: expected an Asterisk dial string like "PJSIP/owner-desk" (technology/resource, one device), got "owner-desk"',
    'test.yaml:19:23 routes.main.hunt[0].ring[1]: unknown person "ghost"; known people: owner, colleague',
    'test.yaml:20:18 routes.main.hunt[0].timeout: expected a duration like "20s", got the number 20',
    'test.yaml:21:15 defaultRoute: unknown route "mian"; known routes: main',
  ]);
});

test('an empty file says what belongs in it', () => {
  assert.deepEqual(problemLines(''), [
    'test.yaml:1:1: expected the nevermiss settings: ari:, prompts:, people:, routes: and defaultRoute:, got an empty value',
  ]);
});

function temporaryFolder(): string {
  return mkdtempSync(join(tmpdir(), 'nevermiss-config-'));
}

test('loadConfig: a missing file throws NM_CONFIG_UNREADABLE naming the file and what to do', () => {
  const file = join(temporaryFolder(), 'nevermiss.yaml');
  assert.throws(
    () => loadConfig(file, {}),
    (error: unknown) =>
      isNevermissError(error, ErrorCodes.CONFIG_UNREADABLE) &&
      error.message ===
        `NM_CONFIG_UNREADABLE: cannot read config file ${file}: it does not exist; create it (config/nevermiss.example.yaml is a documented starting point) or give the path of an existing file`,
  );
});

test('loadConfig: a folder throws NM_CONFIG_UNREADABLE', () => {
  const folder = temporaryFolder();
  assert.throws(
    () => loadConfig(folder, {}),
    (error: unknown) =>
      isNevermissError(error, ErrorCodes.CONFIG_UNREADABLE) &&
      error.message === `NM_CONFIG_UNREADABLE: cannot read config file ${folder}: it is a folder; give the path of the YAML file inside it`,
  );
});

test('loadConfig: an invalid file throws NM_CONFIG_INVALID listing every problem', () => {
  const file = join(temporaryFolder(), 'nevermiss.yaml');
  writeFileSync(file, configWith({ 20: '        timeout: 20', 21: 'defaultRoute: mian' }));
  assert.throws(
    () => loadConfig(file, {}),
    (error: unknown) => {
      assert.ok(isNevermissError(error, ErrorCodes.CONFIG_INVALID));
      assert.equal(
        error.message,
        [
          `NM_CONFIG_INVALID: ${file}:20:18 routes.main.hunt[0].timeout: expected a duration like "20s", got the number 20`,
          `${file}:21:15 defaultRoute: unknown route "mian"; known routes: main`,
        ].join('\n'),
      );
      assert.deepEqual(error.details.problems, [
        { file, line: 20, col: 18, path: 'routes.main.hunt[0].timeout', message: 'expected a duration like "20s", got the number 20' },
        { file, line: 21, col: 15, path: 'defaultRoute', message: 'unknown route "mian"; known routes: main' },
      ]);
      return true;
    },
  );
});

test('loadConfig reads the environment of the process by default', () => {
  const file = join(temporaryFolder(), 'nevermiss.yaml');
  writeFileSync(file, configWith({ 4: '  password: ${NEVERMISS_TEST_UNLIKELY_VARIABLE:-from-default}' }));
  assert.equal(loadConfig(file).ari.password, 'from-default');
});

test('runCheck prints every problem and returns 1', () => {
  const folder = temporaryFolder();
  const file = join(folder, 'nevermiss.yaml');
  writeFileSync(file, configWith({ 19: '      - ring: [ghost]', 21: 'defaultRoute: mian' }));
  const lines: string[] = [];
  assert.equal(runCheck(file, {}, (line) => lines.push(line)), 1);
  assert.deepEqual(lines, [
    `${file}:19:16 routes.main.hunt[0].ring[0]: unknown person "ghost"; known people: owner, colleague`,
    `${file}:21:15 defaultRoute: unknown route "mian"; known routes: main`,
  ]);
});

test('runCheck prints a summary for a valid file and returns 0', () => {
  const folder = join(temporaryFolder(), 'etc');
  mkdirSync(folder);
  const file = join(folder, 'nevermiss.yaml');
  writeFileSync(file, configWith());
  const lines: string[] = [];
  assert.equal(runCheck(file, {}, (line) => lines.push(line)), 0);
  assert.deepEqual(lines, [`${file}: OK (1 route, 2 people)`]);
});

test('runCheck prints why a file is unreadable and returns 1', () => {
  const file = join(temporaryFolder(), 'missing.yaml');
  const lines: string[] = [];
  assert.equal(runCheck(file, {}, (line) => lines.push(line)), 1);
  assert.equal(lines.length, 1);
  assert.match(lines[0]!, /^NM_CONFIG_UNREADABLE: cannot read config file .*missing\.yaml: it does not exist/);
});

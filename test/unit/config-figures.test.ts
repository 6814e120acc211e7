/** The metrics: and retention: sections of the config: what a valid file yields, and every problem at its line and column. */
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { formatProblem, loadConfig, parseConfig } from '../../src/config/load.js';

import { EXAMPLE_ENV, EXAMPLE_FILE } from '../support/example-config.js';
const TOKEN = 'a-metrics-token-of-32-characters';
/** The rule of every secret of the config (schema-http.ts `longSecret`), the metrics token's too. */
const SECRET_RULE = 'expected a secret of at least 32 characters (letters, digits and punctuation, no spaces), like the output of "openssl rand -base64 32", kept out of this file with ${VAR}';

const BASE = [
  'ari: { url: http://127.0.0.1:8088, username: nevermiss, password: secret }', // 1
  'prompts: { source: sound }', //                                                2
  'people: { owner: { phones: { desk: PJSIP/owner-desk } } }', //                 3
  'routes: { main: { numbers: ["+4530123456"], hunt: [{ ring: [owner], timeout: 20s }] } }', // 4
  'defaultRoute: main', //                                                        5
];

function parse(extra: readonly string[], env: Record<string, string> = {}) {
  return parseConfig(`${[...BASE, ...extra].join('\n')}\n`, 'test.yaml', env);
}

function problems(extra: readonly string[], env: Record<string, string> = {}): string[] {
  const result = parse(extra, env);
  assert.equal(result.ok, false, 'expected problems');
  return result.ok ? [] : result.problems.map(formatProblem);
}

test('without the sections: no /metrics, and data is kept 90 days', () => {
  const result = parse([]);
  assert.ok(result.ok);
  assert.equal(result.config.metrics, null);
  assert.equal(result.config.retention.keepMs, 90 * 86_400_000);
});

test('metrics with a token from the environment and a listener of their own; retention in days', () => {
  assert.equal(TOKEN.length, 32);
  const result = parse(['metrics:', '  token: ${NEVERMISS_METRICS_TOKEN}', '  listen: 127.0.0.1:9464', 'retention: { keep: 30d }'], { NEVERMISS_METRICS_TOKEN: TOKEN });
  assert.ok(result.ok, result.ok ? '' : result.problems.map(formatProblem).join('\n'));
  assert.deepEqual(result.config.metrics, { token: TOKEN, listen: { host: '127.0.0.1', port: 9464 } });
  assert.equal(result.config.retention.keepMs, 30 * 86_400_000);
  const onMain = parse(['metrics: { token: "${T}" }'], { T: TOKEN });
  assert.ok(onMain.ok);
  assert.deepEqual(onMain.config.metrics, { token: TOKEN, listen: null });
});

test('a token shorter than 32 characters is refused at its line and column, without repeating it', () => {
  const short = 'only-31-characters-long-0123456';
  assert.equal(short.length, 31);
  const found = problems(['metrics:', '  token: ${NEVERMISS_METRICS_TOKEN}'], { NEVERMISS_METRICS_TOKEN: short });
  assert.deepEqual(found, [
    `test.yaml:7:10 metrics.token: ${SECRET_RULE}, got 31 characters`,
  ]);
  assert.ok(!found.join('').includes(short));
});

test('a token with spaces, an unset variable, a missing token, an unknown key', () => {
  const spaced = 'a token with spaces that is long enough';
  const withSpace = problems(['metrics: { token: "${T}" }'], { T: spaced });
  assert.equal(withSpace.length, 1);
  assert.equal(withSpace[0], `test.yaml:6:19 metrics.token: ${SECRET_RULE}, got text with spaces or characters beyond ASCII`);
  assert.ok(!withSpace.join('').includes(spaced));
  assert.deepEqual(problems(['metrics: { token: "${NEVERMISS_METRICS_TOKEN}" }']), [
    'test.yaml:6:19 metrics.token: environment variable NEVERMISS_METRICS_TOKEN is not set; set it or write ${NEVERMISS_METRICS_TOKEN:-default}',
  ]);
  assert.match(problems(['metrics: { listen: 127.0.0.1:9464 }']).join('\n'), /^test\.yaml:6:\d+ metrics(\.token)?: missing required key; expected a secret of at least 32 characters/);
  assert.deepEqual(problems(['metrics: { token: "${T}", port: 9464 }'], { T: TOKEN }), ['test.yaml:6:27 metrics.port: unknown key "port"; allowed keys: token, listen']);
});

test('metrics can not listen where the main server does', () => {
  assert.deepEqual(problems(['metrics: { token: "${T}", listen: 127.0.0.1:8080 }'], { T: TOKEN }), [
    'test.yaml:6:35 metrics.listen: the main HTTP server (http.listen) already listens on port 8080; give /metrics a port of its own, like "127.0.0.1:9464", or remove listen: to serve /metrics on http.listen',
  ]);
  assert.equal(problems(['http: { listen: 0.0.0.0:9000 }', 'metrics: { token: "${T}", listen: 127.0.0.1:9000 }'], { T: TOKEN }).length, 1);
  assert.ok(parse(['http: { listen: 127.0.0.1:9000 }', 'metrics: { token: "${T}", listen: 127.0.0.2:9000 }'], { T: TOKEN }).ok, 'another address, same port: fine');
});

test('retention is a whole number of days between 1d and 3650d', () => {
  const phrase = 'expected a number of days like "90d", between 1d and 3650d';
  assert.deepEqual(problems(['retention: { keep: 2160h }']), [`test.yaml:6:20 retention.keep: ${phrase}, got "2160h"`]);
  assert.deepEqual(problems(['retention: { keep: 0d }']), [`test.yaml:6:20 retention.keep: ${phrase}, got "0d"`]);
  assert.deepEqual(problems(['retention: { keep: 3651d }']), [`test.yaml:6:20 retention.keep: ${phrase}, got "3651d"`]);
  assert.deepEqual(problems(['retention: { keep: 90 }']), [`test.yaml:6:20 retention.keep: ${phrase}, got the number 90`]);
  assert.ok(parse(['retention: { keep: 3650d }']).ok);
});

test('the example file has metrics on the main server and keeps data 90 days', () => {
  const config = loadConfig(EXAMPLE_FILE, { ...EXAMPLE_ENV, NEVERMISS_METRICS_TOKEN: TOKEN });
  assert.deepEqual(config.metrics, { token: TOKEN, listen: null });
  assert.equal(config.retention.keepMs, 90 * 86_400_000);
});

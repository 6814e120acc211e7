/**
 * Reading a config without its secrets (`explain`, `check --offline`), and the words `check`
 * finds for keys a release renamed or removed.
 */
import { test } from 'node:test';
import { readFileSync } from 'node:fs';
import assert from 'node:assert/strict';

import { withConfigChanges } from '../../src/config/changes.js';
import { formatProblem, loadConfig, parseConfig } from '../../src/config/load.js';
import type { Finding } from '../../src/config/problems.js';

import { EXAMPLE_ENV, EXAMPLE_FILE } from '../support/example-config.js';

const CONFIG = `ari:
  url: \${ARI_URL:-http://127.0.0.1:8088}
  username: nevermiss
  password: \${ARI_PASSWORD}
http:
  tokens:
    - { name: admin, secret: "\${ADMIN_TOKEN}", scope: admin }
prompts: { source: sound }
people: { owner: { phones: { desk: PJSIP/owner-desk } } }
routes: { main: { numbers: ["4530123456"], hunt: [{ ring: [owner], timeout: 20s }] } }
defaultRoute: main
`;

test('by default a variable that is not set is a problem, as the service needs it', () => {
  const result = parseConfig(CONFIG, 'test.yaml', {});
  assert.ok(!result.ok);
  assert.deepEqual(result.problems.map(formatProblem), [
    'test.yaml:4:13 ari.password: environment variable ARI_PASSWORD is not set; set it or write ${ARI_PASSWORD:-default}',
    'test.yaml:7:30 http.tokens[0].secret: environment variable ADMIN_TOKEN is not set; set it or write ${ADMIN_TOKEN:-default}',
  ]);
});

test('with placeholders the secrets are not needed; the result says which variables were not set', () => {
  const result = parseConfig(CONFIG, 'test.yaml', {}, { unsetVariables: 'placeholder' });
  assert.ok(result.ok, result.ok ? '' : result.problems.map(formatProblem).join('\n'));
  assert.deepEqual(result.unsetVariables, ['ADMIN_TOKEN', 'ARI_PASSWORD']);
  assert.match(result.config.ari.password, /^unset\.ARI_PASSWORD\./);
});

test('with placeholders, variables that are set are used, and defaults apply', () => {
  const result = parseConfig(CONFIG, 'test.yaml', { ARI_PASSWORD: 'p', ADMIN_TOKEN: 'a'.repeat(40) }, { unsetVariables: 'placeholder' });
  assert.ok(result.ok);
  assert.deepEqual(result.unsetVariables, []);
  assert.equal(result.config.ari.password, 'p');
  assert.equal(result.config.ari.url, 'http://127.0.0.1:8088');
});

test('with placeholders, a variable whose value must be known to be checked is still a problem', () => {
  const text = CONFIG.replace('${ARI_URL:-http://127.0.0.1:8088}', '${ARI_URL}').replace('timeout: 20s', 'timeout: "${RING_TIMEOUT}"');
  const result = parseConfig(text, 'test.yaml', {}, { unsetVariables: 'placeholder' });
  assert.ok(!result.ok);
  assert.deepEqual(
    result.problems.map((problem) => problem.path),
    ['ari.url', 'routes.main.hunt[0].timeout'],
    'the URL and the duration, not the secrets',
  );
  assert.match(result.problems[0]?.message ?? '', /^environment variable ARI_URL is not set/);
});

test('the example config reads without any of its secrets, and names them all', () => {
  const config = loadConfig(EXAMPLE_FILE, {}, { unsetVariables: 'placeholder' });
  assert.equal(Object.keys(config.routes).length, 1);
  const unset = parseConfig(readFileSync(EXAMPLE_FILE, 'utf8'), EXAMPLE_FILE, {}, { unsetVariables: 'placeholder' });
  assert.ok(unset.ok);
  assert.deepEqual(unset.unsetVariables, Object.keys(EXAMPLE_ENV).sort());
  // With every secret set, nothing is left unset.
  const set = parseConfig(readFileSync(EXAMPLE_FILE, 'utf8'), EXAMPLE_FILE, EXAMPLE_ENV, { unsetVariables: 'placeholder' });
  assert.ok(set.ok);
  assert.deepEqual(set.unsetVariables, []);
});

const unknownKey = (path: (string | number)[]): Finding => ({
  path,
  at: 'key',
  message: `unknown key "${String(path[path.length - 1])}"; allowed keys: a, b`,
});

const CHANGES = [
  { path: ['routes', '*', 'ringFor'], version: '0.3.0', movedTo: 'routes.<name>.hunt[].timeout', advice: 'give each hunt step its timeout' },
  { path: ['log', 'colour'], version: '0.2.0', movedTo: null, advice: 'delete it; log.format: auto colours a terminal' },
];

test('check names the version and the new place of a renamed key, and says what to do about a removed one', () => {
  const findings = withConfigChanges(
    [unknownKey(['routes', 'main', 'ringFor']), unknownKey(['log', 'colour']), unknownKey(['log', 'colours'])],
    CHANGES,
  );
  assert.deepEqual(
    findings.map((finding) => finding.message),
    [
      '"ringFor" was renamed to routes.<name>.hunt[].timeout in version 0.3.0: give each hunt step its timeout (CHANGELOG.md says more)',
      '"colour" was removed in version 0.2.0: delete it; log.format: auto colours a terminal (CHANGELOG.md says more)',
      'unknown key "colours"; allowed keys: a, b',
    ],
  );
});

test('only unknown keys are reworded: a value problem at the same path stays as it was', () => {
  const value: Finding = { path: ['log', 'colour'], message: 'expected true or false' };
  assert.deepEqual(withConfigChanges([value], CHANGES), [value]);
});

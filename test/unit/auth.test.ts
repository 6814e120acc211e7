/** The pure parts of the API's credentials: the config's tokens, signed links, scopes, the failure limit. */
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { formatProblem, parseConfig } from '../../src/config/load.js';
import { createSigner } from '../../src/http/auth/signed.js';
import { createCredentials, LOGIN_LINK_LIFETIME_MS, SESSION_LIFETIME_MS } from '../../src/http/auth/credentials.js';
import { createTokenTable } from '../../src/http/auth/bearer.js';
import { createFailureLimiter } from '../../src/http/auth/failures.js';
import { allows, grantedBy } from '../../src/http/auth/scopes.js';
import { localPath, loginLink } from '../../src/http/auth/links.js';
import { ntfyActions, ntfyRequest } from '../../src/notify/channels/ntfy.js';

const SECRET = 'unit-secret-0123456789-0123456789-0123';
const NOW = 1_800_000_000_000;

const BASE = [
  'ari: { url: "http://127.0.0.1:8088", username: u, password: p }', // 1
  'prompts: { source: sound }', //                                     2
  'people: { owner: { phones: { desk: PJSIP/owner-desk } } }', //      3
  'routes: { main: { numbers: ["4530123456"], hunt: [{ ring: [owner], timeout: 20s }] } }', // 4
  'defaultRoute: main', //                                             5
  'http:', //                                                          6
];

function problems(http: readonly string[], env: Readonly<Record<string, string>> = {}): string[] {
  const result = parseConfig(`${[...BASE, ...http].join('\n')}\n`, 'test.yaml', env);
  return result.ok ? [] : result.problems.map(formatProblem);
}

test('config: a token secret that is too short is refused at its FILE:LINE:COL, without repeating it', () => {
  assert.deepEqual(problems(['  tokens:', '    - { name: pbx, secret: "short-secret", scope: report }']), [
    'test.yaml:8:28 http.tokens[0].secret: expected a secret of at least 32 characters (letters, digits and punctuation, no spaces), like the output of "openssl rand -base64 32", kept out of this file with ${VAR}, got 12 characters',
  ]);
});

test('config: a token whose environment variable is not set is refused where it is used', () => {
  assert.deepEqual(problems(['  tokens:', '    - { name: pbx, secret: "${NM_PBX_TOKEN}", scope: report }']), [
    'test.yaml:8:28 http.tokens[0].secret: environment variable NM_PBX_TOKEN is not set; set it or write ${NM_PBX_TOKEN:-default}',
  ]);
  assert.deepEqual(problems(['  tokens:', '    - { name: pbx, secret: "${NM_PBX_TOKEN}", scope: report }'], { NM_PBX_TOKEN: 'x'.repeat(32) }), []);
});

test('config: token names and secrets are unique, persons exist, a report token has none, links need publicUrl', () => {
  const secret = 'a'.repeat(40);
  assert.deepEqual(
    problems([
      `  sessionSecret: "${'s'.repeat(32)}"`,
      '  tokens:',
      `    - { name: one, secret: "${secret}", scope: admin }`,
      `    - { name: one, secret: "${secret}", scope: read }`,
      `    - { name: three, secret: "${'s'.repeat(32)}", scope: act, person: nobody }`,
      `    - { name: four, secret: "${'b'.repeat(32)}", scope: report, person: owner }`,
      `    - { name: five, secret: "${'c'.repeat(32)} with space", scope: root }`,
    ]),
    [
      'test.yaml:7:18 http.sessionSecret: login links and the action buttons of notifications point at http.publicUrl, which is missing; add publicUrl: with the URL at which phones reach this service, like "https://nevermiss.example.dk"',
      'test.yaml:10:15 http.tokens[1].name: the name "one" is already used by http.tokens[0]; give each token its own name',
      'test.yaml:10:28 http.tokens[1].secret: this secret is already the secret of http.tokens[0]; give each token its own secret',
      'test.yaml:11:30 http.tokens[2].secret: this secret is also http.sessionSecret; give the token a secret of its own',
      'test.yaml:11:86 http.tokens[2].person: unknown person "nobody"; known people: owner',
      'test.yaml:12:88 http.tokens[3].person: a report token acts for the PBX, not for a person; remove person: or choose another scope',
      'test.yaml:13:29 http.tokens[4].secret: expected a secret of at least 32 characters (letters, digits and punctuation, no spaces), like the output of "openssl rand -base64 32", kept out of this file with ${VAR}, got text with spaces or characters beyond ASCII',
      'test.yaml:13:83 http.tokens[4].scope: expected read, act, admin or report, got "root"',
    ],
  );
});

test('signed credentials: valid until they expire, refused when changed, never across purposes', () => {
  const signer = createSigner(SECRET);
  const text = signer.sign('login', { p: 'owner' }, NOW + 1_000);
  assert.deepEqual(signer.verify('login', text, NOW), { ok: true, payload: { p: 'owner', exp: NOW + 1_000 }, expiresAt: NOW + 1_000 });
  assert.deepEqual(signer.verify('login', text, NOW + 1_000), { ok: false, reason: 'expired' });
  assert.deepEqual(signer.verify('session', text, NOW), { ok: false, reason: 'signature' }, 'a login token is no session');
  assert.deepEqual(createSigner(`${SECRET}x`).verify('login', text, NOW), { ok: false, reason: 'signature' });
  const [body = '', signature = ''] = text.split('.');
  const longer = Buffer.from(Buffer.from(body, 'base64url').toString().replace(String(NOW + 1_000), String(NOW + 9_999_999))).toString('base64url');
  assert.deepEqual(signer.verify('login', `${longer}.${signature}`, NOW), { ok: false, reason: 'signature' }, 'the expiry is signed');
  for (const garbage of ['', 'a.b', `${body}.${signature}.x`, body, 'x'.repeat(5_000)]) {
    assert.deepEqual(signer.verify('login', garbage, NOW), { ok: false, reason: 'malformed' }, garbage.slice(0, 20));
  }
});

test('login links last a day, sessions 90 days; each action token has its own id', () => {
  const credentials = createCredentials(SECRET);
  const login = credentials.loginToken('owner', NOW);
  assert.deepEqual(credentials.readLogin(login, NOW + LOGIN_LINK_LIFETIME_MS - 1), { ok: true, person: 'owner' });
  assert.deepEqual(credentials.readLogin(login, NOW + LOGIN_LINK_LIFETIME_MS), { ok: false, reason: 'expired' });
  const session = credentials.sessionToken('owner', NOW);
  assert.equal(credentials.readSession(session, NOW + SESSION_LIFETIME_MS - 1).ok, true);
  assert.equal(credentials.readSession(session, NOW + SESSION_LIFETIME_MS).ok, false);
  const first = credentials.readAction(credentials.actionToken('cb-1', 'dial', 'owner', NOW), NOW);
  const second = credentials.readAction(credentials.actionToken('cb-1', 'dial', 'owner', NOW), NOW);
  assert.ok(first.ok && second.ok);
  assert.equal(first.grant.callbackId, 'cb-1');
  assert.equal(first.grant.act, 'dial');
  assert.notEqual(first.grant.id, second.grant.id);
});

test('login links point at publicUrl and refuse a next that leaves the site', () => {
  const http = { host: '127.0.0.1', port: 8080, publicUrl: 'https://nm.example', tokens: [], sessionSecret: SECRET, allowedHosts: [], trustProxy: [] };
  const link = new URL(loginLink(http, 'owner', { now: NOW, next: '/callbacks/cb-1' }));
  assert.equal(`${link.origin}${link.pathname}`, 'https://nm.example/login');
  assert.equal(link.searchParams.get('next'), '/callbacks/cb-1');
  assert.throws(() => loginLink(http, 'owner', { now: NOW, next: '//evil.example' }), /NM_USAGE: next must be a path/);
  assert.throws(() => loginLink({ ...http, sessionSecret: null }, 'owner', { now: NOW }), /NM_USAGE: login links need http.sessionSecret and http.publicUrl/);
  assert.equal(localPath('/callbacks/cb-1?x=1#y'), '/callbacks/cb-1?x=1#y');
  for (const next of ['//evil.example', '/\\evil.example', 'https://evil.example', 'callbacks', '/\u0000x', '/a\\b']) assert.equal(localPath(next), null, next);
});

test('scopes: read < act < admin; report stands apart', () => {
  assert.deepEqual(['read', 'act', 'admin', 'report'].map((needed) => allows(grantedBy('act'), needed as 'read')), [true, true, false, false]);
  assert.equal(allows(grantedBy('report'), 'read'), false);
  assert.equal(allows(grantedBy('admin'), 'report'), true);
});

test('bearer tokens: found by their exact secret only', () => {
  const table = createTokenTable([
    { name: 'a', secret: 'a'.repeat(32), scope: 'read', person: null },
    { name: 'b', secret: 'b'.repeat(32), scope: 'act', person: 'owner' },
  ]);
  assert.equal(table.find('b'.repeat(32))?.name, 'b');
  for (const guess of ['b'.repeat(31), `${'b'.repeat(32)} `, 'B'.repeat(32), '']) assert.equal(table.find(guess), null);
});

test('the failure limit: max failures per window and address, then a wait until the window ends', () => {
  const limiter = createFailureLimiter({ max: 2, windowMs: 1_000, maxAddresses: 2 });
  limiter.failed('a', 0);
  assert.equal(limiter.blockedFor('a', 10), 0);
  limiter.failed('a', 100);
  assert.equal(limiter.blockedFor('a', 200), 800);
  assert.equal(limiter.blockedFor('b', 200), 0);
  assert.equal(limiter.blockedFor('a', 1_000), 0, 'a new window');
  limiter.failed('x', 0);
  limiter.failed('y', 0);
  limiter.failed('z', 0);
  limiter.failed('z', 0);
  assert.equal(limiter.blockedFor('z', 1), 999, 'the newest addresses are kept when the oldest are forgotten');
});

test('ntfy: a push carries "Ring me now" and "Done" as http action buttons, and opens the page when tapped', () => {
  const actions = { dial: 'https://nm.example/api/act/AAA.BBB', done: 'https://nm.example/api/act/CCC.DDD' };
  assert.equal(ntfyActions(actions), 'http, Ring me now, https://nm.example/api/act/AAA.BBB, method=POST, clear=true; http, Done, https://nm.example/api/act/CCC.DDD, method=POST, clear=true');
  const request = ntfyRequest({ url: 'https://ntfy.sh/t', token: null }, 'created', { subject: 's', text: 't' }, { page: 'https://nm.example/login?t=x', actions });
  assert.equal(request.headers['Actions'], ntfyActions(actions));
  assert.equal(request.headers['Click'], 'https://nm.example/login?t=x');
  assert.equal(ntfyRequest({ url: 'https://ntfy.sh/t', token: null }, 'done', { subject: 's', text: 't' }).headers['Actions'], undefined);
});

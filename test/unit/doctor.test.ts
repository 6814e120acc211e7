/**
 * The judging half of `nevermiss doctor`: from the facts a check gathered (ARI's answers, Redis's
 * INFO, the clock) to passed, warning or failed, with the fix. Pure; test/e2e/doctor.test.ts runs
 * the whole command against the bench's real Asterisk and Redis.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

import { loadConfig } from '../../src/config/load.js';
import { judgeAsteriskInfo, judgeModules, modulesNeeded } from '../../src/doctor/checks/ari.js';
import { judgeClock } from '../../src/doctor/checks/clock.js';
import { judgeDialplan, SNIPPET_VERSION } from '../../src/doctor/checks/dialplan.js';
import { endpointOf, judgePhone, phonesOf } from '../../src/doctor/checks/endpoints.js';
import { httpReceivers, testEvent } from '../../src/doctor/checks/notify.js';
import { judgePrompts, languagesInUse } from '../../src/doctor/checks/prompts.js';
import { judgeEviction, judgePersistence, judgeVersion, redactedUrl } from '../../src/doctor/checks/redis.js';
import { judgeStasisApp } from '../../src/doctor/checks/stasis-app.js';
import { expectedPrompts, PROMPT_TEXTS, promptNamesIn } from '../../src/doctor/prompt-catalog.js';
import { exitCodeOf, formatFindings, summaryLine } from '../../src/doctor/report.js';
import { finding } from '../../src/doctor/types.js';
import { renderText } from '../../src/notify/message.js';
import { EXAMPLE_ENV, EXAMPLE_FILE } from '../support/example-config.js';

const example = loadConfig(EXAMPLE_FILE, EXAMPLE_ENV);

test('ARI: a 401 names the user and says to compare with ari.conf; an old Asterisk fails; 22 passes', () => {
  const refused = judgeAsteriskInfo(401, { message: 'Authentication required' }, example);
  assert.equal(refused.verdict, 'fail');
  assert.match(refused.summary, /refused user "nevermiss" \(HTTP 401\)/);
  assert.match(refused.fix ?? '', /ari\.conf/);
  assert.equal(judgeAsteriskInfo(200, { system: { version: '16.30.0' } }, example).verdict, 'fail');
  const ok = judgeAsteriskInfo(200, { system: { version: '22.10.1+dfsg' } }, example);
  assert.equal(ok.verdict, 'pass');
  assert.match(ok.summary, /Asterisk 22\.10\.1/);
  assert.equal(judgeAsteriskInfo(404, undefined, example).verdict, 'fail');
});

test('modules: a missing required one fails with the modules.conf line; a missing optional one warns', () => {
  const needs = modulesNeeded(example);
  assert.ok(needs.some((n) => n.module === 'chan_pjsip.so'), 'the example rings PJSIP phones');
  const all = new Map(needs.map((n) => [n.module, 'Running']));
  assert.deepEqual(judgeModules(all, needs).map((f) => f.verdict), ['pass']);
  const noDb = new Map(all);
  noDb.delete('func_db.so');
  noDb.set('func_curl.so', 'Not Running');
  const found = judgeModules(noDb, needs);
  assert.deepEqual(found.map((f) => f.verdict), ['fail', 'warn']);
  assert.match(found[0]?.details?.[0] ?? '', /^func_db\.so \(not loaded\): AstDB/);
  assert.match(found[0]?.fix ?? '', /load => func_db\.so/);
  assert.match(found[1]?.details?.[0] ?? '', /^func_curl\.so \(status Not Running\)/);
});

test('Stasis app: free passes; held by this installation passes; held by someone else fails', () => {
  assert.equal(judgeStasisApp({ app: 'nevermiss', registered: false, channels: 0, leaseHolder: null }).verdict, 'pass');
  const ours = judgeStasisApp({ app: 'nevermiss', registered: true, channels: 2, leaseHolder: 'host-1234' });
  assert.equal(ours.verdict, 'pass');
  assert.match(ours.summary, /host-1234/);
  const theirs = judgeStasisApp({ app: 'nevermiss', registered: true, channels: 0, leaseHolder: null });
  assert.equal(theirs.verdict, 'fail');
  assert.match(theirs.fix ?? '', /ari\.app/);
  assert.equal(judgeStasisApp({ app: 'nevermiss', registered: true, channels: 0, leaseHolder: undefined }).verdict, 'warn');
});

test('dialplan: no version global fails without a probe; a probe that arrives passes; one that ends elsewhere says where', () => {
  const missing = judgeDialplan('from-trunk', '+4530123456', '', null);
  assert.equal(missing.verdict, 'fail');
  assert.match(missing.summary, /not loaded/);
  assert.match(missing.fix ?? '', /#include/);
  assert.match(judgeDialplan('from-trunk', '+4530123456', '1', null).summary, /version 1 is loaded, but this nevermiss needs version 2/);
  assert.equal(judgeDialplan('from-trunk', '+4530123456', SNIPPET_VERSION, { kind: 'arrived' }).verdict, 'pass');
  const elsewhere = judgeDialplan('from-trunk', '+4530123456', SNIPPET_VERSION, { kind: 'elsewhere', lastSeen: 'from-trunk,+4530123456 in Dial(PJSIP/100)', ended: true });
  assert.equal(elsewhere.verdict, 'fail');
  assert.match(elsewhere.summary, /a call to \+4530123456 in context "from-trunk" does not reach it \(the probe ended after from-trunk,\+4530123456 in Dial/);
  assert.match(elsewhere.fix ?? '', /Goto\(nevermiss-inbound,\$\{EXTEN\},1\)/);
  assert.match(judgeDialplan('x', 's', SNIPPET_VERSION, { kind: 'elsewhere', lastSeen: null, ended: true }).summary, /the probe ended at once: that context has no such extension, or hung up without going to the snippet/);
});

test('the snippet file sets the version doctor expects', () => {
  const snippet = readFileSync(new URL('../../dialplan/nevermiss.conf', import.meta.url), 'utf8');
  assert.match(snippet, new RegExp(`^NEVERMISS_SNIPPET = ${SNIPPET_VERSION}$`, 'm'));
  assert.match(snippet, /^exten => probe,1,/m);
});

test('phones: the endpoint of a dial string; unknown fails with the known ones listed; unregistered warns', () => {
  assert.deepEqual(endpointOf('PJSIP/owner-desk'), { tech: 'PJSIP', resource: 'owner-desk' });
  assert.deepEqual(endpointOf('PJSIP/+4520111111@trunk'), { tech: 'PJSIP', resource: 'trunk' });
  assert.deepEqual(endpointOf('PJSIP/a&PJSIP/b'), { tech: 'PJSIP', resource: 'a' });
  assert.equal(endpointOf('Local/100@from-internal'), null);
  assert.deepEqual(endpointOf('PJSIP/{number}@trunk'), { tech: 'PJSIP', resource: 'trunk' });
  const use = { where: 'people.owner.phones.desk', dial: 'PJSIP/owner-dsk', external: false };
  const unknown = judgePhone(use, null, ['PJSIP/colleague', 'PJSIP/bench-001-desk', 'PJSIP/owner-desk', 'PJSIP/owner-mobile']);
  assert.equal(unknown.verdict, 'fail');
  assert.match(unknown.summary, /has no endpoint PJSIP\/owner-dsk/);
  assert.equal(unknown.details?.[0], 'the closest of the 4 endpoints on this PBX: PJSIP/owner-desk, PJSIP/owner-mobile, PJSIP/colleague, PJSIP/bench-001-desk');
  assert.equal(judgePhone(use, 'online', []).verdict, 'pass');
  assert.equal(judgePhone(use, 'offline', []).verdict, 'warn');
  assert.ok(phonesOf(example).length >= 3);
});

test('prompts: the names of a language are its text file, num-1..120 and the beep; missing ones are listed', () => {
  assert.deepEqual(promptNamesIn('# c\n\npromise-intro|Hello\n  minutes | minutes\n'), ['promise-intro', 'minutes']);
  const en = expectedPrompts(PROMPT_TEXTS, 'en');
  for (const name of ['promise-intro', 'num-1', 'num-120', 'beep', 'taken']) assert.ok(en.includes(name), name);
  assert.throws(() => expectedPrompts(PROMPT_TEXTS, 'xx'));
  const missing = judgePrompts('da', 'on the PBX', ['a', 'b', 'c'], new Set(['b']), 'copy them');
  assert.equal(missing.verdict, 'fail');
  assert.equal(missing.summary, 'da: 2 of 3 prompts missing on the PBX');
  assert.deepEqual(missing.details, ['missing: a, c']);
  assert.equal(judgePrompts('da', 'on the PBX', ['a'], new Set(['a']), '').verdict, 'pass');
  assert.deepEqual(languagesInUse(example), [...new Set(Object.values(example.routes).map((r) => r.language))].sort());
});

test('Redis: persistence warns without AOF and RDB, passes with AOF; eviction passes only with noeviction', () => {
  assert.equal(judgePersistence({ aofEnabled: true, rdbSave: '', rdbLastSaveOk: true }).verdict, 'pass');
  const none = judgePersistence({ aofEnabled: false, rdbSave: '', rdbLastSaveOk: true });
  assert.equal(none.verdict, 'warn');
  assert.match(none.summary, /every callback is lost when Redis restarts/);
  assert.match(none.fix ?? '', /CONFIG SET appendonly yes/);
  assert.match(judgePersistence({ aofEnabled: false, rdbSave: '3600 1', rdbLastSaveOk: true }).summary, /RDB snapshots only/);
  assert.equal(judgePersistence({ aofEnabled: false, rdbSave: '3600 1', rdbLastSaveOk: false }).verdict, 'fail');
  assert.equal(judgePersistence({ aofEnabled: false, rdbSave: null, rdbLastSaveOk: true }).verdict, 'warn');
  assert.equal(judgeEviction({ maxmemory: 1 << 30, maxmemoryPolicy: 'noeviction' }).verdict, 'pass');
  assert.equal(judgeEviction({ maxmemory: 1 << 30, maxmemoryPolicy: 'volatile-lru' }).verdict, 'fail');
  assert.match(judgeEviction({ maxmemory: 1 << 30, maxmemoryPolicy: 'allkeys-lru' }).summary, /callbacks included/);
  assert.equal(judgeEviction({ maxmemory: 0, maxmemoryPolicy: 'allkeys-lru' }).verdict, 'warn');
  assert.equal(judgeVersion({ version: '6.0.16', mode: 'standalone' }, 'redis://x').verdict, 'fail');
  assert.equal(judgeVersion({ version: '7.0.15', mode: 'standalone' }, 'redis://x').verdict, 'pass');
  assert.equal(redactedUrl('redis://user:secret@host:6379/0'), 'redis://user:***@host:6379/0');
});

test('clock: more than 2 s off Redis fails; the firm time zone is shown in its own time', () => {
  const at = Date.parse('2026-12-24T15:55:00Z');
  const fine = judgeClock({ localMs: at, redisSkewMs: 120, asteriskSkewMs: -800, hostZone: 'UTC' }, example);
  assert.equal(fine[0]?.verdict, 'pass');
  assert.match(fine[1]?.summary ?? '', /Europe\/Copenhagen: it is Thu 2026-12-24 16:55 there/);
  const off = judgeClock({ localMs: at, redisSkewMs: 4_000, asteriskSkewMs: null, hostZone: 'UTC' }, example);
  assert.equal(off[0]?.verdict, 'fail');
  assert.match(off[0]?.summary ?? '', /off from Redis \(Redis \+4\.0 s\)/);
});

test('notifications: each HTTP receiver once, by origin and without credentials; the test message asks for nothing', () => {
  const receivers = httpReceivers(example);
  for (const origin of receivers.keys()) assert.doesNotMatch(origin, /@|token|\?/);
  const person = Object.values(example.people)[0];
  assert.ok(person);
  const event = testEvent(example, { id: person.id, name: person.name }, Date.parse('2026-12-01T10:00:00Z'));
  assert.equal(event.kind, 'done');
  assert.match(renderText(event, 'Europe/Copenhagen').subject, /^Done: /);
});

test('report: one line per finding, fixes under failures and warnings; warnings pass unless strict; a skip fails', () => {
  const findings = [
    finding('ARI', 'pass', 'Asterisk 22'),
    finding('Redis persistence', 'warn', 'no AOF', { fix: 'turn it on' }),
  ];
  const lines = formatFindings(findings);
  assert.equal(lines[0], 'PASS  ARI                Asterisk 22');
  assert.equal(lines[1], 'WARN  Redis persistence  no AOF');
  assert.equal(lines[2], '                         fix: turn it on');
  assert.equal(lines.at(-1), '1 passed, 1 warning, 0 failed');
  assert.equal(exitCodeOf(findings, false), 0);
  assert.equal(exitCodeOf(findings, true), 1);
  assert.equal(exitCodeOf([...findings, finding('Phones', 'skip', 'needs ARI')], false), 1);
  assert.equal(exitCodeOf([finding('ARI', 'fail', 'refused')], false), 1);
  assert.equal(summaryLine([finding('a', 'skip', 'x')]), '0 passed, 0 warnings, 0 failed, 1 skipped');
});

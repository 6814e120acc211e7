/** Reading back what the dialplan fallback kept in AstDB: hostile caller IDs, damaged entries, and what each call becomes. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DateTime } from 'luxon';
import { parseConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/types.js';
import {
  fallbackCall,
  fallbackOutcome,
  interruptedCall,
  interruptedOutcome,
  isDrainRole,
  readDrainStep,
  uriDecode,
  type DrainStep,
  type FallbackEntry,
  type InboundEntry,
} from '../../src/app/astdb-entries.js';

const YAML = `
ari: { url: "http://127.0.0.1:8088", username: u, password: p }
prompts: { source: sound }
firm: { name: Hansen VVS, number: "+4530123456", country: DK, timezone: Europe/Copenhagen }
people:
  owner:
    phones:
      desk: PJSIP/owner-desk
routes:
  main:
    numbers: ["4530123456"]
    hours: { mon-fri: "07:00-17:00" }
    hunt:
      - { ring: [owner], timeout: 20s }
    promise: { deadline: 10m, afterOpening: 30m }
    callers:
      - { match: ["+4599*"], treat: blocked }
  german:
    numbers: ["4930555"]
    country: DE
    language: da
    hunt:
      - { ring: [owner], timeout: 20s }
    promise: { deadline: 15m }
defaultRoute: main
`;

function config(): Config {
  const result = parseConfig(YAML, 'test.yaml', {});
  if (!result.ok) throw new Error(result.problems.map((p) => `${p.path}: ${p.message}`).join('\n'));
  return result.config;
}

const NORMAL = { mode: 'normal', until: null } as const;
/** Tuesday 2026-12-01 10:00 in Copenhagen: open. */
const TUESDAY_10 = DateTime.fromISO('2026-12-01T10:00', { zone: 'Europe/Copenhagen' }).toMillis();
/** Tuesday 2026-12-01 16:55: open for five more minutes only. */
const TUESDAY_1655 = DateTime.fromISO('2026-12-01T16:55', { zone: 'Europe/Copenhagen' }).toMillis();

/** URIENCODE as Asterisk 22 writes it (measured: it leaves - _ . ! ~ * ' ( ) as they are). */
function uriEncode(text: string): string {
  return encodeURIComponent(text);
}

function fallbackArgs(fields: { at?: number; number?: string; name?: string; did?: string; end?: string }, key = 'nevermiss-sandbox-1796048781.171'): string[] {
  const { at = TUESDAY_10, number = '4520111222', name = 'Jens', did = '4530123456', end = `ended|NOANSWER||${at + 12_000}` } = fields;
  return ['drained', 'fallback', key, `1|${at}|${uriEncode(number)}|${uriEncode(name)}|${uriEncode(did)}|${end}`];
}

function entry(step: DrainStep): FallbackEntry {
  assert.equal(step.kind, 'entry', JSON.stringify(step));
  assert.ok(step.kind === 'entry' && step.entry.family === 'fallback');
  return step.entry;
}

test('a fallback entry reads back field by field', () => {
  const read = entry(readDrainStep(fallbackArgs({})));
  assert.deepEqual(read, {
    family: 'fallback',
    key: 'nevermiss-sandbox-1796048781.171',
    startedAt: TUESDAY_10,
    callerRaw: '4520111222',
    callerName: 'Jens',
    called: '4530123456',
    ended: { dialStatus: 'NOANSWER', answeredSec: 0, endedAt: TUESDAY_10 + 12_000 },
  });
});

test('hostile caller IDs come back as plain text and never add a field', () => {
  const names = [
    'a, b | c',
    '"quoted" \\backslash',
    '${SHELL(rm -rf /)} $[1+1] ${CALLERID(num)}',
    'line\nbreak\r\nand\ttab',
    '(unbalanced [brackets',
    "it's fine! * ~",
    'Æblegrød Ünïcødé 電話',
    ')))',
  ];
  for (const name of names) {
    const read = entry(readDrainStep(fallbackArgs({ name, number: '+45 20,11|12${X}22' })));
    assert.equal(read.callerName, name.replace(/[\r\n\t]/g, ' '), name);
    assert.equal(read.callerRaw, '+45 20,11|12${X}22');
    assert.equal(read.called, '4530123456');
    assert.equal(read.ended?.dialStatus, 'NOANSWER');
  }
});

test('a hostile caller number is no number: the call is logged, no callback', () => {
  for (const number of ['+45 20,11|12${X}22', '4520111222;x', '${EXTEN}', 'sip:4520111222@evil', '', 'anonymous']) {
    const call = fallbackCall(entry(readDrainStep(fallbackArgs({ number }))), config(), NORMAL);
    assert.equal(call.caller, null, number);
    assert.equal(call.callback, null, number);
    assert.equal(call.reason, 'no-answer');
  }
});

test('bytes that are not UTF-8 (a Latin-1 caller name) still read, with a replacement character', () => {
  assert.equal(uriDecode('J%F8rgen'), 'J\uFFFDrgen');
  assert.equal(uriDecode('J%C3%B8rgen'), 'Jørgen');
  assert.equal(uriDecode('100%'), null, 'a lone % is not what URIENCODE writes');
  assert.equal(uriDecode('a|b'), null);
  assert.equal(uriDecode('a,b'), null);
  assert.equal(uriDecode('a b'), null);
});

test('a field that does not decode is treated as missing, the rest of the entry still counts', () => {
  const args = ['drained', 'fallback', 'k1', `1|${TUESDAY_10}|4520111222|bad name with spaces|4530123456|ended|CANCEL|0|${TUESDAY_10 + 5_000}`];
  const read = entry(readDrainStep(args));
  assert.equal(read.callerName, '');
  assert.equal(read.callerRaw, '4520111222');
  assert.equal(read.ended?.dialStatus, 'CANCEL');
});

test('extra commas in the last Stasis() argument are put back (the value is the last argument)', () => {
  const read = entry(readDrainStep(['drained', 'fallback', 'k1', `1|${TUESDAY_10}|4520111222|a`, 'b|4530123456|ringing||']));
  assert.equal(read.callerName, '', '"a,b" was not URI-encoded, so it is not a field URIENCODE wrote');
  assert.equal(read.called, '4530123456');
  assert.equal(read.ended, null);
});

test('entries that cannot be read are reported, not guessed', () => {
  const cases: Array<[string[], RegExp]> = [
    [['drained', 'fallback', 'k1', `2|${TUESDAY_10}|4520111222|x|4530123456|ringing||`], /version "2"/],
    [['drained', 'fallback', 'k1', `1|yesterday|4520111222|x|4530123456|ringing||`], /start time/],
    [['drained', 'fallback', 'k1', `1|12|4520111222|x|4530123456|ringing||`], /start time/],
    [['drained', 'fallback', 'k1', `1|${TUESDAY_10}|4520111222|x|4530123456|answered||`], /phase "answered"/],
    [['drained', 'fallback', 'k/1', `1|${TUESDAY_10}|4520111222|x|4530123456|ringing||`], /not a channel id/],
    [['drained', 'fallback', 'k,1', `1|${TUESDAY_10}|4520111222|x|4530123456|ringing||`], /not a channel id/],
    [['drained', 'voicemail', 'k1', '1|2|3'], /unknown AstDB family "voicemail"/],
    [['drained', 'outbound', 'k1', `1|${TUESDAY_10}||101|25`], /no number dialled/],
    [['drained', 'outbound', 'k1', `1|soon|%2B4520111222|101|25`], /not a time/],
    [['drained', 'fallback\n', 'k1', 'x'], /unknown AstDB family "fallback\?"/],
  ];
  for (const [args, problem] of cases) {
    const step = readDrainStep(args);
    assert.equal(step.kind, 'unreadable', JSON.stringify(args));
    assert.match(step.kind === 'unreadable' ? step.problem : '', problem, JSON.stringify(args));
  }
});

test('an empty value is an entry another drain took meanwhile; drain-done ends the drain', () => {
  assert.deepEqual(readDrainStep(['drained', 'fallback', 'k1', '']), { kind: 'gone', family: 'fallback', key: 'k1' });
  assert.deepEqual(readDrainStep(['drained', 'outbound', 'k1']), { kind: 'gone', family: 'outbound', key: 'k1' });
  assert.deepEqual(readDrainStep(['drain-done']), { kind: 'done' });
  assert.equal(isDrainRole('drained'), true);
  assert.equal(isDrainRole('drain-done'), true);
  assert.equal(isDrainRole('inbound'), false);
});

test('an outbound entry reads back', () => {
  const step = readDrainStep(['drained', 'outbound', 'out-1', `1|${TUESDAY_10}|%2B4520111222|101|25`]);
  assert.deepEqual(step, { kind: 'entry', entry: { family: 'outbound', key: 'out-1', at: TUESDAY_10, number: '+4520111222', from: '101', answeredSec: 25 } });
  const junk = readDrainStep(['drained', 'outbound', 'out-2', `1|${TUESDAY_10}|%2B4520111222|101|25s`]);
  assert.equal(junk.kind === 'entry' && junk.entry.family === 'outbound' && junk.entry.answeredSec, 0, 'answered seconds that are not digits count as 0');
});

test('unanswered with a number: a callback due by the route promise at the time of the call, not of the drain', () => {
  const call = fallbackCall(entry(readDrainStep(fallbackArgs({}))), config(), NORMAL);
  assert.equal(call.callId, 'nevermiss-sandbox-1796048781.171');
  assert.equal(call.caller, '+4520111222');
  assert.equal(call.routeId, 'main');
  assert.equal(call.answered, false);
  assert.equal(call.reason, 'no-answer');
  assert.deepEqual(call.callback, { dueAt: TUESDAY_10 + 10 * 60_000, promise: 'within' });
  assert.equal(call.endedAt, TUESDAY_10 + 12_000);
  assert.deepEqual(fallbackOutcome(call, 'cb-1'), { kind: 'fallback', answered: false, dialStatus: 'NOANSWER', talkMs: 0, reason: 'no-answer', callbackId: 'cb-1' });
});

test('five minutes before closing the promise is "when we open", as for a live call', () => {
  const call = fallbackCall(entry(readDrainStep(fallbackArgs({ at: TUESDAY_1655 }))), config(), NORMAL);
  const wednesday7 = DateTime.fromISO('2026-12-02T07:00', { zone: 'Europe/Copenhagen' }).toMillis();
  assert.deepEqual(call.callback, { dueAt: wednesday7 + 30 * 60_000, promise: 'when-open' });
});

test('the dialled number picks the route: its country reads the number, its promise sets the deadline', () => {
  const call = fallbackCall(entry(readDrainStep(fallbackArgs({ did: '4930555', number: '030 1234567' }))), config(), NORMAL);
  assert.equal(call.routeId, 'german');
  assert.equal(call.language, 'da');
  assert.equal(call.caller, '+49301234567');
  assert.equal(call.callback?.dueAt, TUESDAY_10 + 15 * 60_000);
});

test('the caller hung up during the fallback: a callback, reason caller-hung-up', () => {
  const call = fallbackCall(entry(readDrainStep(fallbackArgs({ end: `ended|CANCEL||${TUESDAY_10 + 3_000}` }))), config(), NORMAL);
  assert.equal(call.reason, 'caller-hung-up');
  assert.notEqual(call.callback, null);
});

test('answered by the fallback phone: logged with its talk time, no callback', () => {
  const call = fallbackCall(entry(readDrainStep(fallbackArgs({ end: `ended|ANSWER|42|${TUESDAY_10 + 50_000}` }))), config(), NORMAL);
  assert.equal(call.answered, true);
  assert.equal(call.talkMs, 42_000);
  assert.equal(call.reason, null);
  assert.equal(call.callback, null);
  assert.deepEqual(fallbackOutcome(call, null), { kind: 'fallback', answered: true, dialStatus: 'ANSWER', talkMs: 42_000, reason: null, callbackId: null });
});

test('a blocked caller gets no callback; an entry that never ended counts as not answered', () => {
  const blocked = fallbackCall(entry(readDrainStep(fallbackArgs({ number: '+4599001122' }))), config(), NORMAL);
  assert.equal(blocked.caller, '+4599001122');
  assert.equal(blocked.callback, null);
  const orphan = fallbackCall(entry(readDrainStep(fallbackArgs({ end: 'ringing||' }))), config(), NORMAL);
  assert.equal(orphan.answered, false);
  assert.equal(orphan.endedAt, orphan.startedAt);
  assert.notEqual(orphan.callback, null);
});

test('the owner had closed: the callback is due when the firm opens again', () => {
  const call = fallbackCall(entry(readDrainStep(fallbackArgs({}))), config(), { mode: 'closed', until: null });
  assert.equal(call.callback?.promise, 'when-open');
});

function inboundArgs(fields: { at?: number; number?: string; name?: string; did?: string; end?: number }): string[] {
  const { at = TUESDAY_10, number = '4520111222', name = 'Jens', did = '4530123456', end = at + 40_000 } = fields;
  return ['drained', 'inbound', 'nevermiss-sandbox-1796048781.180', `1|${at}|${uriEncode(number)}|${uriEncode(name)}|${uriEncode(did)}|${end}`];
}

function inbound(step: DrainStep): InboundEntry {
  assert.equal(step.kind, 'entry', JSON.stringify(step));
  assert.ok(step.kind === 'entry' && step.entry.family === 'inbound');
  return step.entry;
}

test('an inbound entry reads back field by field', () => {
  assert.deepEqual(inbound(readDrainStep(inboundArgs({ name: 'Evil | ${SHELL(id)}' }))), {
    family: 'inbound',
    key: 'nevermiss-sandbox-1796048781.180',
    startedAt: TUESDAY_10,
    callerRaw: '4520111222',
    callerName: 'Evil | ${SHELL(id)}',
    called: '4530123456',
    endedAt: TUESDAY_10 + 40_000,
  });
});

test('a call nobody logged and nobody took is a missed call that says it was interrupted', () => {
  const call = interruptedCall(inbound(readDrainStep(inboundArgs({}))), null, config(), NORMAL);
  assert.equal(call.caller, '+4520111222');
  assert.equal(call.routeId, 'main');
  // Due by the promise at the time of the call (10 minutes), not at the time of the drain.
  assert.deepEqual(call.callback, { dueAt: TUESDAY_10 + 10 * 60_000, promise: 'within' });
  assert.deepEqual(interruptedOutcome(call, 'cb-1'), { kind: 'callback-pending', callbackId: 'cb-1', reason: 'interrupted', promise: 'within', dueAt: TUESDAY_10 + 10 * 60_000 });
});

test('a call the service had put through to a person is an answered call: no callback', () => {
  const call = interruptedCall(inbound(readDrainStep(inboundArgs({}))), { person: 'owner', phone: 'desk', at: TUESDAY_10 + 8_000 }, config(), NORMAL);
  assert.equal(call.callback, null);
  assert.deepEqual(interruptedOutcome(call, null), { kind: 'answered', by: { person: 'owner', phone: 'desk' }, ringMs: 8_000, talkMs: 32_000 });
  // A note whose time lies outside the call is kept inside it.
  const early = interruptedCall(inbound(readDrainStep(inboundArgs({}))), { person: 'owner', phone: 'desk', at: TUESDAY_10 - 60_000 }, config(), NORMAL);
  assert.equal(early.answered?.at, TUESDAY_10);
});

test('calls of withheld and blocked callers are logged without a callback', () => {
  const withheld = interruptedCall(inbound(readDrainStep(inboundArgs({ number: 'anonymous' }))), null, config(), NORMAL);
  assert.equal(withheld.caller, null);
  assert.deepEqual(interruptedOutcome(withheld, null), { kind: 'withheld-no-callback', reason: 'interrupted', message: null });
  const blocked = interruptedCall(inbound(readDrainStep(inboundArgs({ number: '+4599001122' }))), null, config(), NORMAL);
  assert.equal(blocked.callback, null);
  assert.deepEqual(interruptedOutcome(blocked, null), { kind: 'blocked' });
});

test('an inbound entry without a readable start is unreadable, not a call', () => {
  const args = inboundArgs({});
  args[3] = (args[3] ?? '').replace(/^1\|[0-9]+/, '1|yesterday');
  assert.equal(readDrainStep(args).kind, 'unreadable');
});

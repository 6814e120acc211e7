import { test } from 'node:test';
import assert from 'node:assert/strict';

import {
  callIdOf,
  decodeEntry,
  encodeEntry,
  isProvisionalCallbackId,
  parseSpool,
  provisionalCallbackId,
  type SpoolEntry,
} from '../../src/callbacks/spool-format.js';

const missed: SpoolEntry = {
  kind: 'missed-call',
  spooledAt: 1_000,
  call: { callId: 'c1', caller: '+4520111111', called: '+4530123456', route: 'main', language: 'da', at: 1_000, dueAt: 601_000 },
};
const logged: SpoolEntry = {
  kind: 'call-log',
  spooledAt: 9_000,
  entry: {
    callId: 'c1',
    caller: '+4520111111',
    called: '+4530123456',
    route: 'main',
    startedAt: 0,
    endedAt: 9_000,
    outcome: { kind: 'callback-pending', callbackId: provisionalCallbackId('c1'), reason: 'no-answer', promise: 'within', dueAt: 601_000 },
  },
};
const message: SpoolEntry = {
  kind: 'message',
  spooledAt: 2_000,
  message: { callId: 'c2', called: '+4530123456', route: 'main', recording: 'message-c2', at: 2_000 },
};

test('every kind of entry survives a round trip through one line', () => {
  for (const entry of [missed, logged, message]) {
    const line = encodeEntry(entry);
    assert.equal(line.endsWith('\n'), true);
    assert.equal(line.indexOf('\n'), line.length - 1, 'one line, whatever the values hold');
    assert.deepEqual(decodeEntry(line.trimEnd()), entry);
  }
  assert.deepEqual([missed, logged, message].map(callIdOf), ['c1', 'c1', 'c2']);
});

test('a note in a missed call is kept; a caller name with a newline stays on one line', () => {
  const noted: SpoolEntry = { ...missed, call: { ...missed.call, note: 'line one\nline two' } };
  const line = encodeEntry(noted);
  assert.equal(line.split('\n').length, 2);
  assert.deepEqual(decodeEntry(line), noted);
});

test('lines that are not whole entries of this format are refused', () => {
  const good = JSON.parse(encodeEntry(missed)) as Record<string, unknown>;
  const bad = [
    '',
    'not json',
    encodeEntry(missed).slice(0, 40),
    JSON.stringify({ ...good, v: 2 }),
    JSON.stringify({ ...good, kind: 'something-else' }),
    JSON.stringify({ ...good, spooledAt: -1 }),
    JSON.stringify({ ...good, call: { ...missed.call, callId: '' } }),
    JSON.stringify({ ...good, call: { ...missed.call, dueAt: '601000' } }),
    JSON.stringify({ ...JSON.parse(encodeEntry(logged)), entry: { ...logged.entry, outcome: { kind: 'callback-pending' } } }),
    JSON.stringify({ ...JSON.parse(encodeEntry(logged)), entry: { ...logged.entry, outcome: { kind: 'exploded' } } }),
    JSON.stringify([1, 2]),
  ];
  for (const line of bad) assert.equal(decodeEntry(line), null, line);
});

test('a clean file reads back as its entries, in order, with nothing to repair', () => {
  const text = [missed, message, logged].map(encodeEntry).join('');
  const parsed = parseSpool(text);
  assert.deepEqual(parsed.entries.map((item) => item.entry), [missed, message, logged]);
  assert.equal(parsed.entries.map((item) => item.line).join(''), text, 'the exact lines, for rewriting');
  assert.deepEqual(parsed.unreadable, []);
  assert.equal(parsed.torn, null);
  assert.equal(parsed.needsRewrite, false);
  assert.deepEqual(parseSpool(''), { entries: [], unreadable: [], torn: null, needsRewrite: false });
});

test('a torn last line (a crash during the write) is dropped, the rest kept', () => {
  const whole = encodeEntry(message);
  const text = encodeEntry(missed) + whole.slice(0, whole.length - 12);
  const parsed = parseSpool(text);
  assert.deepEqual(parsed.entries.map((item) => item.entry), [missed]);
  assert.equal(parsed.torn, whole.slice(0, whole.length - 12));
  assert.equal(parsed.needsRewrite, true);
});

test('a last line that lost only its newline is still a whole entry and is kept', () => {
  const parsed = parseSpool(encodeEntry(missed) + encodeEntry(message).trimEnd());
  assert.deepEqual(parsed.entries.map((item) => item.entry), [missed, message]);
  assert.equal(parsed.entries[1]?.line.endsWith('\n'), true);
  assert.equal(parsed.torn, null);
  assert.equal(parsed.needsRewrite, true, 'the file gets its newline back before anything is appended');
});

test('an unreadable line in the middle is set aside, not dropped silently, and the lines after it are kept', () => {
  const parsed = parseSpool(`${encodeEntry(missed)}{"v":1,"kind":"missed-call"\n${encodeEntry(logged)}`);
  assert.deepEqual(parsed.entries.map((item) => item.entry), [missed, logged]);
  assert.deepEqual(parsed.unreadable, ['{"v":1,"kind":"missed-call"']);
  assert.equal(parsed.needsRewrite, true);
});

test('provisional callback ids are told apart from real ones', () => {
  assert.equal(provisionalCallbackId('1712345.67'), 'spool:1712345.67');
  assert.equal(isProvisionalCallbackId('spool:1712345.67'), true);
  assert.equal(isProvisionalCallbackId('cb-2345678abc'), false);
});

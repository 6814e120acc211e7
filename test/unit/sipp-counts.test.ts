// What the soak reads from SIPp's statistics files (test/support/sipp.ts).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseSippStats, parseSippTrace, refusedCalls, setupTimes } from '../support/sipp.js';

test('the last row of -trace_stat gives calls created, successful and failed', () => {
  const text = [
    'StartTime;TotalCallCreated;SuccessfulCall(P);SuccessfulCall(C);FailedCall(P);FailedCall(C);',
    '2026-11-30 15:00:00;10;10;10;0;0;',
    '2026-11-30 15:00:10;25;14;24;1;1;',
  ].join('\n');
  assert.deepEqual(parseSippStats(text), { created: 25, successful: 24, failed: 1 });
  assert.deepEqual(parseSippStats(''), { created: 0, successful: 0, failed: 0 });
});

test('refused calls: each call the scenario logged as refused, once, with the number it dialled', () => {
  const text = [
    'refused 1-4211@127.0.0.1 to 45301234560001',
    'refused 2-4211@127.0.0.1 to 45301234560002',
    'refused 1-4211@127.0.0.1 to 45301234560001',
    '',
  ].join('\n');
  assert.deepEqual(refusedCalls(text), { calls: 2, to: ['45301234560001', '45301234560002'] });
  assert.deepEqual(refusedCalls(''), { calls: 0, to: [] });
});

test("answer times: per answered call, its first INVITE to the first 200 to it, at the trace's microseconds", () => {
  const entry = (time: string, direction: 'sent' | 'received', startLine: string, callId: string, cseq: string): string =>
    [
      `----------------------------------------------- 2026-11-30\t${time}`,
      `UDP message ${direction} (100 bytes):`,
      '',
      startLine,
      `Call-ID: ${callId}`,
      `CSeq: ${cseq}`,
      'Content-Length: 0',
      '',
    ].join('\n');
  const trace = [
    entry('21:00:00.000100', 'sent', 'INVITE sip:4530100000@127.0.0.1:5060 SIP/2.0', 'a', '1 INVITE'),
    entry('21:00:00.000900', 'sent', 'INVITE sip:4530100001@127.0.0.1:5060 SIP/2.0', 'b', '1 INVITE'),
    entry('21:00:00.001000', 'received', 'SIP/2.0 100 Trying', 'a', '1 INVITE'),
    entry('21:00:00.009350', 'received', 'SIP/2.0 200 OK', 'a', '1 INVITE'),
    entry('21:00:00.510000', 'received', 'SIP/2.0 200 OK', 'a', '1 INVITE'), // a retransmission
    entry('21:00:00.600000', 'received', 'SIP/2.0 486 Busy Here', 'b', '1 INVITE'), // not answered
    entry('21:00:01.000000', 'received', 'SIP/2.0 200 OK', 'a', '2 BYE'),
  ].join('\n');
  const times = setupTimes(parseSippTrace(trace));
  assert.equal(times.length, 1);
  assert.ok(Math.abs((times[0] ?? 0) - 9.25) < 1e-6, `9.25 ms, not ${times[0]}`);
});

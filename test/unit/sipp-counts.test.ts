// What the soak reads from SIPp's statistics files (test/support/sipp.ts).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseSippStats, refusedCalls } from '../support/sipp.js';

test('the last row of -trace_stat gives calls created, successful and failed', () => {
  const text = [
    'StartTime;TotalCallCreated;SuccessfulCall(P);SuccessfulCall(C);FailedCall(P);FailedCall(C);',
    '2026-11-30 15:00:00;10;10;10;0;0;',
    '2026-11-30 15:00:10;25;14;24;1;1;',
  ].join('\n');
  assert.deepEqual(parseSippStats(text), { created: 25, successful: 24, failed: 1 });
  assert.deepEqual(parseSippStats(''), { created: 0, successful: 0, failed: 0 });
});

test('refused calls: final error responses to the INVITE, not the 487 after our CANCEL nor a 481 to a later BYE', () => {
  const text = [
    'CurrentTime;ElapsedTime;1_INVITE_Sent;1_INVITE_Retrans;2_100_Recv;6_486_Recv;24_503_Recv;27_200_Recv;29_487_Recv;33_481_Recv;',
    '15:00:05;5;40;2;40;1;3;29;7;0;',
    '15:00:10;10;80;3;80;2;5;64;9;4;',
  ].join('\n');
  assert.equal(refusedCalls(text), 7);
  assert.equal(refusedCalls('CurrentTime;24_503_Recv;'), 0);
});

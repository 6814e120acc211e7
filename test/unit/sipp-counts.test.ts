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

/** The sweeps' pure decisions: which dialing callbacks go back to pending, which callbacks lack follow-up jobs. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dialLeaseAction, dialLeaseEnd, lacksFollowUp, type DialLeaseAction } from '../../src/follow-up/sweeps.js';
import type { Callback, CallbackStatus, FollowUpState } from '../../src/callbacks/types.js';

const NOW = 1_700_000_000_000;
const LEASE = 90_000;

test('dialLeaseAction: only a dialing callback whose lease ran out is touched; a live dial of this instance is renewed, never abandoned', () => {
  type Row = readonly [string, Pick<Callback, 'status' | 'dialLeaseUntil' | 'dialStartedAt'>, boolean, DialLeaseAction];
  const rows: Row[] = [
    ['pending', { status: 'pending' }, false, 'keep'],
    ['pending with a stale lease field', { status: 'pending', dialLeaseUntil: NOW - 1 }, false, 'keep'],
    ['dialing, lease holds', { status: 'dialing', dialLeaseUntil: NOW + 1 }, false, 'keep'],
    ['dialing, lease ends exactly now', { status: 'dialing', dialLeaseUntil: NOW }, false, 'abandon'],
    ['dialing, lease ran out', { status: 'dialing', dialLeaseUntil: NOW - 1 }, false, 'abandon'],
    ['dialing, lease ran out, live here', { status: 'dialing', dialLeaseUntil: NOW - 1 }, true, 'renew'],
    ['dialing, lease holds, live here', { status: 'dialing', dialLeaseUntil: NOW + 1 }, true, 'keep'],
    ['dialing before leases existed, started long ago', { status: 'dialing', dialStartedAt: NOW - LEASE }, false, 'abandon'],
    ['dialing before leases existed, started just now', { status: 'dialing', dialStartedAt: NOW - 1 }, false, 'keep'],
    ['dialing with no trace of when', { status: 'dialing' }, false, 'abandon'],
    ...(['done', 'failed', 'cancelled'] as const).map((status): Row => [status, { status, dialLeaseUntil: NOW - 1 }, false, 'keep']),
  ];
  for (const [name, callback, liveHere, expected] of rows) {
    assert.equal(dialLeaseAction(callback, NOW, liveHere, LEASE), expected, name);
  }
});

test('dialLeaseEnd: the recorded lease, or the start plus the lease for older dials', () => {
  assert.equal(dialLeaseEnd({ dialLeaseUntil: NOW }, LEASE), NOW);
  assert.equal(dialLeaseEnd({ dialStartedAt: NOW }, LEASE), NOW + LEASE);
  assert.equal(dialLeaseEnd({}, LEASE), LEASE);
});

test('lacksFollowUp: open callbacks marked pending or scheduling; never those without the mark (older than it) or closed', () => {
  const rows: ReadonlyArray<readonly [CallbackStatus, FollowUpState | undefined, boolean]> = [
    ['pending', 'pending', true],
    ['pending', 'scheduling', true],
    ['pending', 'scheduled', false],
    ['pending', undefined, false],
    ['dialing', 'pending', true],
    ['dialing', 'scheduled', false],
    ['done', 'pending', false],
    ['failed', 'scheduling', false],
    ['cancelled', 'pending', false],
  ];
  for (const [status, followUp, expected] of rows) {
    assert.equal(lacksFollowUp({ status, ...(followUp === undefined ? {} : { followUp }) }), expected, `${status} / ${String(followUp)}`);
  }
});

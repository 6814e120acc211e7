/**
 * The pure parts behind the phone page: the hub that tells changes, the view of a live call, a
 * change as an event-stream line, and the caller ID name kept for people to read.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import winston from 'winston';
import { createEventHub, type LiveEvent } from '../../src/live/hub.js';
import { liveCall } from '../../src/call-flow/live.js';
import { initialState } from '../../src/call-flow/machine.js';
import type { CallFacts, HuntPlan, PlannedLeg } from '../../src/call-flow/types.js';
import { eventText } from '../../src/http/routes/events.js';
import { CALLER_NAME_MAX, callerNameOf } from '../../src/callbacks/caller-name.js';
import { decodeEntry, encodeEntry, type SpoolEntry } from '../../src/callbacks/spool-format.js';

const logger = winston.createLogger({ silent: true });
const change: LiveEvent = { type: 'callback', id: 'cb-1', change: 'created', status: null };

test('the hub tells every listener; one that throws does not stop the others; unsubscribing twice is harmless', () => {
  const hub = createEventHub(logger);
  const heard: string[] = [];
  const first = hub.subscribe((event) => heard.push(`a:${event.type}`));
  hub.subscribe(() => {
    throw new Error('a broken listener');
  });
  const third = hub.subscribe((event) => heard.push(`c:${event.type}`));
  assert.equal(hub.size, 3);
  hub.publish(change);
  assert.deepEqual(heard, ['a:callback', 'c:callback']);
  first();
  first();
  third();
  assert.equal(hub.size, 1);
  hub.publish(change);
  assert.deepEqual(heard, ['a:callback', 'c:callback'], 'removed listeners hear nothing');
});

test('the same function subscribed twice is two subscriptions, each removed on its own', () => {
  const hub = createEventHub(logger);
  let count = 0;
  const listener = (): void => {
    count += 1;
  };
  const one = hub.subscribe(listener);
  hub.subscribe(listener);
  hub.publish(change);
  assert.equal(count, 2);
  one();
  hub.publish(change);
  assert.equal(count, 3);
});

test('a listener that unsubscribes while an event is told does not make another miss it', () => {
  const hub = createEventHub(logger);
  const heard: string[] = [];
  const unsubscribe: Array<() => void> = [];
  unsubscribe.push(hub.subscribe(() => {
    heard.push('first');
    unsubscribe[0]?.();
  }));
  hub.subscribe(() => heard.push('second'));
  hub.publish(change);
  assert.deepEqual(heard, ['first', 'second']);
});

const leg = (legId: string, person: string, phone: string): PlannedLeg => ({
  legId, person, phone, dial: `PJSIP/${person}-${phone}`, ringMs: 20_000, screen: false, callerId: '"Kunde" <+4520111111>', skipWhenBusy: true,
});
const facts: CallFacts = { callId: 'c1', caller: '+4520111111', callerName: 'Kunde', called: '+4530123456', startedAt: 1_000 };
const plan: HuntPlan = {
  routeId: 'main',
  language: 'da',
  treatment: 'hunt',
  steps: [
    { legs: [leg('c1-s0-0', 'owner', 'desk'), leg('c1-s0-1', 'owner', 'mobile')], timeoutMs: 20_000, delayMs: null },
    { legs: [leg('c1-s1-0', 'colleague', 'mobile')], timeoutMs: 20_000, delayMs: null },
  ],
  promise: { hours: null, timezone: 'Europe/Copenhagen', deadlineMs: 600_000, afterOpeningMs: 600_000, onDuty: false, closedByOwnerUntil: null },
  uncallable: null,
  screenTimeoutMs: 10_000,
};

test('a live call shows the phones ringing for it now, in the plan\'s order, and who took it', () => {
  const hunting = liveCall(facts, plan, { kind: 'hunting', started: [true, true], legs: { 'c1-s0-0': 'failed', 'c1-s0-1': 'screening', 'c1-s1-0': 'ringing' } });
  assert.deepEqual(hunting, {
    callId: 'c1',
    caller: '+4520111111',
    callerName: 'Kunde',
    called: '+4530123456',
    route: 'main',
    startedAt: 1_000,
    state: 'hunting',
    ringing: [{ person: 'owner', phone: 'mobile', status: 'screening' }, { person: 'colleague', phone: 'mobile', status: 'ringing' }],
    answeredBy: null,
  });
  assert.deepEqual(liveCall(facts, plan, initialState(plan)).ringing, [], 'nothing rings before the first step starts');
  const bridged = liveCall(facts, plan, { kind: 'bridged', winner: leg('c1-s1-0', 'colleague', 'mobile'), answeredAt: 9_000, connected: true });
  assert.deepEqual([bridged.state, bridged.ringing, bridged.answeredBy], ['bridged', [], { person: 'colleague', phone: 'mobile', at: 9_000 }]);
});

test('a change is one event-stream record: its type as the event name, its JSON on one data line', () => {
  assert.equal(eventText(change), 'event: callback\ndata: {"type":"callback","id":"cb-1","change":"created","status":null}\n\n');
  assert.equal(eventText({ type: 'status', mode: 'away', until: Date.UTC(2026, 0, 2, 3, 4, 5) }), 'event: status\ndata: {"type":"status","mode":"away","until":"2026-01-02T03:04:05.000Z"}\n\n');
  // A value with a line break can't start a record of its own: JSON escapes it.
  assert.equal(eventText({ type: 'call', callId: 'x\n\nevent: status', change: 'started' }).split('\n').length, 4);
});

test('a caller ID name is kept as text people can read, or not at all', () => {
  assert.equal(callerNameOf('Kunde Ærlig'), 'Kunde Ærlig');
  assert.equal(callerNameOf('  Ole\t\tHansen \n'), 'Ole Hansen');
  assert.equal(callerNameOf('Evil\u202Egnp.exe'), 'Evil gnp.exe', 'a text-direction override is no part of a name');
  assert.equal(callerNameOf('A\u0000B\u001bC'), 'A B C');
  for (const none of ['', 'Anonymous', 'UNKNOWN', 'asterisk', '+45 20 11 11 11', '20111111', '   ']) assert.equal(callerNameOf(none), '', JSON.stringify(none));
  assert.equal(callerNameOf('x'.repeat(500)), 'x'.repeat(CALLER_NAME_MAX));
  assert.equal(callerNameOf(`${'a'.repeat(CALLER_NAME_MAX - 1)}👩‍🔧`), `${'a'.repeat(CALLER_NAME_MAX - 1)}👩‍🔧`, 'an emoji with its joiner counts as one');
  assert.equal(callerNameOf('<img src=x onerror=alert(1)>'), '<img src=x onerror=alert(1)>', 'kept as text: the page never reads it as HTML');
});

test('a missed call waiting in the spool keeps its caller ID name; one that is not text is refused', () => {
  const named: SpoolEntry = {
    kind: 'missed-call',
    spooledAt: 1_000,
    call: { callId: 'c1', caller: '+4520111111', called: '+4530123456', route: 'main', language: 'da', at: 1_000, dueAt: 601_000, callerName: 'Kunde Ærlig' },
  };
  assert.deepEqual(decodeEntry(encodeEntry(named)), named);
  assert.equal(decodeEntry(encodeEntry(named).replace('"Kunde Ærlig"', '42')), null);
});

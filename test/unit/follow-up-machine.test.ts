/**
 * The follow-up machine, table by table: each row is a job, the callback as it is when the job
 * runs, and the effects the machine returns. No Redis, no receivers: decideFollowUp is pure.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatProblem, parseConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/types.js';
import type { Callback } from '../../src/callbacks/types.js';
import { decideFollowUp, jobsOfClosed, jobsOfFailedAttempt, jobsOfMissedCall, jobsOfNewCallback, type FollowUpEffect } from '../../src/follow-up/machine.js';
import { parseJob, type FollowUpJob } from '../../src/follow-up/jobs.js';
import { jobId } from '../../src/callbacks/keys.js';
import type { ChannelName, NotificationKind } from '../../src/notify/types.js';

function config(extra = ''): Config {
  const yaml = `ari: { url: "http://127.0.0.1:8088", username: u, password: p }
prompts: { source: sound }
firm: { name: Hansen VVS, country: DK, timezone: Europe/Copenhagen }
people:
  anna: { phones: { desk: PJSIP/anna }, notify: { email: anna@example.dk, sms: "+4520000001" } }
  bob: { phones: { desk: PJSIP/bob }, notify: { webhook: { url: "https://hooks.example.dk/bob", secret: "0123456789abcdef0123456789abcdef" } } }
  carl: { phones: { desk: PJSIP/carl }, notify: { ntfy: { url: "https://ntfy.example.dk/carl" } } }
routes:
  main:
    numbers: ["+4530123456"]
    hunt: [{ ring: [anna], timeout: 20s }]
    textBack: { window: 12h }
  quiet:
    numbers: ["+4530123457"]
    hunt: [{ ring: [anna], timeout: 20s }]
defaultRoute: main
sms: { url: "https://sms.example.dk/send" }
smtp: { url: "smtp://127.0.0.1:25", from: "nevermiss@example.dk" }
callbacks:
  notify: [anna, bob]
  escalateTo: [bob, carl]
  retryPause: 10m
${extra}`;
  const result = parseConfig(yaml, 'machine.yaml', {});
  if (!result.ok) assert.fail(result.problems.map(formatProblem).join('\n'));
  return result.config;
}

const NOW = Date.UTC(2026, 11, 1, 13, 32);
const CB = 'cb-1';
const callback = (over: Partial<Callback> = {}): Callback => ({
  id: CB,
  caller: '+4520123456',
  called: '+4530123456',
  route: 'main',
  status: 'pending',
  createdAt: NOW - 60_000,
  dueAt: NOW + 9 * 60_000,
  lastAttemptAt: NOW - 60_000,
  attempts: 1,
  dialAttempts: 0,
  language: 'en',
  ...over,
});

const base = config();
const ringing = config('  ringOnEscalation: true\n');

const deliver = (event: NotificationKind, person: string, channel: ChannelName): FollowUpEffect => ({
  type: 'schedule',
  job: { kind: 'deliver', callbackId: CB, event, person, channel },
  at: NOW,
});

interface Row {
  readonly name: string;
  readonly job: FollowUpJob;
  readonly callback: Callback | null;
  readonly config?: Config;
  readonly effects: readonly FollowUpEffect[];
}

const skip = (reason: string): FollowUpEffect[] => [{ type: 'skip', reason }];

const rows: readonly Row[] = [
  { name: 'any job of a callback that is gone', job: { kind: 'overdue', callbackId: CB }, callback: null, effects: skip('the callback is gone') },
  {
    name: 'notify created: one delivery per person and channel that reaches them',
    job: { kind: 'notify', callbackId: CB, event: 'created' },
    callback: callback(),
    effects: [deliver('created', 'anna', 'email'), deliver('created', 'anna', 'sms'), deliver('created', 'bob', 'webhook')],
  },
  { name: 'notify created of a closed callback: moot', job: { kind: 'notify', callbackId: CB, event: 'created' }, callback: callback({ status: 'done' }), effects: skip('the callback is done') },
  {
    name: 'notify done of a closed callback: told, that is what it is for',
    job: { kind: 'notify', callbackId: CB, event: 'done' },
    callback: callback({ status: 'done' }),
    effects: [deliver('done', 'anna', 'email'), deliver('done', 'anna', 'sms'), deliver('done', 'bob', 'webhook')],
  },
  {
    name: 'notify escalated goes to escalateTo',
    job: { kind: 'notify', callbackId: CB, event: 'escalated' },
    callback: callback(),
    effects: [deliver('escalated', 'bob', 'webhook'), deliver('escalated', 'carl', 'ntfy')],
  },
  {
    name: 'deliver: send, then note it',
    job: { kind: 'deliver', callbackId: CB, event: 'created', person: 'bob', channel: 'webhook' },
    callback: callback(),
    effects: [{ type: 'send', event: 'created', person: 'bob', channel: 'webhook' }, { type: 'note', event: 'notified', detail: 'created to bob by webhook' }],
  },
  {
    name: 'deliver a reminder of a cancelled callback: moot',
    job: { kind: 'deliver', callbackId: CB, event: 'reminder', person: 'bob', channel: 'webhook' },
    callback: callback({ status: 'cancelled' }),
    effects: skip('the callback is cancelled'),
  },
  {
    name: 'deliver failed of a failed callback: sent',
    job: { kind: 'deliver', callbackId: CB, event: 'failed', person: 'anna', channel: 'sms' },
    callback: callback({ status: 'failed' }),
    effects: [{ type: 'send', event: 'failed', person: 'anna', channel: 'sms' }, { type: 'note', event: 'notified', detail: 'failed to anna by sms' }],
  },
  {
    name: 'deliver over a channel the person no longer has (config changed)',
    job: { kind: 'deliver', callbackId: CB, event: 'created', person: 'bob', channel: 'email' },
    callback: callback(),
    effects: skip('bob is no longer reached by email'),
  },
  {
    name: 'remind an open callback: fan out the reminder, note it',
    job: { kind: 'remind', callbackId: CB, at: NOW },
    callback: callback({ status: 'dialing' }),
    effects: [deliver('reminder', 'anna', 'email'), deliver('reminder', 'anna', 'sms'), deliver('reminder', 'bob', 'webhook'), { type: 'note', event: 'reminded' }],
  },
  { name: 'remind a done callback: moot', job: { kind: 'remind', callbackId: CB, at: NOW }, callback: callback({ status: 'done' }), effects: skip('the callback is done') },
  {
    name: 'overdue: tell the notified and escalate, as two jobs',
    job: { kind: 'overdue', callbackId: CB },
    callback: callback(),
    effects: [
      { type: 'schedule', job: { kind: 'notify', callbackId: CB, event: 'overdue' }, at: NOW },
      { type: 'schedule', job: { kind: 'escalate', callbackId: CB }, at: NOW },
    ],
  },
  { name: 'overdue of a done callback: moot', job: { kind: 'overdue', callbackId: CB }, callback: callback({ status: 'done' }), effects: skip('the callback is done') },
  {
    name: 'escalate without ringOnEscalation: tell escalateTo, note it',
    job: { kind: 'escalate', callbackId: CB },
    callback: callback(),
    effects: [deliver('escalated', 'bob', 'webhook'), deliver('escalated', 'carl', 'ntfy'), { type: 'note', event: 'escalated', detail: 'bob, carl' }],
  },
  {
    name: 'escalate with ringOnEscalation rings the first of escalateTo',
    job: { kind: 'escalate', callbackId: CB },
    callback: callback(),
    config: ringing,
    effects: [deliver('escalated', 'bob', 'webhook'), deliver('escalated', 'carl', 'ntfy'), { type: 'note', event: 'escalated', detail: 'bob, carl' }, { type: 'ring', person: 'bob' }],
  },
  {
    name: 'escalate with ringOnEscalation while someone dials already: no second ring',
    job: { kind: 'escalate', callbackId: CB },
    callback: callback({ status: 'dialing' }),
    config: ringing,
    effects: [deliver('escalated', 'bob', 'webhook'), deliver('escalated', 'carl', 'ntfy'), { type: 'note', event: 'escalated', detail: 'bob, carl' }],
  },
  {
    name: 'text-back to a mobile caller on a route that texts back',
    job: { kind: 'text-back', callbackId: CB, call: 1 },
    callback: callback(),
    effects: [
      { type: 'text-caller', number: '+4520123456', text: "Thanks for calling Hansen VVS. We'll call you back before 14:41.", windowMs: 12 * 3_600_000, limits: base.callable.textBack },
      { type: 'note', event: 'notified', detail: 'texted the caller' },
    ],
  },
  { name: 'text-back on a route without textBack', job: { kind: 'text-back', callbackId: CB, call: 1 }, callback: callback({ route: 'quiet' }), effects: skip('route "quiet" does not text back') },
  { name: 'text-back to a fixed line', job: { kind: 'text-back', callbackId: CB, call: 1 }, callback: callback({ caller: '+442079460000' }), effects: skip('the caller is not on a mobile we may text (callable:)') },
  { name: 'text-back to a premium-rate number', job: { kind: 'text-back', callbackId: CB, call: 1 }, callback: callback({ caller: '+4590123456' }), effects: skip('the caller is not on a mobile we may text (callable:)') },
  ...(['overdue', 'escalate'] as const).map((kind): Row => ({
    name: `${kind} of a number we don't call back: nothing`,
    job: { kind, callbackId: CB },
    callback: callback({ caller: '+4590123456' }),
    effects: skip("the caller's number is not one we call back (callable:)"),
  })),
  {
    name: "remind of a number we don't call back: nothing",
    job: { kind: 'remind', callbackId: CB, at: NOW },
    callback: callback({ caller: '+4590123456' }),
    effects: skip("the caller's number is not one we call back (callable:)"),
  },
];

for (const row of rows) {
  test(`decideFollowUp: ${row.name}`, () => {
    const effects = decideFollowUp(row.job, row.callback, row.config ?? base, NOW);
    assert.deepEqual(effects, row.effects);
  });
}

test('a new callback gets notify created now, a reminder at remindAt of its deadline, overdue at it', () => {
  const cb = callback({ createdAt: NOW, dueAt: NOW + 600_000 });
  assert.deepEqual(jobsOfNewCallback(cb, base, NOW), [
    { job: { kind: 'notify', callbackId: CB, event: 'created' }, at: NOW },
    { job: { kind: 'remind', callbackId: CB, at: NOW + Math.round(base.callbacks.remindAtShare * 600_000) }, at: NOW + Math.round(base.callbacks.remindAtShare * 600_000) },
    { job: { kind: 'overdue', callbackId: CB }, at: NOW + 600_000 },
  ]);
});

test('a new callback from a number we don\'t call back is only told about: no reminder, no overdue', () => {
  assert.deepEqual(jobsOfNewCallback(callback({ caller: '+4590123456', createdAt: NOW, dueAt: NOW + 600_000 }), base, NOW), [
    { job: { kind: 'notify', callbackId: CB, event: 'created' }, at: NOW },
  ]);
});

test('every missed call from a mobile may be texted back (one job per call); fixed lines and quiet routes are not', () => {
  assert.deepEqual(jobsOfMissedCall(callback({ attempts: 2 }), base, NOW), [{ job: { kind: 'text-back', callbackId: CB, call: 2 }, at: NOW }]);
  assert.deepEqual(jobsOfMissedCall(callback({ caller: '+442079460000' }), base, NOW), []);
  assert.deepEqual(jobsOfMissedCall(callback({ route: 'quiet' }), base, NOW), []);
});

test('a failed attempt reminds after retryPause, a reminder of its own; a close tells only of done and failed', () => {
  assert.deepEqual(jobsOfFailedAttempt(callback(), base, NOW), [{ job: { kind: 'remind', callbackId: CB, at: NOW + 600_000 }, at: NOW + 600_000 }]);
  assert.deepEqual(jobsOfClosed({ id: CB, status: 'done' }, NOW), [{ job: { kind: 'notify', callbackId: CB, event: 'done' }, at: NOW }]);
  assert.deepEqual(jobsOfClosed({ id: CB, status: 'failed' }, NOW), [{ job: { kind: 'notify', callbackId: CB, event: 'failed' }, at: NOW }]);
  assert.deepEqual(jobsOfClosed({ id: CB, status: 'cancelled' }, NOW), []);
});

test('job ids: one per job, no ":" (BullMQ)', () => {
  const jobs: FollowUpJob[] = [
    { kind: 'notify', callbackId: CB, event: 'created' },
    { kind: 'deliver', callbackId: CB, event: 'created', person: 'anna', channel: 'email' },
    { kind: 'deliver', callbackId: CB, event: 'created', person: 'anna', channel: 'sms' },
    { kind: 'remind', callbackId: CB, at: 1_796_131_920_000 },
    { kind: 'remind', callbackId: CB, at: 1_796_132_520_000 },
    { kind: 'overdue', callbackId: CB },
    { kind: 'escalate', callbackId: CB },
    { kind: 'text-back', callbackId: CB, call: 1 },
  ];
  const ids = jobs.map(jobId);
  assert.equal(new Set(ids).size, ids.length);
  assert.ok(ids.every((id) => !id.includes(':')), ids.join(' '));
  assert.deepEqual(ids, ['notify.created.cb-1', 'deliver.created.cb-1.anna.email', 'deliver.created.cb-1.anna.sms', 'remind.cb-1.1796131920000', 'remind.cb-1.1796132520000', 'overdue.cb-1', 'escalate.cb-1', 'text-back.cb-1.1']);
});

test('parseJob takes exactly the job shapes back from storage and refuses the rest', () => {
  for (const job of [
    { kind: 'notify', callbackId: CB, event: 'reminder' },
    { kind: 'deliver', callbackId: CB, event: 'done', person: 'anna', channel: 'ntfy' },
    { kind: 'remind', callbackId: CB, at: NOW },
    { kind: 'text-back', callbackId: CB, call: 1 },
  ] as const) {
    assert.deepEqual(parseJob(JSON.parse(JSON.stringify(job))), job);
  }
  for (const bad of [
    null, 'notify', {}, { kind: 'notify', callbackId: CB, event: 'party' }, { kind: 'deliver', callbackId: CB, event: 'done', person: 'anna', channel: 'fax' },
    { kind: 'remind', callbackId: CB, at: -1 }, { kind: 'remind', callbackId: CB, at: '1' }, { kind: 'textback', callbackId: CB }, { kind: 'overdue', callbackId: '' },
  ]) {
    assert.equal(parseJob(bad), null, JSON.stringify(bad));
  }
});

/** Routing decisions and `explain`, from a real config text through the real loader. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DateTime } from 'luxon';
import { parseConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/types.js';
import { decide, type CallInput } from '../../src/routing/decide.js';
import { explain, formatExplanation } from '../../src/routing/explain.js';

const YAML = `
ari: { url: "http://127.0.0.1:8088", username: u, password: p }
prompts: { source: sound }
firm: { name: Hansen VVS, number: "+4530123456", country: DK, timezone: Europe/Copenhagen }
status: { away: [owner] }
people:
  owner:
    phones:
      desk: PJSIP/owner-desk
      mobile: { dial: "PJSIP/trunk/sip:+4520123456@provider", external: true, timeout: 15s, callerId: { show: firm } }
  colleague:
    phones:
      mobile: { dial: PJSIP/colleague, callerId: { prefix: "Kunde: " } }
  oncall:
    phones:
      mobile: PJSIP/oncall
routes:
  main:
    numbers: ["4530123456"]
    hours: { mon-fri: "07:00-17:00" }
    holidays: DK
    hunt:
      - { ring: [owner], timeout: 20s }
      - { ring: [colleague], timeout: 20s, delay: 10s }
    promise: { deadline: 10m, afterOpening: 30m }
    callers:
      - { match: ["+4520111111"], treat: known, hunt: [{ ring: [owner.desk], timeout: 40s }] }
      - { match: ["+4599*"], treat: blocked }
  emergency:
    numbers: ["4530999999"]
    hours: { mon-fri: "07:00-17:00" }
    hunt:
      - { ring: [owner], timeout: 20s }
    outOfHours:
      hunt: [{ ring: [oncall], timeout: 30s }]
  afterhours:
    numbers: ["4530888888"]
    hours: { mon-fri: "07:00-17:00" }
    holidays: DK
    hunt: [{ ring: [colleague], timeout: 20s }]
    outOfHours:
      hunt: [{ ring: [owner.desk], timeout: 30s }]
  always:
    numbers: ["4530777777"]
    hunt: [{ ring: [colleague], timeout: 20s }]
defaultRoute: main
`;

function config(): Config {
  const result = parseConfig(YAML, 'test.yaml', {});
  if (!result.ok) throw new Error(result.problems.map((p) => `${p.path}: ${p.message}`).join('\n'));
  return result.config;
}

const cph = (local: string): number => DateTime.fromISO(local, { zone: 'Europe/Copenhagen' }).toMillis();
const call = (over: Partial<CallInput>): CallInput => ({
  callId: 'c1',
  called: '4530123456',
  callerRaw: '20222222',
  callerName: 'Jens',
  now: cph('2026-12-01T10:00'),
  status: { mode: 'normal', until: null },
  ...over,
});

test('open: the route hunt, with the caller normalised to E.164 and each phone set up as configured', () => {
  const d = decide(config(), call({}));
  assert.equal(d.caller, '+4520222222');
  assert.deepEqual([d.open, d.why, d.hunt], [true, 'open', 'route']);
  const [owner, colleague] = d.plan.steps;
  assert.deepEqual(owner?.legs.map((l) => [l.legId, l.dial, l.ringMs, l.screen, l.skipWhenBusy]), [
    ['c1-s0-0', 'PJSIP/owner-desk', 20_000, false, true],
    ['c1-s0-1', 'PJSIP/trunk/sip:+4520123456@provider', 15_000, true, false],
  ]);
  assert.equal(owner?.legs[0]?.callerId, '"Jens" <+4520222222>');
  assert.equal(owner?.legs[1]?.callerId, '"Jens" <+4530123456>', 'the mobile shows the firm number');
  assert.equal(colleague?.delayMs, 10_000);
  assert.equal(colleague?.legs[0]?.callerId, '"Kunde: Jens" <+4520222222>');
});

test('a known caller follows the rule\'s own hunt; a blocked prefix gets no hunt at all', () => {
  const known = decide(config(), call({ callerRaw: '+45 20 11 11 11' }));
  assert.deepEqual(known.callerRule, { index: 0, treat: 'known' });
  assert.equal(known.hunt, 'known caller');
  assert.deepEqual(known.plan.steps.map((s) => s.legs.map((l) => l.dial)), [['PJSIP/owner-desk']]);
  assert.equal(known.plan.steps[0]?.timeoutMs, 40_000);

  const blocked = decide(config(), call({ callerRaw: '+4599887766' }));
  assert.equal(blocked.plan.treatment, 'blocked');
  assert.deepEqual(blocked.plan.steps, []);
});

test('away skips the owner\'s phones; the colleague\'s delayed step becomes the first and starts at once', () => {
  const d = decide(config(), call({ status: { mode: 'away', until: null } }));
  assert.deepEqual(d.plan.steps.map((s) => [s.delayMs, s.legs.map((l) => l.person)]), [[null, ['colleague']]]);
});

test('closed by hours, by a holiday, by the owner; out of hours someone on duty is rung', () => {
  assert.deepEqual(pick(decide(config(), call({ now: cph('2026-12-01T17:00') }))), [false, 'outside opening hours', 'none']);
  assert.deepEqual(pick(decide(config(), call({ now: cph('2026-12-25T10:00') }))), [false, 'holiday: Juledag', 'none']);
  assert.deepEqual(pick(decide(config(), call({ status: { mode: 'closed', until: null } }))), [false, 'closed by the owner', 'none']);
  const night = decide(config(), call({ called: '4530999999', now: cph('2026-12-01T23:00') }));
  assert.deepEqual(pick(night), [false, 'outside opening hours', 'out of hours']);
  assert.equal(night.plan.promise.onDuty, true);
});

test('"within" only when someone can call back: an out-of-hours hunt that away empties, or closed without hours, promise "when we open"', () => {
  const said = (over: Partial<CallInput>): [string | undefined, string] => {
    const e = explain(config(), call(over));
    return [e.promise?.kind, formatExplanation(e, 'Europe/Copenhagen').find((line) => line.includes('hears'))?.replace(/^.*hears /, '') ?? ''];
  };
  const christmas3am = cph('2026-12-25T03:00');
  assert.deepEqual(said({ called: '4530888888', now: christmas3am }), ['within', `"we'll call you back within 10 minutes"`], 'the owner is on duty');
  assert.deepEqual(
    said({ called: '4530888888', now: christmas3am, status: { mode: 'away', until: null } }),
    ['when-open', `"we're closed right now; we'll call you back on Monday morning"`],
    'away leaves nobody on duty: Christmas, then the weekend',
  );
  assert.deepEqual(said({ called: '4530777777', status: { mode: 'closed', until: null } }), ['when-open', `"we're closed right now; we'll call you back when we open"`]);
  assert.deepEqual(said({ called: '4530777777' }), ['within', `"we'll call you back within 10 minutes"`]);
});

test('numbers we don\'t call back: 112, *70, 40 digits, premium rate, another country; each recorded with its reason', () => {
  const rows: ReadonlyArray<readonly [string, string | null]> = [
    ['20222222', null],
    ['112', '"112" is not a phone number that can be called'],
    ['*70', '"*70" is not a phone number that can be called'],
    ['1'.repeat(40), `"${'1'.repeat(21)}..." is not a phone number that can be called`],
    ['90123456', '+4590123456 is a premium-rate number; callbacks go to mobile, fixedLine (callable.types)'],
    ['+46701234567', '+46701234567 is a number in SE; callbacks go to DK (callable.countries)'],
  ];
  for (const [callerRaw, expected] of rows) assert.equal(decide(config(), call({ callerRaw })).plan.uncallable, expected, callerRaw);
  const lines = formatExplanation(explain(config(), call({ callerRaw: '112' })), 'Europe/Copenhagen');
  assert.equal(lines.at(-1), `  then:     at 30s, the missed call is recorded as one that can't be called back ("112" is not a phone number that can be called); the caller hears so, and nobody is rung for it`);
});

function pick(d: ReturnType<typeof decide>): [boolean, string, string] {
  return [d.open, d.why, d.hunt];
}

test('explain: the ring timeline, then the promise; 16:55 before a 17:00 closing is not promised "within 10 minutes"', () => {
  const e = explain(config(), call({ now: cph('2026-12-01T16:55') }));
  assert.deepEqual(
    e.timeline.map((t) => [`${t.person}.${t.phone}`, t.fromMs / 1000, t.toMs / 1000]),
    [['owner.desk', 0, 20], ['owner.mobile', 0, 15], ['colleague.mobile', 10, 30]],
  );
  assert.equal(e.huntEndsAfterMs, 30_000);
  assert.equal(e.promise?.kind, 'when-open');
  assert.equal(e.promise?.dueAt, cph('2026-12-02T07:30'));

  const early = explain(config(), call({ now: cph('2026-12-01T10:00') }));
  assert.equal(early.promise?.kind, 'within');
  assert.equal(early.promise?.dueAt, cph('2026-12-01T10:10:30'), '10 minutes after the hunt ends');
});

test('explain prints what will happen, line by line', () => {
  const lines = formatExplanation(explain(config(), call({ now: cph('2026-12-24T16:55') })), 'Europe/Copenhagen');
  assert.deepEqual(lines, [
    'Call to 4530123456 from +4520222222 at Thu, 24/12/2026, 16:55 (Europe/Copenhagen)',
    '  route:    main (its number matched)',
    '  caller:   no caller rule matched',
    '  hours:    open (open)',
    "  hunt:     the route's hunt",
    '  timeline (if nobody answers):',
    '       0s–20s  owner.desk        PJSIP/owner-desk',
    '       0s–15s  owner.mobile      PJSIP/trunk/sip:+4520123456@provider  screened: must press 1 within 10s',
    '      10s–30s  colleague.mobile  PJSIP/colleague',
    '  then:     at 30s, a callback is recorded, then the caller hears "we\'ll call you back on Monday morning"',
    '  due:      Mon, 28/12/2026, 07:30',
  ]);
});

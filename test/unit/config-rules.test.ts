/**
 * The routing rules in the config: firm, status switch, phone settings, delayed hunt steps,
 * opening hours, holidays, caller rules, and the JSON Schema generated for editors.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { parse } from 'yaml';

import { configJsonSchema, configJsonSchemaText } from '../../src/config/json-schema.js';
import { loadConfig } from '../../src/config/load.js';
import type { HuntStep } from '../../src/config/types.js';

import { EXAMPLE_ENV, EXAMPLE_FILE } from '../support/example-config.js';
import { linesWith, MINIMAL_LINES, testProblems, textWith, validConfig, type LineChanges } from '../support/config-text.js';
const SCHEMA_FILE = fileURLToPath(new URL('../../config/nevermiss.schema.json', import.meta.url));

/**
 * The minimal config with opening hours: hours: is line 18, its mon-fri line 19, hunt: line 20,
 * the step's timeout line 22 and defaultRoute: line 23.
 */
const BASE_LINES = linesWith(MINIMAL_LINES, { 17: ['    numbers: ["+4530123456"]', '    hours:', '      mon-fri: "07:00-16:00"'] });

/** BASE_LINES with line N (1-based) replaced by the given line(s); [] deletes it. */
function configWith(changes: LineChanges = {}): string {
  return textWith(BASE_LINES, changes);
}

/** Adds lines at the top level, after defaultRoute. */
function withSection(...lines: readonly string[]): string {
  return configWith({ 23: ['defaultRoute: main', ...lines] });
}

/** Adds lines to route main, after its hunt. */
function withRouteKeys(...lines: readonly string[]): string {
  return configWith({ 22: ['        timeout: 20s', ...lines] });
}

function ringOf(hunt: readonly HuntStep[] | null | undefined): string[][] | undefined {
  return hunt?.map((step) => step.ring.map((phone) => `${phone.person}.${phone.phone}`));
}

// --- What a valid file yields -------------------------------------------------------------

test('the example file yields its routing rules', () => {
  const config = loadConfig(EXAMPLE_FILE, EXAMPLE_ENV);
  assert.deepEqual(config.firm, { name: 'Hansen VVS', number: '+4530123456', country: 'DK', timezone: 'Europe/Copenhagen' });
  assert.deepEqual(config.status, { away: ['owner'], featureCodes: { normal: '*70', away: '*71', closed: '*72' } });
  const main = config.routes.main!;
  assert.equal(main.country, 'DK');
  assert.equal(main.timezone, 'Europe/Copenhagen');
  const workday = [{ from: 7 * 60, to: 16 * 60 }];
  assert.deepEqual(main.hours, {
    timezone: 'Europe/Copenhagen',
    weekly: { mon: workday, tue: workday, wed: workday, thu: workday, fri: workday, sat: [{ from: 9 * 60, to: 12 * 60 }], sun: [] },
    holidays: { country: 'DK' },
    closedDates: ['2026-12-24'],
    specialDates: { '2026-12-23': [{ from: 8 * 60, to: 13 * 60 }] },
  });
  assert.deepEqual(
    main.hunt.map((step) => [step.timeoutMs, step.delayMs]),
    [
      [20_000, null],
      [20_000, 10_000],
    ],
  );
  assert.deepEqual(main.hunt[0]?.ring[1], {
    person: 'owner',
    phone: 'mobile',
    dial: 'PJSIP/trunk/sip:+4520123456@provider',
    external: true,
    screen: true,
    timeoutMs: 18_000,
    callerId: { show: 'caller', prefix: 'Kunde: ' },
    whenBusy: 'skip',
  });
  assert.deepEqual(ringOf(main.outOfHours.hunt), [['colleague.mobile']]);
  assert.deepEqual(main.promise, { deadlineMs: 600_000, afterOpeningMs: 1_800_000 });
  assert.deepEqual(
    main.callers.map(({ match, treat, hunt }) => ({ match, treat, hunt: ringOf(hunt) })),
    [
      {
        match: [
          { kind: 'number', value: '+4520111111' },
          { kind: 'prefix', value: '+4540' },
        ],
        treat: 'known',
        hunt: [['owner.desk', 'owner.mobile']],
      },
      { match: [{ kind: 'number', value: '+4588776655' }], treat: 'blocked', hunt: undefined },
    ],
  );
  assert.equal(main.callers[1]?.hunt, null);
});

test('omitted routing keys take their documented defaults', () => {
  const config = validConfig(configWith({ 18: [], 19: [] }));
  assert.deepEqual(config.firm, { name: '', number: null, country: 'DK', timezone: 'Europe/Copenhagen' });
  assert.deepEqual(config.status, { away: [], featureCodes: { normal: '*70', away: '*71', closed: '*72' } });
  const main = config.routes.main!;
  assert.equal(main.country, 'DK');
  assert.equal(main.timezone, 'Europe/Copenhagen');
  assert.equal(main.hours, null);
  assert.equal(main.hunt[0]?.delayMs, null);
  assert.deepEqual(main.outOfHours, { hunt: null });
  assert.deepEqual(main.callers, []);
  assert.deepEqual(config.people.owner?.phones.desk, {
    dial: 'PJSIP/owner-desk',
    external: false,
    screen: false,
    timeoutMs: null,
    callerId: { show: 'caller', prefix: '' },
    whenBusy: 'skip',
  });
});

test('a route takes its country and time zone from the firm unless it names its own', () => {
  const firm = ['firm:', '  number: "08-123 456 78"', '  country: SE', '  timezone: Europe/Stockholm'];
  const inherited = validConfig(withSection(...firm));
  assert.equal(inherited.routes.main?.country, 'SE');
  assert.equal(inherited.routes.main?.timezone, 'Europe/Stockholm');
  assert.equal(inherited.routes.main?.hours?.timezone, 'Europe/Stockholm');
  assert.equal(inherited.firm.number, '+46812345678');
  const own = validConfig(configWith({ 17: ['    numbers: ["+4530123456"]', '    country: DK', '    timezone: Europe/Copenhagen'], 23: ['defaultRoute: main', ...firm] }));
  assert.equal(own.routes.main?.country, 'DK');
  assert.equal(own.routes.main?.hours?.timezone, 'Europe/Copenhagen');
});

test('caller numbers are read in the route\'s country and stored in E.164', () => {
  const rules = (country: string, number: string): string =>
    configWith({
      17: ['    numbers: ["+4530123456"]', `    country: ${country}`],
      22: ['        timeout: 20s', '    callers:', `      - match: ["${number}"]`, '        treat: known'],
    });
  assert.deepEqual(validConfig(rules('DK', '20 11 11 11')).routes.main?.callers[0]?.match, [{ kind: 'number', value: '+4520111111' }]);
  assert.deepEqual(validConfig(rules('SE', '070-123 45 67')).routes.main?.callers[0]?.match, [{ kind: 'number', value: '+46701234567' }]);
  assert.deepEqual(validConfig(rules('SE', '+4520111111')).routes.main?.callers[0]?.match, [{ kind: 'number', value: '+4520111111' }]);
});

test('phone settings: screening follows external unless set; a ring entry carries the phone\'s settings', () => {
  const config = validConfig(
    configWith({
      11: ['      mobile:', '        dial: PJSIP/owner-mobile', '        external: true', '        whenBusy: ring'],
      14: ['      mobile:', '        dial: PJSIP/colleague-mobile', '        external: true', '        screen: false', '        callerId: { show: firm }'],
      23: ['defaultRoute: main', 'firm:', '  number: "30123456"'],
    }),
  );
  assert.equal(config.people.owner?.phones.mobile?.screen, true);
  assert.equal(config.people.owner?.phones.mobile?.whenBusy, 'ring');
  assert.equal(config.people.colleague?.phones.mobile?.screen, false);
  assert.deepEqual(config.people.colleague?.phones.mobile?.callerId, { show: 'firm', prefix: '' });
  assert.deepEqual(
    config.routes.main?.hunt[0]?.ring.map((phone) => [phone.phone, phone.dial, phone.external, phone.screen]),
    [
      ['desk', 'PJSIP/owner-desk', false, false],
      ['mobile', 'PJSIP/owner-mobile', true, true],
    ],
  );
});

test('opening hours: ranges of days, lists sorted by start, 24:00, special days and holiday regions', () => {
  const config = validConfig(
    configWith({
      19: ['      mon-wed: ["13:00-16:00", "07:00-12:00"]', '      thu: ["00:00-12:00", "12:00-24:00"]', '      sat-sun: "10:00-14:00"'],
      22: [
        '        timeout: 20s',
        '    holidays: { country: DE, region: BY }',
        '    closedDays: ["2026-12-24", "2026-12-31"]',
        '    specialHours:',
        '      "2026-12-23": ["08:00-10:00", "11:00-13:00"]',
        '      "2026-12-30": closed',
      ],
    }),
  );
  const morningAndAfternoon = [
    { from: 420, to: 720 },
    { from: 780, to: 960 },
  ];
  assert.deepEqual(config.routes.main?.hours, {
    timezone: 'Europe/Copenhagen',
    weekly: {
      mon: morningAndAfternoon,
      tue: morningAndAfternoon,
      wed: morningAndAfternoon,
      thu: [
        { from: 0, to: 720 },
        { from: 720, to: 1440 },
      ],
      fri: [],
      sat: [{ from: 600, to: 840 }],
      sun: [{ from: 600, to: 840 }],
    },
    holidays: { country: 'DE', region: 'BY' },
    closedDates: ['2026-12-24', '2026-12-31'],
    specialDates: {
      '2026-12-23': [
        { from: 480, to: 600 },
        { from: 660, to: 780 },
      ],
      '2026-12-30': [],
    },
  });
});

test('holidays: false, and empty closedDays and specialHours, need no hours', () => {
  const config = validConfig(configWith({ 18: [], 19: [], 22: ['        timeout: 20s', '    holidays: false', '    closedDays: []', '    specialHours: {}'] }));
  assert.equal(config.routes.main?.hours, null);
});

test('the routing rules are deeply frozen', () => {
  const config = validConfig(
    withRouteKeys('    outOfHours:', '      hunt: [{ ring: [colleague], timeout: 20s }]', '    callers:', '      - match: ["+4540*"]', '        treat: blocked'),
  );
  const main = config.routes.main!;
  const mutations: (() => void)[] = [
    () => (main.hours!.weekly.mon as unknown[]).push({ from: 0, to: 1 }),
    () => Object.assign(main.hours!.weekly, { sun: [] }),
    () => Object.assign(main.callers[0]!.match[0]!, { value: '+45' }),
    () => Object.assign(main.outOfHours, { hunt: null }),
    () => Object.assign(config.people.owner!.phones.desk!.callerId, { show: 'firm' }),
    () => (config.status.away as string[]).push('colleague'),
  ];
  for (const mutate of mutations) assert.throws(mutate, TypeError);
});

// --- Problems, each at its line and column --------------------------------------------------

testProblems('firm', [
  {
    name: 'a lower-case country code',
    text: withSection('firm:', '  country: dk'),
    expected: ['test.yaml:25:12 firm.country: expected a two-letter country code (ISO 3166) like "DK", got "dk"'],
  },
  {
    name: 'a country code no phone numbers are known for',
    text: withSection('firm:', '  country: XX'),
    expected: ['test.yaml:25:12 firm.country: expected a two-letter country code (ISO 3166) like "DK" that the phone-number library knows, got "XX"'],
  },
  {
    name: 'a misspelt time zone',
    text: withSection('firm:', '  timezone: Europe/Copenhagn'),
    expected: ['test.yaml:25:13 firm.timezone: expected an IANA time zone like "Europe/Copenhagen", got "Europe/Copenhagn"'],
  },
  {
    name: 'an unquoted number',
    text: withSection('firm:', '  number: +4530123456'),
    expected: [
      'test.yaml:25:11 firm.number: expected the firm\'s own phone number in quotes, like "+4530123456", got the number 4530123456 without quotes (YAML reads unquoted digits as a number and drops a leading "+" or "0")',
    ],
  },
  {
    name: 'a number that is not valid in the firm\'s country',
    text: withSection('firm:', '  number: "123"'),
    expected: ['test.yaml:25:11 firm.number: expected a phone number, written like "+4520111111" or as dialled within DK, got "123"'],
  },
  {
    name: 'a number is read in the firm\'s country',
    text: withSection('firm:', '  number: "70121212"', '  country: SE'),
    expected: ['test.yaml:25:11 firm.number: expected a phone number, written like "+4520111111" or as dialled within SE, got "70121212"'],
  },
  {
    name: 'a name YAML reads as a number',
    text: withSection('firm:', '  name: 1234'),
    expected: ['test.yaml:25:9 firm.name: expected the firm\'s name, like "Hansen VVS", got the number 1234; put it in quotes to use it as text'],
  },
  {
    name: 'an unknown key',
    text: withSection('firm:', '  phone: "+4530123456"'),
    expected: ['test.yaml:25:3 firm.phone: unknown key "phone"; allowed keys: name, number, country, timezone'],
  },
]);

testProblems('status', [
  {
    name: 'away names someone who is not in people',
    text: withSection('status:', '  away: [owner, colleage]'),
    expected: ['test.yaml:25:17 status.away[1]: unknown person "colleage"; known people: owner, colleague'],
  },
  {
    name: 'a name that is not a name is reported once',
    text: withSection('status:', '  away: [2nd]'),
    expected: ['test.yaml:25:10 status.away[0]: expected a person name that starts with a letter and uses only letters, digits, "-" and "_", got "2nd"'],
  },
  {
    name: 'away names someone twice',
    text: withSection('status:', '  away: [owner, owner]'),
    expected: ['test.yaml:25:17 status.away[1]: owner is already listed; list each person once'],
  },
  {
    name: 'a feature code without its star',
    text: withSection('status:', '  featureCodes:', '    normal: "70"'),
    expected: ['test.yaml:26:13 status.featureCodes.normal: expected a feature code in quotes: "*" and 1 to 4 digits, like "*70", got "70"'],
  },
  {
    name: 'a feature code without quotes is an alias to YAML',
    text: withSection('status:', '  featureCodes:', '    normal: *70'),
    expected: [
      'test.yaml:26:13: invalid YAML: *70 refers to an anchor &70 that is not defined; to write text that starts with "*", put it in quotes, like "*70"',
    ],
  },
  {
    name: 'a feature code that repeats another\'s default',
    text: withSection('status:', '  featureCodes:', '    away: "*70"'),
    expected: ['test.yaml:26:11 status.featureCodes.away: "*70" is already the code for normal (its default); give each status its own code'],
  },
  {
    name: 'two written feature codes alike, reported at the second',
    text: withSection('status:', '  featureCodes:', '    normal: "*80"', '    closed: "*80"'),
    expected: ['test.yaml:27:13 status.featureCodes.closed: "*80" is already the code for normal; give each status its own code'],
  },
]);

testProblems('phones', [
  {
    name: 'settings without dial',
    text: configWith({ 11: ['      mobile:', '        external: true'] }),
    expected: [
      'test.yaml:11:7 people.owner.phones.mobile.dial: missing required key; expected an Asterisk dial string like "PJSIP/owner-desk" (technology/resource, one device)',
    ],
  },
  {
    name: 'a misspelt setting names the allowed ones',
    text: configWith({ 11: ['      mobile:', '        dial: PJSIP/owner-mobile', '        scren: true'] }),
    expected: [
      'test.yaml:13:9 people.owner.phones.mobile.scren: unknown key "scren"; allowed keys: dial, external, screen, timeout, callerId, whenBusy',
    ],
  },
  {
    name: 'a setting of the wrong type is reported in the settings, not as "neither"',
    text: configWith({ 11: ['      mobile:', '        dial: PJSIP/owner-mobile', '        timeout: 20'] }),
    expected: ['test.yaml:13:18 people.owner.phones.mobile.timeout: expected a duration like "20s", got the number 20'],
  },
  {
    name: 'yes is not true',
    text: configWith({ 11: ['      mobile:', '        dial: PJSIP/owner-mobile', '        external: yes'] }),
    expected: ['test.yaml:13:19 people.owner.phones.mobile.external: expected true or false, got "yes"'],
  },
  {
    name: 'neither a dial string nor settings',
    text: configWith({ 11: '      mobile: 5' }),
    expected: [
      'test.yaml:11:15 people.owner.phones.mobile: expected an Asterisk dial string like "PJSIP/owner-desk", or phone settings with dial:, got the number 5',
    ],
  },
  {
    name: 'a phone timeout over 10m',
    text: configWith({ 11: ['      mobile: { dial: PJSIP/owner-mobile, timeout: 11m }'] }),
    expected: ['test.yaml:11:52 people.owner.phones.mobile.timeout: expected a duration between 1s and 10m, got "11m"'],
  },
  {
    name: 'an unknown caller ID choice',
    text: configWith({ 11: ['      mobile:', '        dial: PJSIP/owner-mobile', '        callerId: { show: boss }'] }),
    expected: ['test.yaml:13:27 people.owner.phones.mobile.callerId.show: expected "caller" or "firm", got "boss"'],
  },
  {
    name: 'showing the firm\'s number when there is none',
    text: configWith({ 11: ['      mobile:', '        dial: PJSIP/owner-mobile', '        callerId:', '          show: firm'] }),
    expected: [
      'test.yaml:14:17 people.owner.phones.mobile.callerId.show: "firm" shows the firm\'s own number, which is not set; set firm.number, like "+4530123456", or show: caller',
    ],
  },
  {
    name: 'an unknown choice when busy',
    text: configWith({ 11: ['      mobile: { dial: PJSIP/owner-mobile, whenBusy: wait }'] }),
    expected: ['test.yaml:11:53 people.owner.phones.mobile.whenBusy: expected "skip" or "ring", got "wait"'],
  },
]);

testProblems('hunt steps', [
  {
    name: 'a delay over 10m',
    text: configWith({ 22: ['        timeout: 20s', '      - ring: [colleague]', '        timeout: 20s', '        delay: 11m'] }),
    expected: ['test.yaml:25:16 routes.main.hunt[1].delay: expected a duration between 0s and 10m, got "11m"'],
  },
  {
    name: 'a delay shorter than an earlier step\'s',
    text: configWith({
      22: ['        timeout: 20s', '      - ring: [colleague]', '        timeout: 20s', '        delay: 10s', '      - ring: [owner.desk]', '        timeout: 20s', '        delay: 5s'],
    }),
    expected: [
      'test.yaml:28:16 routes.main.hunt[2].delay: this step would start before hunt[1], whose delay is 10s; steps start in the order they are written, so give it a delay of at least 10s',
    ],
  },
  {
    name: 'a delay on the first step',
    text: configWith({ 22: ['        timeout: 20s', '        delay: 5s'] }),
    expected: ['test.yaml:23:16 routes.main.hunt[0].delay: the first step starts when the hunt begins, so it takes no delay; remove delay: here'],
  },
  {
    name: 'out-of-hours hunt names an unknown person',
    text: withRouteKeys('    outOfHours:', '      hunt: [{ ring: [ghost], timeout: 20s }]'),
    expected: ['test.yaml:24:23 routes.main.outOfHours.hunt[0].ring[0]: unknown person "ghost"; known people: owner, colleague'],
  },
  {
    name: 'out-of-hours with an empty hunt',
    text: withRouteKeys('    outOfHours:', '      hunt: []'),
    expected: ['test.yaml:24:13 routes.main.outOfHours.hunt: expected at least one hunt step, got an empty list'],
  },
]);

testProblems('promise', [
  {
    name: 'afterOpening under 1m',
    text: withRouteKeys('    promise:', '      afterOpening: 30s'),
    expected: ['test.yaml:24:21 routes.main.promise.afterOpening: expected a duration between 1m and 24h, got "30s"'],
  },
]);

testProblems('opening hours', [
  {
    name: 'a day spelt out',
    text: configWith({ 19: '      monday: "07:00-16:00"' }),
    expected: [
      'test.yaml:19:7 routes.main.hours.monday: expected a day (mon, tue, wed, thu, fri, sat, sun) or a range of days like "mon-fri", got "monday"',
    ],
  },
  {
    name: 'a range of days that runs backwards',
    text: configWith({ 19: '      fri-mon: "07:00-16:00"' }),
    expected: [
      'test.yaml:19:7 routes.main.hours.fri-mon: expected a range of days from an earlier to a later day of the week (mon first, sun last), like "mon-fri", got "fri-mon"',
    ],
  },
  {
    name: 'a time range without minutes',
    text: configWith({ 19: '      mon-fri: "7-16"' }),
    expected: ['test.yaml:19:16 routes.main.hours.mon-fri: expected a time range like "07:00-16:00" (HH:MM-HH:MM, 24-hour clock), got "7-16"'],
  },
  {
    name: 'a time range past midnight',
    text: configWith({ 19: '      mon-fri: "22:00-02:00"' }),
    expected: [
      'test.yaml:19:16 routes.main.hours.mon-fri: expected a time range that ends after it starts, like "07:00-16:00", got "22:00-02:00"; to stay open past midnight, end the day at "24:00" and start the next at "00:00"',
    ],
  },
  {
    name: 'an empty time range',
    text: configWith({ 19: '      mon-fri: "08:00-08:00"' }),
    expected: ['test.yaml:19:16 routes.main.hours.mon-fri: expected a time range that ends after it starts, like "07:00-16:00", got "08:00-08:00"'],
  },
  {
    name: '24:00 only ends a range',
    text: configWith({ 19: '      mon-fri: "24:00-24:00"' }),
    expected: ['test.yaml:19:16 routes.main.hours.mon-fri: expected a time range like "07:00-16:00" (HH:MM-HH:MM, 24-hour clock), got "24:00-24:00"'],
  },
  {
    name: 'a bad range in a list is reported at its place',
    text: configWith({ 19: '      mon-fri: ["07:00-12:00", "13:00-16:0"]' }),
    expected: [
      'test.yaml:19:32 routes.main.hours.mon-fri[1]: expected a time range like "07:00-16:00" (HH:MM-HH:MM, 24-hour clock), got "13:00-16:0"',
    ],
  },
  {
    name: 'overlapping ranges in one day',
    text: configWith({ 19: '      mon-fri: ["07:00-11:00", "10:00-12:00"]' }),
    expected: [
      'test.yaml:19:32 routes.main.hours.mon-fri[1]: "10:00-12:00" overlaps "07:00-11:00"; ranges in one day must not overlap, so join them, like "07:00-12:00"',
    ],
  },
  {
    name: 'an empty list of ranges',
    text: configWith({ 19: '      mon-fri: []' }),
    expected: [
      'test.yaml:19:16 routes.main.hours.mon-fri: expected at least one time range like "07:00-16:00" (leave a day out to close it), got an empty list',
    ],
  },
  {
    name: 'a number of hours',
    text: configWith({ 19: '      mon-fri: 8' }),
    expected: ['test.yaml:19:16 routes.main.hours.mon-fri: expected a time range like "07:00-16:00" (HH:MM-HH:MM, 24-hour clock), or a list of them, got the number 8'],
  },
  {
    name: 'a day given twice, reported at the later key',
    text: configWith({ 19: ['      mon-fri: "07:00-16:00"', '      wed: "07:00-12:00"'] }),
    expected: ['test.yaml:20:7 routes.main.hours.wed: wed is already given by "mon-fri"; give each day once'],
  },
  {
    name: 'several days given twice',
    text: configWith({ 19: ['      mon-wed: "07:00-16:00"', '      fri: "07:00-12:00"', '      wed-sat: "09:00-12:00"'] }),
    expected: ['test.yaml:21:7 routes.main.hours.wed-sat: wed, fri are already given by "mon-wed" and "fri"; give each day once'],
  },
  {
    name: 'hours that are not a map',
    text: configWith({ 18: '    hours: "07:00-16:00"', 19: [] }),
    expected: ['test.yaml:18:12 routes.main.hours: expected opening hours per day, like "mon-fri: 07:00-16:00", got "07:00-16:00"'],
  },
]);

testProblems('holidays, closed days and special hours', [
  {
    name: 'holidays without hours',
    text: configWith({ 18: [], 19: [], 22: ['        timeout: 20s', '    holidays: DK'] }),
    expected: ["test.yaml:21:5 routes.main.holidays: holidays need hours: to know when you're open; add hours: to this route, or remove holidays:"],
  },
  {
    name: 'closed days and special hours without hours',
    text: configWith({ 18: [], 19: [], 22: ['        timeout: 20s', '    closedDays: ["2026-12-24"]', '    specialHours: { "2026-12-23": closed }'] }),
    expected: [
      "test.yaml:21:5 routes.main.closedDays: closedDays need hours: to know when you're open; add hours: to this route, or remove closedDays:",
      "test.yaml:22:5 routes.main.specialHours: specialHours need hours: to know when you're open; add hours: to this route, or remove specialHours:",
    ],
  },
  {
    name: 'a country without a holiday calendar',
    text: withRouteKeys('    holidays: XX'),
    expected: ['test.yaml:23:15 routes.main.holidays: expected a two-letter country code with a public-holiday calendar, like "DK", got "XX"'],
  },
  {
    name: 'a region the country does not have names its regions',
    text: withRouteKeys('    holidays: { country: AT, region: Tirol }'),
    expected: [
      'test.yaml:23:38 routes.main.holidays.region: expected a region of AT: "1", "2", "3", "4", "5", "6", "7", "8" or "9", got "Tirol"',
    ],
  },
  {
    name: 'a region for a country without regions',
    text: withRouteKeys('    holidays: { country: DK, region: "84" }'),
    expected: ['test.yaml:23:38 routes.main.holidays.region: DK has no regions in its holiday calendar, got "84"; remove region:'],
  },
  {
    name: 'a country in the map is checked like a lone one',
    text: withRouteKeys('    holidays: { country: de, region: BY }'),
    expected: ['test.yaml:23:26 routes.main.holidays.country: expected a two-letter country code with a public-holiday calendar, like "DK", got "de"'],
  },
  {
    name: 'true is not a calendar',
    text: withRouteKeys('    holidays: true'),
    expected: ['test.yaml:23:15 routes.main.holidays: expected a country code like "DK", a map like { country: DE, region: BY }, or false, got the value true'],
  },
  {
    name: 'hours that never open',
    text: configWith({ 18: '    hours: {}', 19: [] }),
    expected: [
      'test.yaml:18:5 routes.main.hours: this route is never open: hours: lists no day; list the days you are open, like "mon-fri: 07:00-16:00", or remove hours: to be open at all times',
    ],
  },
  {
    name: 'hours that never open, with only closed special days',
    text: configWith({ 18: '    hours: {}', 19: ['    specialHours: { "2026-12-23": closed }'] }),
    expected: [
      'test.yaml:18:5 routes.main.hours: this route is never open: hours: lists no day; list the days you are open, like "mon-fri: 07:00-16:00", or remove hours: to be open at all times',
    ],
  },
  {
    name: 'a date written the European way',
    text: withRouteKeys('    closedDays: ["24/12/2026"]'),
    expected: ['test.yaml:23:18 routes.main.closedDays[0]: expected a date like "2026-12-24" (YYYY-MM-DD), got "24/12/2026"'],
  },
  {
    name: 'a date that is not in the calendar',
    text: withRouteKeys('    closedDays: ["2026-02-30"]'),
    expected: ['test.yaml:23:18 routes.main.closedDays[0]: expected a date that exists in the calendar, like "2026-12-24", got "2026-02-30"'],
  },
  {
    name: 'a closed day twice',
    text: withRouteKeys('    closedDays: ["2026-12-24", "2026-12-24"]'),
    expected: ['test.yaml:23:32 routes.main.closedDays[1]: 2026-12-24 is already listed; list each date once'],
  },
  {
    name: 'a special day that is not a date, at its key',
    text: withRouteKeys('    specialHours:', '      "23-12-2026": "08:00-13:00"'),
    expected: ['test.yaml:24:7 routes.main.specialHours["23-12-2026"]: expected a date like "2026-12-24" (YYYY-MM-DD), got "23-12-2026"'],
  },
  {
    name: 'a misspelt closed',
    text: withRouteKeys('    specialHours:', '      "2026-12-23": closd'),
    expected: [
      'test.yaml:24:21 routes.main.specialHours["2026-12-23"]: expected a time range like "08:00-13:00" (HH:MM-HH:MM), a list of them, or "closed", got "closd"',
    ],
  },
  {
    name: 'a special day that is also a closed day',
    text: withRouteKeys('    closedDays: ["2026-12-24"]', '    specialHours:', '      "2026-12-24": "08:00-12:00"'),
    expected: ['test.yaml:25:7 routes.main.specialHours["2026-12-24"]: 2026-12-24 is also in closedDays; list a date in closedDays or in specialHours, not both'],
  },
]);

testProblems('route country and time zone', [
  {
    name: 'an unknown country',
    text: configWith({ 17: ['    numbers: ["+4530123456"]', '    country: Denmark'] }),
    expected: ['test.yaml:18:14 routes.main.country: expected a two-letter country code (ISO 3166) like "DK", got "Denmark"'],
  },
  {
    name: 'an unknown time zone',
    text: configWith({ 17: ['    numbers: ["+4530123456"]', '    timezone: CET+1'] }),
    expected: ['test.yaml:18:15 routes.main.timezone: expected an IANA time zone like "Europe/Copenhagen", got "CET+1"'],
  },
]);

testProblems('caller rules', [
  {
    name: 'a number that is not valid in the route\'s country',
    text: withRouteKeys('    callers:', '      - match: ["123"]', '        treat: known'),
    expected: ['test.yaml:24:17 routes.main.callers[0].match[0]: expected a phone number, written like "+4520111111" or as dialled within DK, got "123"'],
  },
  {
    name: 'the route\'s own country reads its callers\' numbers',
    text: configWith({
      17: ['    numbers: ["+4530123456"]', '    country: SE'],
      22: ['        timeout: 20s', '    callers:', '      - match: ["70121212"]', '        treat: known'],
    }),
    expected: ['test.yaml:25:17 routes.main.callers[0].match[0]: expected a phone number, written like "+4520111111" or as dialled within SE, got "70121212"'],
  },
  {
    name: 'a route with its own country reads numbers in it even when the firm\'s country is wrong',
    text: configWith({
      17: ['    numbers: ["+4530123456"]', '    country: DK'],
      22: ['        timeout: 20s', '    callers:', '      - match: ["123"]', '        treat: known'],
      23: ['defaultRoute: main', 'firm:', '  country: Danmark'],
    }),
    expected: [
      'test.yaml:25:17 routes.main.callers[0].match[0]: expected a phone number, written like "+4520111111" or as dialled within DK, got "123"',
      'test.yaml:29:12 firm.country: expected a two-letter country code (ISO 3166) like "DK", got "Danmark"',
    ],
  },
  {
    name: 'an unquoted number',
    text: withRouteKeys('    callers:', '      - match: [+4520111111]', '        treat: known'),
    expected: [
      'test.yaml:24:17 routes.main.callers[0].match[0]: expected a phone number like "+4520111111" or a prefix ending in "*" like "+4540*", got the number 4520111111 without quotes (YAML reads unquoted digits as a number and drops a leading "+" or "0")',
    ],
  },
  {
    name: 'something that is neither number nor prefix',
    text: withRouteKeys('    callers:', '      - match: ["+45 40*12"]', '        treat: known'),
    expected: [
      'test.yaml:24:17 routes.main.callers[0].match[0]: expected a phone number like "+4520111111" or a prefix ending in "*" like "+4540*", got "+45 40*12"',
    ],
  },
  {
    name: 'a national prefix',
    text: withRouteKeys('    callers:', '      - match: ["40*"]', '        treat: known'),
    expected: [
      'test.yaml:24:17 routes.main.callers[0].match[0]: expected a prefix in international form, starting with "+" and the country code, like "+4540*", got "40*"',
    ],
  },
  {
    name: 'an entry an earlier rule already matches never applies',
    text: withRouteKeys('    callers:', '      - match: ["+4540*"]', '        treat: blocked', '      - match: ["+4520111111", "40 12 34 56"]', '        treat: known'),
    expected: [
      'test.yaml:26:32 routes.main.callers[1].match[1]: "40 12 34 56" is already matched by "+4540*" in callers[0]; the first matching rule wins, so this entry never applies',
    ],
  },
  {
    name: 'a blocked caller with a hunt',
    text: withRouteKeys('    callers:', '      - match: ["+4540*"]', '        treat: blocked', '        hunt: [{ ring: [owner], timeout: 20s }]'),
    expected: [
      'test.yaml:26:15 routes.main.callers[0].hunt: blocked callers are never put through, so they have no hunt; remove hunt: or use treat: known',
    ],
  },
  {
    name: 'a known caller\'s hunt names an unknown phone',
    text: withRouteKeys('    callers:', '      - match: ["+4540*"]', '        treat: known', '        hunt: [{ ring: [owner.fax], timeout: 20s }]'),
    expected: ['test.yaml:26:25 routes.main.callers[0].hunt[0].ring[0]: unknown phone "fax" of owner; known phones: owner.desk, owner.mobile'],
  },
  {
    name: 'a rule without treat',
    text: withRouteKeys('    callers:', '      - match: ["+4540*"]'),
    expected: ['test.yaml:24:9 routes.main.callers[0].treat: missing required key; expected "known" or "blocked"'],
  },
  {
    name: 'a rule that matches nobody',
    text: withRouteKeys('    callers:', '      - match: []', '        treat: known'),
    expected: ['test.yaml:24:16 routes.main.callers[0].match: expected at least one number or prefix, got an empty list'],
  },
]);

// --- JSON Schema ------------------------------------------------------------------------------

test('config/nevermiss.schema.json is the schema generated now (run scripts/make-schema.ts after a change)', () => {
  assert.equal(readFileSync(SCHEMA_FILE, 'utf8'), configJsonSchemaText());
});

type JsonSchema = Readonly<Record<string, unknown>>;

function at(schema: unknown, ...keys: readonly string[]): JsonSchema {
  const found = keys.reduce<unknown>((node, key) => (node as JsonSchema | undefined)?.[key], schema);
  assert.ok(typeof found === 'object' && found !== null, `no schema at ${keys.join('.')}`);
  return found as JsonSchema;
}

test('the JSON Schema: draft 2020-12, strict objects, and the routing rules', () => {
  const schema = configJsonSchema() as JsonSchema;
  assert.equal(schema.$schema, 'https://json-schema.org/draft/2020-12/schema');
  assert.equal(schema.title, 'nevermiss configuration');
  assert.equal(schema.additionalProperties, false);
  assert.deepEqual(Object.keys(at(schema, 'properties')), [
    'ari',
    'redis',
    'failover',
    'http',
    'prompts',
    'data',
    'log',
    'firm',
    'status',
    'people',
    'routes',
    'defaultRoute',
    'smtp',
    'sms',
    'callbacks',
    'callable',
    'metrics',
    'retention',
  ]);
  assert.deepEqual(schema.required, ['ari', 'prompts', 'people', 'routes', 'defaultRoute']);

  const route = at(schema, 'properties', 'routes', 'additionalProperties');
  assert.equal(route.additionalProperties, false);
  for (const key of ['hours', 'holidays', 'closedDays', 'specialHours', 'outOfHours', 'callers']) {
    assert.ok(key in at(route, 'properties'), key);
  }
  assert.deepEqual(at(route, 'properties', 'hours', 'propertyNames').pattern, '^(mon|tue|wed|thu|fri|sat|sun)(?:-(mon|tue|wed|thu|fri|sat|sun))?$');
  assert.equal(at(route, 'properties', 'promise', 'properties', 'deadline').default, '10m');

  // A phone is a dial string or a strict map of settings: written as either, not as what zod makes of it.
  const phone = at(schema, 'properties', 'people', 'additionalProperties', 'properties', 'phones', 'additionalProperties');
  const [short, long] = phone.anyOf as JsonSchema[];
  assert.equal(short?.type, 'string');
  assert.equal(long?.additionalProperties, false);
  assert.deepEqual(long?.required, ['dial']);
});

/** Every keyword draft 2020-12 defines that zod may emit; anything else would be a typo to a validator. */
const DRAFT_2020_12_KEYWORDS = new Set([
  '$schema', '$id', '$ref', '$defs', 'title', 'description', 'default', 'examples', 'deprecated', 'readOnly', 'writeOnly',
  'type', 'enum', 'const', 'anyOf', 'oneOf', 'allOf', 'not', 'properties', 'required', 'additionalProperties',
  'propertyNames', 'patternProperties', 'items', 'prefixItems', 'minItems', 'maxItems', 'uniqueItems', 'minLength',
  'maxLength', 'pattern', 'format', 'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf',
]);

/** Keys under these hold names chosen by the schema (property names), not keywords. */
const NAMED_CHILDREN = new Set(['properties', '$defs', 'patternProperties']);

function checkKeywords(node: unknown, path: string, problems: string[]): void {
  if (Array.isArray(node)) {
    node.forEach((item, index) => checkKeywords(item, `${path}[${index}]`, problems));
    return;
  }
  if (typeof node !== 'object' || node === null) return;
  for (const [key, child] of Object.entries(node)) {
    if (!DRAFT_2020_12_KEYWORDS.has(key)) problems.push(`${path}: unknown keyword ${key}`);
    if (key === 'pattern') checkPattern(child, `${path}.pattern`, problems);
    if (key === 'default' || key === 'const' || key === 'enum' || key === 'examples') continue;
    if (NAMED_CHILDREN.has(key)) {
      for (const [name, schema] of Object.entries(child as object)) checkKeywords(schema, `${path}.${key}.${name}`, problems);
    } else {
      checkKeywords(child, `${path}.${key}`, problems);
    }
  }
}

/** Validators compile patterns as ECMAScript regular expressions with the u flag. */
function checkPattern(pattern: unknown, path: string, problems: string[]): void {
  try {
    new RegExp(String(pattern), 'u');
  } catch (error) {
    problems.push(`${path}: ${String(error)}`);
  }
}

test('the JSON Schema uses only draft 2020-12 keywords, and its patterns compile', () => {
  const problems: string[] = [];
  checkKeywords(configJsonSchema(), '#', problems);
  assert.deepEqual(problems, []);
});

test('the example file has only keys the JSON Schema knows, and every key it knows is in the example', () => {
  const example = parse(readFileSync(EXAMPLE_FILE, 'utf8')) as JsonSchema;
  const schema = configJsonSchema() as JsonSchema;
  assert.deepEqual(Object.keys(example).sort(), Object.keys(at(schema, 'properties')).sort());
  const route = at(schema, 'properties', 'routes', 'additionalProperties', 'properties');
  assert.deepEqual(Object.keys(at(example, 'routes', 'main')).sort(), Object.keys(route).sort());
  const phoneSettings = (at(schema, 'properties', 'people', 'additionalProperties', 'properties', 'phones', 'additionalProperties').anyOf as JsonSchema[])[1]!;
  assert.deepEqual(Object.keys(at(example, 'people', 'owner', 'phones', 'mobile')).sort(), Object.keys(at(phoneSettings, 'properties')).sort());
  const huntStep = at(route, 'hunt', 'items', 'properties');
  assert.deepEqual(Object.keys((at(example, 'routes', 'main').hunt as JsonSchema[])[1]!).sort(), Object.keys(huntStep).sort());
  const person = at(schema, 'properties', 'people', 'additionalProperties', 'properties');
  assert.deepEqual(Object.keys(at(example, 'people', 'owner')).sort(), Object.keys(person).sort());
  assert.deepEqual(Object.keys(at(example, 'people', 'owner', 'notify')).sort(), Object.keys(at(person, 'notify', 'properties')).sort());
  for (const section of ['smtp', 'sms', 'callbacks', 'callable', 'retention']) {
    assert.deepEqual(Object.keys(at(example, section)).sort(), Object.keys(at(schema, 'properties', section, 'properties')).sort(), section);
  }
});

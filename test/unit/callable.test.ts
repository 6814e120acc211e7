// Which caller numbers are called and texted back, and the callable: section of the config.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { callability, mayTextBack, numberPrefix, type CallableRules } from '../../src/numbers/callable.js';
import { formatProblem, parseConfig } from '../../src/config/load.js';

const DEFAULTS: CallableRules = { countries: ['DK'], types: ['mobile', 'fixedLine'] };

test('callability: valid numbers of allowed countries and types only, each refusal with its reason', () => {
  const rows: ReadonlyArray<readonly [string, Partial<CallableRules>, true | string]> = [
    ['+4520111111', {}, true],
    ['+4533123456', {}, true],
    ['112', {}, '"112" is not a phone number that can be called'],
    ['*70', {}, '"*70" is not a phone number that can be called'],
    [`+${'1'.repeat(40)}`, {}, '"+11111111111111111111..." is not a phone number that can be called'],
    ['101', {}, '"101" is not a phone number that can be called'],
    ['+4512345', {}, '+4512345 is not a valid phone number'],
    ['+4590123456', {}, '+4590123456 is a premium-rate number; callbacks go to mobile, fixedLine (callable.types)'],
    ['+4580123456', {}, '+4580123456 is a toll-free number; callbacks go to mobile, fixedLine (callable.types)'],
    ['+448431234567', { countries: ['GB'] }, '+448431234567 is a premium-rate number; callbacks go to mobile, fixedLine (callable.types)'],
    ['+33810123456', { countries: ['FR'] }, '+33810123456 is a shared-cost number; callbacks go to mobile, fixedLine (callable.types)'],
    ['+46701234567', {}, '+46701234567 is a number in SE; callbacks go to DK (callable.countries)'],
    ['+46701234567', { countries: ['DK', 'SE'] }, true],
    ['+4580123456', { types: ['mobile', 'fixedLine', 'tollFree'] }, true],
    ['+447400123456', { countries: ['GB'], types: ['fixedLine'] }, '+447400123456 is a mobile number; callbacks go to fixedLine (callable.types)'],
  ];
  for (const [number, rules, expected] of rows) {
    const verdict = callability(number, { ...DEFAULTS, ...rules });
    assert.deepEqual(verdict.callable ? true : verdict.why, expected, number);
  }
});

test('text-backs go to callable mobiles only', () => {
  const rows: ReadonlyArray<readonly [string, Partial<CallableRules>, boolean]> = [
    ['+4520111111', {}, true], // Danish ranges are shared: could be a mobile
    ['+442079460000', { countries: ['GB'] }, false], // a London fixed line
    ['+447400123456', { countries: ['GB'] }, true],
    ['+447400123456', {}, false], // another country
    ['+4915112345678', { countries: ['DE'] }, true],
    ['+4930123456', { countries: ['DE'] }, false], // a Berlin fixed line
    ['not a number', {}, false],
    ['+4590123456', { types: ['mobile', 'fixedLine', 'premiumRate'] }, false],
    ['112', {}, false],
  ];
  for (const [number, rules, expected] of rows) assert.equal(mayTextBack(number, { ...DEFAULTS, ...rules }), expected, number);
});

test('numberPrefix: the first digits, country code included', () => {
  assert.equal(numberPrefix('+4520111111', 8), '45201111');
  assert.equal(numberPrefix('+4520111111', 15), '4520111111');
});

const BASE = `ari: { url: "http://127.0.0.1:8088", username: u, password: p }
prompts: { source: sound }
firm: { country: SE }
people: { owner: { phones: { desk: PJSIP/owner-desk } } }
routes:
  main:
    numbers: ["1"]
    hunt: [{ ring: [owner], timeout: 20s }]
defaultRoute: main
`;

test('callable: safe defaults (the firm\'s country, mobile and fixed lines, a few texts an hour) and clear errors', () => {
  const plain = parseConfig(BASE, 'n.yaml', {});
  assert.ok(plain.ok);
  assert.deepEqual(plain.config.callable, { countries: ['SE'], types: ['mobile', 'fixedLine'], textBack: { perPrefix: 3, prefixDigits: 8, perHour: 30 } });

  const set = parseConfig(`${BASE}callable: { countries: [DK, SE], types: [mobile], textBack: { perPrefix: 1, perHour: 10 } }\n`, 'n.yaml', {});
  assert.ok(set.ok);
  assert.deepEqual(set.config.callable, { countries: ['DK', 'SE'], types: ['mobile'], textBack: { perPrefix: 1, prefixDigits: 8, perHour: 10 } });

  const bad = parseConfig(`${BASE}callable: { countries: [Denmark], types: [cellphone], textBack: { perPrefix: "3", prefixDigits: 2 } }\n`, 'n.yaml', {});
  assert.equal(bad.ok, false);
  assert.deepEqual(!bad.ok && bad.problems.map(formatProblem), [
    'n.yaml:10:25 callable.countries[0]: expected a two-letter country code (ISO 3166) like "DK", got "Denmark"',
    'n.yaml:10:43 callable.types[0]: expected a number type: mobile, fixedLine, tollFree, premiumRate, sharedCost, voip, personalNumber, pager, uan, voicemail, got "cellphone"',
    'n.yaml:10:78 callable.textBack.perPrefix: expected a whole number between 1 and 1000, like 3, got "3"; write it without quotes',
    'n.yaml:10:97 callable.textBack.prefixDigits: expected a whole number between 4 and 15, like 8, got the number 2',
  ]);
});

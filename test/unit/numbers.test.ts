import { test } from 'node:test';
import assert from 'node:assert/strict';
import { firstMatchingRule, isKnownCountry, matchesPattern, normalizeNumber, type Pattern } from '../../src/routing/numbers.js';

test('normalizeNumber: E.164 for phone numbers, digits for extensions, null for the rest', () => {
  const cases: ReadonlyArray<readonly [string, string, string | null, string]> = [
    ['+4520111111', 'DK', '+4520111111', 'already E.164'],
    ['0045 20 11 11 11', 'DK', '+4520111111', '00 international prefix, spaced'],
    ['00 45 20111111', 'DK', '+4520111111', 'spaced differently'],
    ['20111111', 'DK', '+4520111111', 'national, read as Danish'],
    ['20 11 11 11', 'DK', '+4520111111', 'national with spaces'],
    ['4520111111', 'DK', '+4520111111', 'country code without + (as some trunks send it)'],
    ['  +45 33-12-34-56 ', 'DK', '+4533123456', 'dashes and surrounding space'],
    ['+1 (202) 555-0123', 'DK', '+12025550123', 'a foreign number keeps its country'],
    ['030 1234567', 'DE', '+49301234567', 'a German national number with its trunk 0'],
    ['101', 'DK', '101', 'internal extension'],
    ['123456', 'DK', '123456', 'six-digit extension'],
    ['anonymous', 'DK', null, 'withheld'],
    ['', 'DK', null, 'empty'],
    ['12', 'DK', null, 'too short for anything'],
    ['1234567', 'DK', null, 'seven digits: neither a Danish number nor an extension'],
    ['+45101', 'DK', null, 'a + number of impossible length'],
    ['sip:+4520111111@pbx', 'DK', null, 'a SIP URI is not a number'],
    ['*21#', 'DK', null, 'a star code'],
    ['+4520111111;ext=3', 'DK', null, 'anything after the number'],
  ];
  for (const [raw, country, expected, label] of cases) assert.equal(normalizeNumber(raw, country), expected, `${label}: "${raw}"`);
});

test('normalizeNumber refuses a default country libphonenumber does not know', () => {
  assert.equal(isKnownCountry('DK'), true);
  assert.equal(isKnownCountry('XX'), false);
  assert.throws(() => normalizeNumber('20111111', 'XX'), /no country "XX"/);
});

test('matchesPattern: a whole number or a prefix', () => {
  const cases: ReadonlyArray<readonly [string, Pattern, boolean]> = [
    ['+4520111111', { kind: 'number', value: '+4520111111' }, true],
    ['+4520111111', { kind: 'number', value: '+452011111' }, false],
    ['+4520111111', { kind: 'prefix', value: '+45' }, true],
    ['+4520111111', { kind: 'prefix', value: '+4520' }, true],
    ['+4620111111', { kind: 'prefix', value: '+45' }, false],
    ['+4520111111', { kind: 'prefix', value: '+4520111111' }, true],
    ['101', { kind: 'prefix', value: '1' }, true],
    ['101', { kind: 'prefix', value: '+45' }, false],
  ];
  for (const [number, pattern, expected] of cases) assert.equal(matchesPattern(number, pattern), expected, `${number} ~ ${pattern.kind} ${pattern.value}`);
});

test('firstMatchingRule: the first rule in order with any matching pattern; null matches nothing', () => {
  const rules = [
    { name: 'blocked', match: [{ kind: 'number', value: '+4520999999' }] },
    { name: 'vip', match: [{ kind: 'number', value: '+4520111111' }, { kind: 'number', value: '+4520222222' }] },
    { name: 'danes', match: [{ kind: 'prefix', value: '+45' }] },
    { name: 'empty', match: [] },
  ] as const satisfies ReadonlyArray<{ name: string; match: readonly Pattern[] }>;
  const cases: ReadonlyArray<readonly [string | null, string | null]> = [
    ['+4520999999', 'blocked'],
    ['+4520222222', 'vip'],
    ['+4533123456', 'danes'],
    ['+4930123456', null],
    [null, null],
  ];
  for (const [number, expected] of cases) assert.equal(firstMatchingRule(number, rules)?.name ?? null, expected, String(number));
  assert.equal(firstMatchingRule('+4520111111', []), null);
});

/**
 * Checks of phone numbers, which are valid or not only in a country: the firm's own number (read
 * in firm.country), callers' numbers (in their route's country, which defaults to the firm's),
 * and phones that show the firm's number, which need one. A caller rule that can never apply,
 * because an earlier pattern already matches everyone it names, is reported too.
 */
import { expectation, quote } from './messages.js';
import { callerPatternOf, covers, PHONE_NUMBER_PATTERN, phoneNumberPhrase, toE164 } from './phone-numbers.js';
import type { Finding, Path } from './problems.js';
import { entriesOf, fieldOf, itemsOf, validOrDefault } from './raw.js';
import { CallerMatchSchema, DEFAULT_COUNTRY } from './schema.js';
import { CountrySchema } from './schema-kit.js';
import type { CallerPattern } from './types.js';

export function checkPhoneNumbers(raw: unknown): Finding[] {
  const firm = fieldOf(raw, 'firm');
  const firmCountry = validOrDefault(fieldOf(firm, 'country'), CountrySchema, DEFAULT_COUNTRY);
  return [
    ...checkFirmNumber(fieldOf(firm, 'number'), firmCountry),
    ...checkFirmNumberIsSet(raw),
    ...entriesOf(fieldOf(raw, 'routes')).flatMap(([id, route]) => {
      // An invalid country is reported where it is written; numbers read in it would be guesses.
      const country = validOrDefault(fieldOf(route, 'country'), CountrySchema, firmCountry);
      return country === undefined ? [] : checkCallerRules(['routes', id, 'callers'], fieldOf(route, 'callers'), country);
    }),
  ];
}

function checkFirmNumber(number: unknown, country: string | undefined): Finding[] {
  if (typeof number !== 'string' || country === undefined || !PHONE_NUMBER_PATTERN.test(number)) return [];
  if (toE164(number, country) !== null) return [];
  return [{ path: ['firm', 'number'], message: expectation(phoneNumberPhrase(country), number) }];
}

function checkFirmNumberIsSet(raw: unknown): Finding[] {
  if (fieldOf(fieldOf(raw, 'firm'), 'number') !== undefined) return [];
  return entriesOf(fieldOf(raw, 'people')).flatMap(([person, settings]) =>
    entriesOf(fieldOf(settings, 'phones'))
      .filter(([, phone]) => fieldOf(fieldOf(phone, 'callerId'), 'show') === 'firm')
      .map(([phone]) => ({
        path: ['people', person, 'phones', phone, 'callerId', 'show'],
        message: '"firm" shows the firm\'s own number, which is not set; set firm.number, like "+4530123456", or show: caller',
      })),
  );
}

interface WrittenPattern {
  readonly pattern: CallerPattern;
  readonly text: string;
  readonly ruleIndex: number;
}

/** Numbers are read in `country`; the first rule that matches a caller wins, so later ones must add something. */
function checkCallerRules(path: Path, rules: unknown, country: string): Finding[] {
  const findings: Finding[] = [];
  const earlier: WrittenPattern[] = [];
  itemsOf(rules).forEach((rule, ruleIndex) => {
    itemsOf(fieldOf(rule, 'match')).forEach((text, index) => {
      if (typeof text !== 'string' || !CallerMatchSchema.safeParse(text).success) return;
      const entryPath = [...path, ruleIndex, 'match', index];
      const pattern = callerPatternOf(text, country);
      if (pattern === null) {
        findings.push({ path: entryPath, message: expectation(phoneNumberPhrase(country), text) });
        return;
      }
      const shadow = earlier.find((other) => covers(other.pattern, pattern));
      if (shadow !== undefined) findings.push({ path: entryPath, message: shadowedMessage(text, shadow) });
      earlier.push({ pattern, text, ruleIndex });
    });
  });
  return findings;
}

function shadowedMessage(text: string, shadow: WrittenPattern): string {
  return `${quote(text)} is already matched by ${quote(shadow.text)} in callers[${shadow.ruleIndex}]; the first matching rule wins, so this entry never applies`;
}

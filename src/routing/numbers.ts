/**
 * Caller numbers in one form, so rules can match them: E.164 ("+4520111111") for numbers from
 * the outside world, the bare digits for internal extensions ("101").
 *
 * libphonenumber-js with its 'max' metadata: it is the only one that knows number types (mobile or
 * fixed line, needed by src/numbers/callable.ts) and the exact possible lengths per type. The default
 * 'min' metadata knows neither. It is 157 kB of JSON instead of 83 kB, which a server doesn't notice.
 */
import { isSupportedCountry, parsePhoneNumberFromString } from 'libphonenumber-js/max';

export type Pattern = { readonly kind: 'number'; readonly value: string } | { readonly kind: 'prefix'; readonly value: string };

/** Digits, an optional leading + and the separators people and trunks write between them. */
const DIALLABLE = /^\+?[0-9][0-9 ()./-]*$/;

/** Internal extensions: 3 to 6 digits, dialled without a +. */
const EXTENSION = /^[0-9]{3,6}$/;

/** For the config loader: a country libphonenumber can resolve national numbers for. */
export function isKnownCountry(code: string): boolean {
  return isSupportedCountry(code);
}

/**
 * E.164 for a number that can be a phone number (national numbers read as `defaultCountry`'s,
 * "00" and "+" international), the digits of a 3–6 digit internal extension, or null for anything
 * else: "anonymous", "", SIP URIs, star codes, numbers of impossible length.
 *
 * Extensions stay as they are because callers from internal phones show up with their extension
 * as caller id; "+45101" would match no rule and reach no phone. A 3–6 digit string that is a
 * possible national number (never in Denmark, whose numbers have 8 digits) is read as one.
 *
 * "Can be a phone number" is libphonenumber's isPossible (the length fits the country), not
 * isValid (the number is in an allocated range): metadata lags behind new ranges, and turning a
 * real customer's number into null would lose the callback.
 */
export function normalizeNumber(raw: string, defaultCountry: string): string | null {
  // The config loader validates countries with isKnownCountry; reaching this is a bug.
  if (!isSupportedCountry(defaultCountry)) throw new Error(`libphonenumber knows no country "${defaultCountry}"`);
  const text = raw.trim();
  if (!DIALLABLE.test(text)) return null;
  const parsed = parsePhoneNumberFromString(text, defaultCountry);
  if (parsed?.isPossible()) return parsed.number;
  const digits = text.replace(/[^0-9]/g, '');
  return !text.startsWith('+') && EXTENSION.test(digits) ? digits : null;
}

/** Pattern values are in the same form as the numbers (normalizeNumber's), so this is plain text. */
export function matchesPattern(e164: string, pattern: Pattern): boolean {
  switch (pattern.kind) {
    case 'number':
      return e164 === pattern.value;
    case 'prefix':
      return e164.startsWith(pattern.value);
  }
}

/**
 * The first rule with a pattern that matches, in the order given. A withheld number (null)
 * matches nothing, and a rule with no patterns matches nothing: a catch-all is a default, not a rule.
 */
export function firstMatchingRule<R extends { readonly match: readonly Pattern[] }>(e164: string | null, rules: readonly R[]): R | null {
  if (e164 === null) return null;
  return rules.find((rule) => rule.match.some((pattern) => matchesPattern(e164, pattern))) ?? null;
}

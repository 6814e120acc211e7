/**
 * Phone numbers as people write them ("20111111", "+45 20 11 11 11") turned into one form,
 * E.164 ("+4520111111"), so that a caller rule written either way matches the same callers.
 * A national number only means something together with a country, so these functions take one.
 */
import { isSupportedCountry, parsePhoneNumberFromString } from 'libphonenumber-js';

import type { CallerPattern } from './types.js';

/** Digits with the separators people type, and an optional leading "+". */
export const PHONE_NUMBER_PATTERN = /^\+?[0-9][0-9 ()./-]*$/;
/** International form only: a national prefix cannot be normalised without a whole number. */
export const NUMBER_PREFIX_PATTERN = /^\+[0-9]+\*$/;

export function isPhoneCountry(code: string): boolean {
  return isSupportedCountry(code);
}

/** "+4520111111" for a valid number in `country` (or any valid international number); else null. */
export function toE164(text: string, country: string): string | null {
  if (!isSupportedCountry(country)) return null;
  const number = parsePhoneNumberFromString(text, country);
  return number?.isValid() === true ? number.number : null;
}

/** How problems describe a valid number, which depends on the country it is read in. */
export function phoneNumberPhrase(country: string): string {
  return `a phone number, written like "+4520111111" or as dialled within ${country}`;
}

/** A caller rule's `match` entry, read in `country`; null when it is not a valid number. */
export function callerPatternOf(text: string, country: string): CallerPattern | null {
  if (NUMBER_PREFIX_PATTERN.test(text)) return { kind: 'prefix', value: text.slice(0, -1) };
  const number = toE164(text, country);
  return number === null ? null : { kind: 'number', value: number };
}

/** Whether every caller `later` matches is already matched by `earlier`. */
export function covers(earlier: CallerPattern, later: CallerPattern): boolean {
  return earlier.kind === 'prefix' ? later.value.startsWith(earlier.value) : later.kind === 'number' && later.value === earlier.value;
}

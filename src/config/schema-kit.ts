/**
 * The building blocks of the config schema: each pairs a zod type with the wording of its
 * problems, so every value says what it expected in the same way. Shared by schema.ts and
 * schema-hours.ts.
 */
import { IANAZone } from 'luxon';
import { z } from 'zod';

import { DURATION_PATTERN, formatDuration, parseDuration } from './duration.js';
import { describeKind, expectation, expecting, expectingText } from './messages.js';
import { isPhoneCountry, PHONE_NUMBER_PATTERN } from './phone-numbers.js';

export const SECOND = 1_000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;

export interface Limits {
  readonly min: number;
  readonly max: number;
}

/**
 * Names of people, phones and routes. They start with a letter so that no name looks like a
 * number (JavaScript would reorder such keys, and the order of a person's phones matters), and
 * hold no "." because a ring entry `person.phone` splits on it.
 */
export const NAME = '[A-Za-z][A-Za-z0-9_-]*';
export const NAME_PATTERN = new RegExp(`^${NAME}$`);
const NAME_RULE = 'that starts with a letter and uses only letters, digits, "-" and "_"';

/** A strict object, so that unknown keys are reported; `phrase` says what belongs there. */
export function settings<Shape extends z.core.$ZodLooseShape>(shape: Shape, phrase: string) {
  return z.strictObject(shape, { error: expecting(phrase) });
}

export function matching(pattern: RegExp, phrase: string) {
  return z.string({ error: expecting(phrase) }).regex(pattern, { error: expecting(phrase) });
}

export function nonEmpty(phrase: string) {
  return z.string({ error: expectingText(phrase) }).min(1, { error: expecting(phrase) });
}

/** Like nonEmpty, but problems never repeat the value. */
export function secret(phrase: string) {
  return z.string({ error: expectingText(phrase, describeKind) }).min(1, { error: expecting(phrase, describeKind) });
}

export function name(what: string) {
  return z
    .string({ error: expecting(what) })
    .regex(NAME_PATTERN, { error: expecting(`${what} ${NAME_RULE}`) });
}

/** A duration text within limits, converted to milliseconds. */
export function duration(limits: Limits) {
  const inRange = `a duration between ${formatDuration(limits.min)} and ${formatDuration(limits.max)}`;
  return z
    .string({ error: expecting('a duration like "20s"') })
    .regex(DURATION_PATTERN, { error: expecting('a duration like "20s", "1m30s" or "500ms"'), abort: true })
    .refine((text) => isWithin(parseDuration(text), limits), { error: expecting(inRange) })
    .transform(parseDuration);
}

export function isWithin(value: number, limits: Limits): boolean {
  return value >= limits.min && value <= limits.max;
}

export function url(protocols: RegExp, phrase: string) {
  return z.url({ protocol: protocols, error: expecting(phrase), abort: true });
}

/**
 * Unquoted digits are rejected rather than converted: YAML has already read them as a number,
 * dropping a leading "+" or "0", so the number the user meant is lost.
 */
export function quotedNumber(phrase: string) {
  return z.string({
    error: (issue) =>
      typeof issue.input === 'number'
        ? `expected ${phrase}, got the number ${issue.input} without quotes (YAML reads unquoted digits as a number and drops a leading "+" or "0")`
        : expectation(phrase, issue.input),
  });
}

/** A phone number in quotes; whether it is valid depends on a country (number-checks.ts). */
export function phoneNumberText(phrase: string) {
  return quotedNumber(phrase).regex(PHONE_NUMBER_PATTERN, { error: expecting(phrase) });
}

/** TECHNOLOGY/resource, one device: ARI originates one channel per phone, so no "&" lists. */
export const DIAL_STRING_PATTERN = /^[A-Za-z][A-Za-z0-9_]*\/[^\s&]+$/;

const COUNTRY_PHRASE = 'a two-letter country code (ISO 3166) like "DK"';

/** A country whose phone numbers nevermiss can normalise. */
export const CountrySchema = z
  .string({ error: expecting(COUNTRY_PHRASE) })
  .regex(/^[A-Z]{2}$/, { error: expecting(COUNTRY_PHRASE), abort: true })
  .refine(isPhoneCountry, { error: expecting(`${COUNTRY_PHRASE} that the phone-number library knows`), abort: true });

const TIME_ZONE_PHRASE = 'an IANA time zone like "Europe/Copenhagen"';

export const TimeZoneSchema = z
  .string({ error: expecting(TIME_ZONE_PHRASE) })
  .refine((zone) => IANAZone.isValidZone(zone), { error: expecting(TIME_ZONE_PHRASE), abort: true });

const LISTEN_PATTERN = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):[0-9]{1,5}$/;
const LISTEN_PHRASE = 'host:port like "127.0.0.1:8080"';

/** host:port of a listener, split into its host (brackets of an IPv6 address removed) and port. */
export const listen = z
  .string({ error: expecting(LISTEN_PHRASE) })
  .regex(LISTEN_PATTERN, { error: expecting(LISTEN_PHRASE), abort: true })
  .refine((text) => isWithin(splitHostPort(text).port, { min: 1, max: 65_535 }), {
    error: expecting('host:port with a port between 1 and 65535, like "127.0.0.1:8080"'),
  })
  .transform(splitHostPort);

function splitHostPort(text: string): { host: string; port: number } {
  const colon = text.lastIndexOf(':');
  return { host: text.slice(0, colon).replace(/^\[(.*)\]$/, '$1'), port: Number(text.slice(colon + 1)) };
}

/** A whole number within limits; a number written in quotes is told so. */
export function wholeNumber(limits: { readonly min: number; readonly max: number }, example: number): z.ZodNumber {
  const phrase = `a whole number between ${limits.min} and ${limits.max}, like ${example}`;
  return z
    .number({
      error: (issue) =>
        typeof issue.input === 'string' && /^[0-9]+$/.test(issue.input)
          ? `${expectation(phrase, issue.input)}; write it without quotes`
          : expectation(phrase, issue.input),
    })
    .int({ error: expecting(phrase) })
    .min(limits.min, { error: expecting(phrase) })
    .max(limits.max, { error: expecting(phrase) });
}

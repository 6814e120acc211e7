/**
 * How problems are worded: always what was expected, then what was found, in terms of what the
 * user wrote in YAML ("a list", "the number 20") rather than JavaScript types.
 */
import type { z } from 'zod';

type ErrorMap = (issue: z.core.$ZodRawIssue) => string | undefined;
type Describe = (value: unknown) => string;

/** `expected <phrase>, got <value>`, or for a key that is not there, that it is missing. */
export function expectation(phrase: string, input: unknown, describe: Describe = describeValue): string {
  return input === undefined ? `missing required key; expected ${phrase}` : `expected ${phrase}, got ${describe(input)}`;
}

/**
 * A schema-level error map that words any issue as `expectation(phrase, ...)`. Issues about keys
 * (unknown or misnamed) pass through to the per-key wording in issues.ts.
 */
export function expecting(phrase: string, describe: Describe = describeValue): ErrorMap {
  return (issue) => {
    if (issue.code === 'unrecognized_keys' || issue.code === 'invalid_key') return undefined;
    return expectation(phrase, issue.input, describe);
  };
}

/**
 * Like `expecting`, for free text such as a password, where YAML turning `123456` or `true` into
 * a number or a boolean is the likely mistake, and quotes the fix.
 */
export function expectingText(phrase: string, describe: Describe = describeValue): ErrorMap {
  return (issue) => {
    const message = expecting(phrase, describe)(issue);
    const isYamlScalar = typeof issue.input === 'number' || typeof issue.input === 'boolean';
    return message !== undefined && isYamlScalar ? `${message}; put it in quotes to use it as text` : message;
  };
}

const LONGEST_QUOTED_VALUE = 60;

export function describeValue(value: unknown): string {
  if (value === null) return 'an empty value';
  if (Array.isArray(value)) return value.length === 0 ? 'an empty list' : 'a list';
  switch (typeof value) {
    case 'string':
      return quote(withoutCredentials(value));
    case 'number':
      return `the number ${value}`;
    case 'boolean':
      return `the value ${value}`;
    case 'object':
      return Object.keys(value).length === 0 ? 'an empty map' : 'a map';
    default:
      return 'nothing';
  }
}

/** For secrets, which must not reach a terminal or a log: what kind of value it is, not what. */
export function describeKind(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return value === '' ? 'an empty string' : 'a string';
    case 'number':
      return 'a number';
    case 'boolean':
      return 'a true/false value';
    default:
      return describeValue(value);
  }
}

/** Secrets are never repeated in problems; their length is what the user needs to know. */
export function describeLength(value: unknown): string {
  return typeof value === 'string' && value !== '' ? `${value.length} characters` : describeKind(value);
}

/** A value in double quotes, shortened so a pasted certificate cannot flood the terminal. */
export function quote(text: string): string {
  const shown = text.length > LONGEST_QUOTED_VALUE ? `${text.slice(0, LONGEST_QUOTED_VALUE - 1)}…` : text;
  return JSON.stringify(shown);
}

const URL_CREDENTIALS = /^([A-Za-z][A-Za-z0-9+.-]*:\/\/)[^/@\s]*@/;

/** Problems are printed and logged, so a URL in one loses its user and password. */
function withoutCredentials(text: string): string {
  return text.replace(URL_CREDENTIALS, '$1…@');
}

/** `"a", "b" or "c"` */
export function alternatives(values: readonly string[]): string {
  const quoted = values.map(quote);
  const last = quoted.pop();
  if (last === undefined) return 'nothing';
  return quoted.length === 0 ? last : `${quoted.join(', ')} or ${last}`;
}

/** `a, b, c`, or `none` for an empty list: the tail of "known people: ...". */
export function listOrNone(names: readonly string[]): string {
  return names.length === 0 ? 'none' : names.join(', ');
}

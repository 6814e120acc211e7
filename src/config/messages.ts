/**
 * How problems are worded: always what was expected, then what was found, in terms of what the
 * user wrote in YAML ("a list", "the number 20") rather than JavaScript types.
 */
import type { z } from 'zod';

/** `expected <phrase>, got <value>`, or for a key that is not there, that it is missing. */
export function expectation(phrase: string, input: unknown): string {
  return input === undefined
    ? `missing required key; expected ${phrase}`
    : `expected ${phrase}, got ${describeValue(input)}`;
}

/**
 * A schema-level error map that words any issue as `expectation(phrase, ...)`. Issues about keys
 * (unknown or misnamed) pass through to the per-key wording in issues.ts.
 */
export function expecting(phrase: string): (issue: z.core.$ZodRawIssue) => string | undefined {
  return (issue) => {
    if (issue.code === 'unrecognized_keys' || issue.code === 'invalid_key') return undefined;
    return expectation(phrase, issue.input);
  };
}

const LONGEST_QUOTED_VALUE = 60;

export function describeValue(value: unknown): string {
  if (value === null) return 'an empty value';
  if (Array.isArray(value)) return value.length === 0 ? 'an empty list' : 'a list';
  switch (typeof value) {
    case 'string':
      return quote(value);
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

/** A value in double quotes, shortened so a pasted certificate cannot flood the terminal. */
export function quote(text: string): string {
  const shown = text.length > LONGEST_QUOTED_VALUE ? `${text.slice(0, LONGEST_QUOTED_VALUE - 1)}…` : text;
  return JSON.stringify(shown);
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

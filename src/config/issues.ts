/**
 * From zod issues to findings. Most schemas word their own issues (see `expecting`); this is
 * the wording for everything else, and the one place that knows zod's issue shapes.
 */
import { z } from 'zod';

import { alternatives, expectation } from './messages.js';
import type { Finding, Path } from './problems.js';

const TYPE_PHRASES: Readonly<Record<string, string>> = {
  string: 'a string',
  number: 'a number',
  boolean: 'true or false',
  array: 'a list',
  object: 'a map of "key: value" lines',
};

/** The per-parse error map: used for any issue its schema does not word itself. */
export function describeIssue(issue: z.core.$ZodRawIssue): string | undefined {
  switch (issue.code) {
    case 'invalid_type':
      return expectation(TYPE_PHRASES[issue.expected] ?? `a ${issue.expected}`, issue.input);
    case 'invalid_value':
      return expectation(alternatives(issue.values.map(String)), issue.input);
    case 'unrecognized_keys':
      // Completed per key by findingsFromIssues: `unknown key "x"; allowed keys: ...`.
      if (!(issue.inst instanceof z.ZodObject)) return undefined;
      return `allowed keys: ${Object.keys(issue.inst.shape).join(', ')}`;
    default:
      return undefined;
  }
}

export function findingsFromIssues(issues: readonly z.core.$ZodIssue[], prefix: Path = []): Finding[] {
  return issues.flatMap((issue): Finding[] => {
    const path = [...prefix, ...issue.path.map(toSegment)];
    switch (issue.code) {
      case 'unrecognized_keys':
        // One finding per key, each pointing at the key itself rather than at the map.
        return issue.keys.map((key) => ({
          path: [...path, key],
          at: 'key',
          message: `unknown key "${key}"; ${issue.message}`,
        }));
      case 'invalid_key':
        // The key's own schema words what a valid key looks like.
        return [{ path, at: 'key', message: issue.issues[0]?.message ?? issue.message }];
      case 'invalid_union':
        return findingsFromUnion(issue, path);
      default:
        return [{ path, message: issue.message }];
    }
  });
}

/**
 * A value that fits none of the alternatives of a union, like a phone that may be a dial string
 * or a map of settings. The alternative of the value's own type is the one the user meant, so its
 * problems are the ones to fix (`timeout: 20` in the map, say). When the type fits none, the
 * union's own message says what is allowed.
 */
function findingsFromUnion(issue: z.core.$ZodIssueInvalidUnion, path: Path): Finding[] {
  const meant = issue.errors.find((alternative) => !alternative.some(isTypeMismatch));
  return meant === undefined ? [{ path, message: issue.message }] : findingsFromIssues(meant, path);
}

/** An alternative of another type altogether: a string where a map was offered, or not the literal. */
function isTypeMismatch(issue: z.core.$ZodIssue): boolean {
  return issue.path.length === 0 && (issue.code === 'invalid_type' || issue.code === 'invalid_value');
}

function toSegment(segment: PropertyKey): Path[number] {
  return typeof segment === 'symbol' ? String(segment) : segment;
}

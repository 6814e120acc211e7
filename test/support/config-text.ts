/**
 * Config texts for the config tests: one small valid base file, edits to it by line number, and
 * the problems the loader reports, as FILE:LINE:COL lines.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { formatProblem, parseConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/types.js';

/**
 * A small valid config. Cases replace lines by the numbers below; expected positions count the
 * lines of the changed text, so they match these numbers up to the first added or removed line.
 */
export const MINIMAL_LINES: readonly string[] = [
  'ari:', //                                 1
  '  url: http://127.0.0.1:8088', //         2
  '  username: nevermiss', //                3
  '  password: secret', //                   4
  'prompts:', //                             5
  '  source: sound', //                      6
  'people:', //                              7
  '  owner:', //                             8
  '    phones:', //                          9
  '      desk: PJSIP/owner-desk', //         10
  '      mobile: PJSIP/owner-mobile', //     11
  '  colleague:', //                         12
  '    phones:', //                          13
  '      mobile: PJSIP/colleague-mobile', // 14
  'routes:', //                              15
  '  main:', //                              16
  '    numbers: ["+4530123456"]', //         17
  '    hunt:', //                            18
  '      - ring: [owner]', //                19
  '        timeout: 20s', //                 20
  'defaultRoute: main', //                   21
];

export type LineChanges = Readonly<Record<number, string | readonly string[]>>;

/** `base` with line N (1-based) replaced by the given line(s); [] deletes it. */
export function linesWith(base: readonly string[], changes: LineChanges = {}): string[] {
  return base.flatMap((line, index) => changes[index + 1] ?? line);
}

/** `base` with the changes, as the text of a file. */
export function textWith(base: readonly string[], changes: LineChanges = {}): string {
  return `${linesWith(base, changes).join('\n')}\n`;
}

export function problemLines(text: string, env: Readonly<Record<string, string>> = {}): string[] {
  const result = parseConfig(text, 'test.yaml', env);
  return result.ok ? [] : result.problems.map(formatProblem);
}

export function validConfig(text: string, env: Readonly<Record<string, string>> = {}, file = 'test.yaml'): Config {
  const result = parseConfig(text, file, env);
  if (!result.ok) assert.fail(`expected a valid config, got:\n${result.problems.map(formatProblem).join('\n')}`);
  return result.config;
}

export interface ProblemCase {
  readonly name: string;
  readonly text: string;
  readonly env?: Readonly<Record<string, string>>;
  readonly expected: readonly string[];
}

/** One test per case: the text's problems are exactly the expected lines. */
export function testProblems(group: string, cases: readonly ProblemCase[]): void {
  for (const { name, text, env, expected } of cases) {
    test(`${group}: ${name}`, () => assert.deepEqual(problemLines(text, env), expected));
  }
}

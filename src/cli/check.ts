/**
 * `nevermiss check [-c file] [--offline]`: validates a config file with the same loader the
 * service uses, so a file that passes here is a file the service accepts; then the prompt files of
 * the languages its routes use, each complete against English.
 */
import { ErrorCodes, isNevermissError } from '../errors.js';
import { formatProblem, parseConfig, readConfigFile } from '../config/load.js';
import type { Environment } from '../config/load.js';
import { promptFileProblems } from '../languages/languages.js';

export interface CheckOptions {
  /**
   * `check --offline`: a file away from its secrets (on a laptop, before a deploy). Variables
   * that are not set are listed, not reported as problems, unless a value can't be checked without them.
   */
  readonly offline?: boolean;
}

/** Prints every problem, one per line, or a one-line summary. Returns the process exit code. */
export function runCheck(file: string, env: Environment, out: (line: string) => void, options: CheckOptions = {}): number {
  let text: string;
  try {
    text = readConfigFile(file);
  } catch (error) {
    if (!isNevermissError(error, ErrorCodes.CONFIG_UNREADABLE)) throw error;
    out(error.message);
    return 1;
  }

  const result = parseConfig(text, file, env, { unsetVariables: options.offline === true ? 'placeholder' : 'problem' });
  if (!result.ok) {
    for (const problem of result.problems) out(formatProblem(problem));
    return 1;
  }
  const { routes, people } = result.config;
  // The prompt files of the languages in use: each complete, so no caller meets a missing sentence.
  const languages = [...new Set(Object.values(routes).map((route) => route.language))].sort();
  const promptProblems = languages.flatMap((language) => promptFileProblems(language));
  if (promptProblems.length > 0) {
    for (const problem of promptProblems) out(`${file}: ${problem}`);
    return 1;
  }
  out(`${file}: OK (${count(routes, 'route', 'routes')}, ${count(people, 'person', 'people')})`);
  if (result.unsetVariables.length > 0) {
    out(`not set here, and needed by "nevermiss serve": ${result.unsetVariables.join(', ')}`);
  }
  return 0;
}

function count(entries: object, one: string, many: string): string {
  const n = Object.keys(entries).length;
  return `${n} ${n === 1 ? one : many}`;
}

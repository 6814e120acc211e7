/**
 * The one way to read configuration, used by the service and by `nevermiss check` alike:
 * YAML text -> every problem with its line and column, or a validated, deeply frozen Config.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

import { describeError, ErrorCodes, NevermissError } from '../errors.js';
import { buildConfig } from './build.js';
import { withConfigChanges } from './changes.js';
import { substituteEnvironment } from './env.js';
import type { DeferredVariable, Environment, UnsetVariables } from './env.js';
import { deepFreeze } from './freeze.js';
import { checkHttp } from './http-checks.js';
import { checkLanguages } from './language-checks.js';
import { checkOpeningHours } from './hours-checks.js';
import { describeIssue, findingsFromIssues } from './issues.js';
import { checkMetrics } from './metrics-checks.js';
import { checkNotifications } from './notify-checks.js';
import { checkPhoneNumbers } from './number-checks.js';
import { byPosition, formatPath, formatProblem } from './problems.js';
import type { ConfigProblem, Finding } from './problems.js';
import { checkReferences } from './references.js';
import { ConfigFileSchema } from './schema.js';
import { checkStatus } from './status-checks.js';
import type { Config } from './types.js';
import { locate, readYaml } from './yaml-source.js';

export { formatProblem } from './problems.js';
export type { ConfigProblem } from './problems.js';
export type { Environment } from './env.js';

export type ParseResult =
  | {
      ok: true;
      config: Config;
      /** Only with `unsetVariables: 'placeholder'`: the variables not set, whose values hold placeholders. */
      unsetVariables: readonly string[];
    }
  | { ok: false; problems: ConfigProblem[] };

export interface ParseOptions {
  /**
   * 'placeholder' for commands that use no secret (`explain`, `check --offline`): a variable
   * that is not set is a problem only where a placeholder is not a valid value. The resulting
   * Config must never reach anything that connects or sends. Default 'problem'.
   */
  readonly unsetVariables?: UnsetVariables;
}

/**
 * Validates config text. `file` names it in problems (as given) and anchors relative paths
 * (made absolute). Reports every problem at once, in the order they appear in the file.
 */
export function parseConfig(text: string, file: string, env: Environment, options: ParseOptions = {}): ParseResult {
  const { source, findings: yamlFindings } = readYaml(text);
  const problemsFrom = (findings: readonly Finding[]): ConfigProblem[] =>
    findings.map((finding) => locate(source, finding, file)).sort(byPosition);

  // Until the text is sound YAML its meaning is a guess, and so would be any further problem.
  if (yamlFindings.length > 0) return { ok: false, problems: problemsFrom(yamlFindings) };

  const substituted = substituteEnvironment(source.document, env, options.unsetVariables);
  const raw: unknown = source.document.toJS();
  const parsed = ConfigFileSchema.safeParse(raw, { error: describeIssue });
  const contentFindings = withConfigChanges([
    ...(parsed.success ? [] : findingsFromIssues(parsed.error.issues)),
    ...checkRelations(raw),
  ]);
  // A placeholder that is not a valid value where it stands: that variable is needed after all.
  const needed = substituted.deferred.filter((deferred) => isEchoed(deferred, contentFindings));
  const environmentFindings = [...substituted.findings, ...needed];
  const findings = [...environmentFindings, ...withoutEchoes(contentFindings, environmentFindings)];

  if (parsed.success && findings.length === 0) {
    const unsetVariables = [...new Set(substituted.deferred.map((deferred) => deferred.variable))].sort();
    return { ok: true, config: deepFreeze(buildConfig(parsed.data, resolve(file))), unsetVariables };
  }
  return { ok: false, problems: problemsFrom(findings) };
}

/** Checks that relate entries to one another: on the raw document, so they run even when other parts are invalid. */
function checkRelations(raw: unknown): Finding[] {
  return [
    ...checkReferences(raw),
    ...checkStatus(raw),
    ...checkOpeningHours(raw),
    ...checkPhoneNumbers(raw),
    ...checkNotifications(raw),
    ...checkHttp(raw),
    ...checkMetrics(raw),
    ...checkLanguages(raw),
  ];
}

/**
 * A value whose `${VAR}` could not be substituted still holds the reference, which is rarely a
 * valid value; report the missing variable, not also the content it left behind. Findings about
 * the key (an unknown key, say) stay: they are a separate mistake.
 */
function withoutEchoes(findings: readonly Finding[], environmentFindings: readonly Finding[]): Finding[] {
  const unsubstituted = new Set(environmentFindings.map((finding) => formatPath(finding.path)));
  return findings.filter((finding) => finding.at === 'key' || !unsubstituted.has(formatPath(finding.path)));
}

function isEchoed(deferred: DeferredVariable, findings: readonly Finding[]): boolean {
  const path = formatPath(deferred.path);
  return findings.some((finding) => finding.at !== 'key' && formatPath(finding.path) === path);
}

/**
 * Reads and validates a config file.
 * @throws NevermissError NM_CONFIG_UNREADABLE when the file cannot be read, NM_CONFIG_INVALID
 *   (details.problems, one formatted problem per line of the message) when it is not valid.
 */
export function loadConfig(file: string, env: Environment = process.env, options: ParseOptions = {}): Config {
  const result = parseConfig(readConfigFile(file), file, env, options);
  if (result.ok) return result.config;
  const problems = deepFreeze(result.problems);
  throw new NevermissError(ErrorCodes.CONFIG_INVALID, problems.map(formatProblem).join('\n'), { problems });
}

/** @throws NevermissError NM_CONFIG_UNREADABLE, saying which file and what to do about it. */
export function readConfigFile(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new NevermissError(
      ErrorCodes.CONFIG_UNREADABLE,
      `cannot read config file ${file}: ${whyUnreadable(error)}`,
      { file },
      { cause: error },
    );
  }
}

function whyUnreadable(error: unknown): string {
  switch (error instanceof Error && 'code' in error ? error.code : undefined) {
    case 'ENOENT':
      return 'it does not exist; create it (config/nevermiss.example.yaml is a documented starting point) or give the path of an existing file';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied; make it readable by the user nevermiss runs as';
    case 'EISDIR':
      return 'it is a folder; give the path of the YAML file inside it';
    default:
      return `${describeError(error)}; check that the path names a readable file`;
  }
}

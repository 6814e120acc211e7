/**
 * `${VAR}` and `${VAR:-default}` in string values, so that secrets such as the ARI password stay
 * out of the file. Substitution happens on the parsed document rather than on the raw text, so
 * a variable can never change the structure of the YAML, and each problem points at its value.
 */
import { isScalar } from 'yaml';
import type { Document } from 'yaml';

import { quote } from './messages.js';
import type { Finding } from './problems.js';
import { forEachNode } from './yaml-source.js';

export type Environment = Readonly<Record<string, string | undefined>>;

/**
 * What a reference to a variable that is not set becomes: a problem (the service, `check`), or a
 * placeholder, for commands that use none of the secrets (`explain`, `check --offline`): the
 * loader then reports the variable only when the placeholder is not a valid value there.
 */
export type UnsetVariables = 'problem' | 'placeholder';

/** A reference replaced by a placeholder, and where. */
export interface DeferredVariable {
  readonly path: Finding['path'];
  readonly variable: string;
  readonly message: string;
}

/**
 * Printable ASCII without spaces and longer than any minimum length of a secret, so that it
 * passes as a secret, a user name, a password or part of a URL; it names its variable.
 */
export function placeholderFor(variable: string): string {
  return `unset.${variable}.${'x'.repeat(40)}`;
}

/** `$${` is a literal `${`; `${...}` a reference; a lone `${` a reference someone forgot to close. */
const REFERENCE = /\$\$\{|\$\{([^}]*)\}|\$\{/g;
const REFERENCE_BODY = /^([A-Za-z_][A-Za-z0-9_]*)(?::-(.*))?$/s;
const SYNTAX = '${VAR} or ${VAR:-default}, where VAR uses letters, digits and "_"';

/**
 * Replaces every reference in the document's string values in place. A reference that cannot be
 * resolved is left as written, and reported.
 */
export function substituteEnvironment(
  document: Document.Parsed,
  env: Environment,
  unset: UnsetVariables = 'problem',
): { findings: Finding[]; deferred: DeferredVariable[] } {
  const findings: Finding[] = [];
  const deferred: DeferredVariable[] = [];
  forEachNode(document.contents, (node, path) => {
    if (!isScalar(node) || typeof node.value !== 'string') return;
    const { text, problems, missing } = expandReferences(node.value, env, unset);
    node.value = text;
    findings.push(...problems.map((message) => ({ path, message })));
    deferred.push(...missing.map(({ variable, message }) => ({ path, variable, message })));
  });
  return { findings, deferred };
}

/** Shell semantics: `${VAR:-default}` also applies the default when VAR is set but empty. */
export function expandReferences(
  text: string,
  env: Environment,
  unset: UnsetVariables = 'problem',
): { text: string; problems: string[]; missing: { variable: string; message: string }[] } {
  const problems: string[] = [];
  const missing: { variable: string; message: string }[] = [];
  const expanded = text.replace(REFERENCE, (reference: string, body?: string) => {
    if (reference === '$${') return '${';
    const parsed = body === undefined ? null : REFERENCE_BODY.exec(body);
    if (parsed === null) {
      problems.push(`malformed environment reference ${quote(reference)}; expected ${SYNTAX}`);
      return reference;
    }
    const [, variable = '', fallback] = parsed;
    const value = env[variable];
    if (value !== undefined && !(value === '' && fallback !== undefined)) return value;
    if (fallback !== undefined) return fallback;
    const message = `environment variable ${variable} is not set; set it or write \${${variable}:-default}`;
    if (unset === 'placeholder') {
      missing.push({ variable, message });
      return placeholderFor(variable);
    }
    problems.push(message);
    return reference;
  });
  return { text: expanded, problems, missing };
}

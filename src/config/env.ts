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

/** `$${` is a literal `${`; `${...}` a reference; a lone `${` a reference someone forgot to close. */
const REFERENCE = /\$\$\{|\$\{([^}]*)\}|\$\{/g;
const REFERENCE_BODY = /^([A-Za-z_][A-Za-z0-9_]*)(?::-(.*))?$/s;
const SYNTAX = '${VAR} or ${VAR:-default}, where VAR uses letters, digits and "_"';

/**
 * Replaces every reference in the document's string values in place. A reference that cannot be
 * resolved is left as written, and reported.
 */
export function substituteEnvironment(document: Document.Parsed, env: Environment): Finding[] {
  const findings: Finding[] = [];
  forEachNode(document.contents, (node, path) => {
    if (!isScalar(node) || typeof node.value !== 'string') return;
    const { text, problems } = expandReferences(node.value, env);
    node.value = text;
    findings.push(...problems.map((message) => ({ path, message })));
  });
  return findings;
}

/** Shell semantics: `${VAR:-default}` also applies the default when VAR is set but empty. */
export function expandReferences(text: string, env: Environment): { text: string; problems: string[] } {
  const problems: string[] = [];
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
    problems.push(`environment variable ${variable} is not set; set it or write \${${variable}:-default}`);
    return reference;
  });
  return { text: expanded, problems };
}

/**
 * The YAML layer: parse the text into a Document that keeps every node's source range, walk it,
 * and turn a key path back into the line and column where the user wrote it.
 */
import { isAlias, isMap, isNode, isScalar, isSeq, LineCounter, parseDocument, visit } from 'yaml';
import type { Document, YAMLError } from 'yaml';

import { formatPath } from './problems.js';
import type { ConfigProblem, Finding, Path } from './problems.js';

export interface YamlSource {
  readonly document: Document.Parsed;
  readonly lineCounter: LineCounter;
}

/** The parsed document, plus findings for anything that is not sound YAML. */
export function readYaml(text: string): { source: YamlSource; findings: Finding[] } {
  const lineCounter = new LineCounter();
  // uniqueKeys is off because findDuplicateKeys says more than yaml's "Map keys must be unique".
  const document = parseDocument(text, { lineCounter, uniqueKeys: false, prettyErrors: false });
  const source = { document, lineCounter };
  const findings = [
    ...firstErrorPerLine(source).map(syntaxFinding),
    ...findDuplicateKeys(source),
    ...findUnresolvedAliases(source),
  ];
  return { source, findings };
}

/** One mistake often confuses the parser for the rest of its line; the first error is the one to fix. */
function firstErrorPerLine({ document, lineCounter }: YamlSource): YAMLError[] {
  const lineOf = (error: YAMLError): number => lineCounter.linePos(error.pos[0]).line;
  const seenLines = new Set<number>();
  return document.errors.filter((error) => {
    const line = lineOf(error);
    if (seenLines.has(line)) return false;
    seenLines.add(line);
    return true;
  });
}

function syntaxFinding(error: YAMLError): Finding {
  return { path: [], at: { offset: error.pos[0] }, message: describeYamlError(error) };
}

/** yaml's own words, except where they speak to a programmer rather than to whoever edits the file. */
function describeYamlError(error: YAMLError): string {
  switch (error.code) {
    case 'MULTIPLE_DOCS':
      return 'invalid YAML: the file holds more than one document; remove the "---" line so it holds one';
    case 'TAB_AS_INDENT':
      return 'invalid YAML: a tab is used for indentation; indent with spaces';
    default:
      return `invalid YAML: ${error.message}`;
  }
}

function findDuplicateKeys(source: YamlSource): Finding[] {
  const findings: Finding[] = [];
  forEachNode(source.document.contents, (node, path) => {
    if (!isMap(node)) return;
    const firstKeyByName = new Map<string, unknown>();
    for (const { key } of node.items) {
      const name = keyName(key);
      const firstKey = firstKeyByName.get(name);
      if (firstKey === undefined) {
        firstKeyByName.set(name, key);
        continue;
      }
      const firstLine = source.lineCounter.linePos(startOf(firstKey) ?? 0).line;
      findings.push({
        path: [...path, name],
        at: { offset: startOf(key) ?? 0 },
        message: `duplicate key "${name}" (first on line ${firstLine}); write each key once`,
      });
    }
  });
  return findings;
}

/**
 * yaml reads an unquoted value that starts with "*" as an alias, and only fails when the
 * document is converted: a feature code written as *70 instead of "*70" would otherwise stop
 * the loader with an exception instead of a problem at its line.
 */
function findUnresolvedAliases({ document }: YamlSource): Finding[] {
  const findings: Finding[] = [];
  visit(document, {
    Alias(_key, alias) {
      if (alias.resolve(document) !== undefined) return;
      findings.push({
        path: [],
        at: { offset: alias.range?.[0] ?? 0 },
        message: `invalid YAML: *${alias.source} refers to an anchor &${alias.source} that is not defined; to write text that starts with "*", put it in quotes, like "*${alias.source}"`,
      });
    },
  });
  return findings;
}

/**
 * Calls `visit` for every value in the tree (not for keys), with its path. Aliases are not
 * followed: the node they point at is visited where it is written.
 */
export function forEachNode(node: unknown, visit: (node: unknown, path: Path) => void, path: Path = []): void {
  visit(node, path);
  if (isMap(node)) {
    for (const pair of node.items) forEachNode(pair.value, visit, [...path, keyName(pair.key)]);
  } else if (isSeq(node)) {
    node.items.forEach((item, index) => forEachNode(item, visit, [...path, index]));
  }
}

/** A map key as it appears in the plain object `toJS()` builds. */
function keyName(key: unknown): string {
  return isScalar(key) ? String(key.value) : String(key);
}

/**
 * Where a finding points. A missing key has no source of its own, so it points at the key that
 * names the map it is missing from, or at the map itself when that map has no key (the top
 * level, or an item of a list).
 */
export function locate(source: YamlSource, finding: Finding, file: string): ConfigProblem {
  const { at = 'value' } = finding;
  const offset = typeof at === 'object' ? at.offset : offsetOf(source.document, finding.path, at);
  const { line, col } = source.lineCounter.linePos(offset);
  return { file, line, col, path: formatPath(finding.path), message: finding.message };
}

function offsetOf(document: Document.Parsed, path: Path, at: 'key' | 'value'): number {
  let node: unknown = document.contents;
  let key: unknown = undefined; // the key `node` is written under, when its parent is a map
  let nearest = startOf(node) ?? 0; // the deepest place on the path that has text
  for (const segment of path) {
    const child = childAt(document, node, segment);
    if (child === undefined) return nearest;
    ({ node, key } = child);
    nearest = startOf(key) ?? startOf(node) ?? nearest;
  }
  return (at === 'key' ? startOf(key) : startOf(node)) ?? nearest;
}

function childAt(
  document: Document.Parsed,
  parent: unknown,
  segment: string | number,
): { node: unknown; key: unknown } | undefined {
  const container = isAlias(parent) ? parent.resolve(document) : parent;
  if (isMap(container)) {
    const pair = container.items.find((item) => keyName(item.key) === String(segment));
    return pair === undefined ? undefined : { node: pair.value, key: pair.key };
  }
  if (isSeq(container) && typeof segment === 'number' && segment < container.items.length) {
    return { node: container.items[segment], key: undefined };
  }
  return undefined;
}

/** Where a node's text starts; undefined when nothing is written there (`key:` with no value). */
function startOf(node: unknown): number | undefined {
  if (!isNode(node) || node.range == null) return undefined;
  const [start, valueEnd] = node.range;
  return start === valueEnd ? undefined : start;
}

/**
 * Keys that a release renamed or removed, so that `check` (and the service) can say what
 * changed instead of only "unknown key" after an upgrade. Every release that renames or removes
 * a key adds a line here and a line in CHANGELOG.md (see "Versioning" there); the table only
 * grows, so a config written for any older version gets the news.
 */
import type { Finding, Path } from './problems.js';

export interface ConfigChange {
  /** The old key's path; "*" stands for any one key (a route's or a person's name) or list index. */
  readonly path: readonly string[];
  /** The version that made the change. */
  readonly version: string;
  /** Where the setting is now, as a key path, or null when it is gone. */
  readonly movedTo: string | null;
  /** What to do instead, one sentence. */
  readonly advice: string;
}

/** Empty while no release has renamed or removed a key (0.1.0 is the first). */
export const CONFIG_CHANGES: readonly ConfigChange[] = [];

/**
 * Rewords each "unknown key" finding whose key a release renamed or removed: which version,
 * where it went, what to do. Other findings pass unchanged.
 */
export function withConfigChanges(findings: readonly Finding[], changes: readonly ConfigChange[] = CONFIG_CHANGES): Finding[] {
  return findings.map((finding) => {
    if (finding.at !== 'key' || !finding.message.startsWith('unknown key')) return finding;
    const change = changes.find((candidate) => matches(candidate.path, finding.path));
    if (change === undefined) return finding;
    const key = String(finding.path[finding.path.length - 1]);
    const what =
      change.movedTo === null
        ? `"${key}" was removed in version ${change.version}`
        : `"${key}" was renamed to ${change.movedTo} in version ${change.version}`;
    return { ...finding, message: `${what}: ${change.advice} (CHANGELOG.md says more)` };
  });
}

function matches(pattern: readonly string[], path: Path): boolean {
  return pattern.length === path.length && pattern.every((segment, i) => segment === '*' || segment === String(path[i]));
}

/**
 * What is wrong with a config file, and where. Checks report a `Finding` (a key path and a
 * sentence); the loader pins each one to a line and column of the YAML source.
 */

export interface ConfigProblem {
  /** The file as the user named it, so the line can be pasted into an editor. */
  readonly file: string;
  /** 1-based. */
  readonly line: number;
  /** 1-based. */
  readonly col: number;
  /** Like `routes.main.hunt[1].timeout`; empty for the file as a whole. */
  readonly path: string;
  /** What is wrong and what is expected instead. */
  readonly message: string;
}

/** Keys and list indexes from the top of the document down. */
export type Path = readonly (string | number)[];

/**
 * Which part of the source a finding points at: the value at its path, the key that names it
 * (for unknown or misnamed keys), or an offset into the text (for problems in the YAML itself).
 */
export type Anchor = 'value' | 'key' | { readonly offset: number };

export interface Finding {
  readonly path: Path;
  readonly message: string;
  readonly at?: Anchor;
}

const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** `routes.main.hunt[1].timeout`; a key that would read ambiguously is quoted: `people["a b"]`. */
export function formatPath(path: Path): string {
  return path.reduce<string>((text, segment) => {
    if (typeof segment === 'number') return `${text}[${segment}]`;
    if (!PLAIN_KEY.test(segment)) return `${text}[${JSON.stringify(segment)}]`;
    return text === '' ? segment : `${text}.${segment}`;
  }, '');
}

/** `FILE:LINE:COL key.path: message`, the shape editors and terminals turn into links. */
export function formatProblem(problem: ConfigProblem): string {
  const where = `${problem.file}:${problem.line}:${problem.col}`;
  return problem.path === '' ? `${where}: ${problem.message}` : `${where} ${problem.path}: ${problem.message}`;
}

/** Reading order: by line, then column. Array.prototype.sort is stable, so ties keep check order. */
export function byPosition(a: ConfigProblem, b: ConfigProblem): number {
  return a.line - b.line || a.col - b.col;
}

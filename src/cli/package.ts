/**
 * Where the nevermiss package is and which version it is. The CLI runs from src/cli/ in a
 * checkout and from dist/cli/ when installed; both are two folders below the package's root.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PACKAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export function packageVersion(): string {
  const manifest = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version?: unknown };
  return typeof manifest.version === 'string' ? manifest.version : 'unknown';
}

/** True when the package was installed by npm (globally or into a project), not a checkout. */
export function isInstalledPackage(root: string = PACKAGE_ROOT): boolean {
  return root.split(sep).includes('node_modules');
}

/** True when `path` is `root` or inside it. */
export function isInside(path: string, root: string = PACKAGE_ROOT): boolean {
  const rel = relative(root, resolve(path));
  return rel === '' || (!rel.startsWith('..') && !rel.startsWith(sep) && rel !== '..');
}

/** docker-compose.yml is for users with Docker; no engine runs here, so it is validated offline. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..', '..');

test('docker-compose.yml is valid (docker-compose config -q)', () => {
  // Throws with docker-compose's own message when the file is invalid.
  execFileSync('docker-compose', ['-f', 'docker-compose.yml', 'config', '-q'], { cwd: ROOT, stdio: 'pipe' });
});

test("the Asterisk image installs the same packages as the test bench's chroot", () => {
  const dockerfile = readFileSync(resolve(ROOT, 'docker/asterisk/Dockerfile'), 'utf8');
  const sandbox = readFileSync(resolve(ROOT, 'scripts/sandbox.sh'), 'utf8');
  const packages = ['asterisk', 'asterisk-modules', 'asterisk-core-sounds-en'];
  assert.match(dockerfile, /FROM debian:sid/);
  for (const pkg of packages) {
    assert.match(dockerfile, new RegExp(`\\b${pkg}\\b`), `docker/asterisk/Dockerfile installs ${pkg}`);
    assert.match(sandbox, new RegExp(`\\b${pkg}\\b`), `scripts/sandbox.sh installs ${pkg}`);
  }
});

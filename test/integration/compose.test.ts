/** docker-compose.yml is for users with Docker; no engine runs here, so it is validated offline. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'yaml';

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

/** The compose file as docker-compose reads it (anchors and defaults resolved). */
function resolvedCompose(): { services: Record<string, { profiles?: string[]; command?: string[]; logging?: { driver?: string; options?: Record<string, string> }; depends_on?: Record<string, unknown> }> } {
  const text = execFileSync('docker-compose', ['-f', 'docker-compose.yml', 'config'], { cwd: ROOT, encoding: 'utf8', stdio: 'pipe' });
  return parse(text) as ReturnType<typeof resolvedCompose>;
}

test('without a profile only nevermiss and Redis start (an existing PBX); --profile pbx adds the Asterisk', () => {
  const { services } = resolvedCompose();
  assert.deepEqual(Object.keys(services).sort(), ['asterisk', 'nevermiss', 'redis']);
  assert.deepEqual(services['asterisk']?.profiles, ['pbx']);
  assert.equal(services['nevermiss']?.profiles, undefined);
  assert.equal(services['redis']?.profiles, undefined);
  // A service may not depend on one that its profile leaves out.
  assert.deepEqual(Object.keys(services['nevermiss']?.depends_on ?? {}), ['redis']);
});

test("every container's log is rotated: json-file, at most 5 files of 10 MB", () => {
  for (const [name, service] of Object.entries(resolvedCompose().services)) {
    assert.equal(service.logging?.driver, 'json-file', name);
    assert.deepEqual(service.logging?.options, { 'max-size': '10m', 'max-file': '5' }, name);
  }
});

test('Redis keeps every write (append-only file, fsync every second) and never evicts a key', () => {
  const command = resolvedCompose().services['redis']?.command ?? [];
  const option = (name: string): string | undefined => command[command.indexOf(`--${name}`) + 1];
  assert.equal(option('appendonly'), 'yes');
  assert.equal(option('appendfsync'), 'everysec');
  assert.equal(option('maxmemory-policy'), 'noeviction');
});

test("the README and docs/docker.md give the compose file's own commands", () => {
  const compose = readFileSync(resolve(ROOT, 'docker-compose.yml'), 'utf8');
  const commands = [...compose.matchAll(/^#\s+(docker compose [^\n]*?--build)/gm)].map((match) => match[1]);
  assert.deepEqual(commands, ['docker compose up -d --build', 'docker compose --profile pbx up -d --build']);
  for (const doc of ['README.md', 'docs/docker.md']) {
    const text = readFileSync(resolve(ROOT, doc), 'utf8');
    for (const command of commands) assert.ok(text.includes(command), `${doc} says "${command}"`);
    assert.doesNotMatch(text, /docker compose up(?! -d --build)/, `${doc} has no other "docker compose up"`);
  }
});

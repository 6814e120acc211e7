/**
 * The guides in docs/ against what they describe: links that lead somewhere, the Asterisk
 * settings the test bench's sandbox PBX runs with (every e2e test proves those), the contexts
 * and globals of the dialplan snippet, and the options of the nevermiss command.
 * (The backup and restore scripts of docs/redis.md run in redis-guide.test.ts, the compose
 * commands in compose.test.ts, the systemd unit in package.test.ts.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..', '..');
const GUIDES = readdirSync(join(ROOT, 'docs'))
  .filter((name) => name.endsWith('.md'))
  .map((name) => `docs/${name}`);
const read = (file: string): string => readFileSync(join(ROOT, file), 'utf8');
const snippet = read('dialplan/nevermiss.conf');

/** The fenced blocks of one language in a markdown text. */
function blocks(text: string, language: string): string[] {
  return [...text.matchAll(new RegExp('```' + language + '\\n([\\s\\S]*?)```', 'g'))].map((match) => match[1] ?? '');
}

/** `key = value` lines of an Asterisk .conf text, comments dropped. */
function settings(text: string): Map<string, string> {
  const found = new Map<string, string>();
  for (const raw of text.split('\n')) {
    const line = raw.replace(/;.*$/, '').trim();
    const match = /^([a-z_]+)\s*=\s*(.*)$/.exec(line);
    if (match) found.set(match[1] ?? '', (match[2] ?? '').trim());
  }
  return found;
}

test('every relative link of the README, the CHANGELOG and the guides leads to a file of the repository', () => {
  for (const file of ['README.md', 'CHANGELOG.md', ...GUIDES]) {
    for (const match of read(file).matchAll(/\]\(([^)\s]+)\)/g)) {
      const target = (match[1] ?? '').split('#')[0] ?? '';
      if (target === '' || /^[a-z]+:/.test(target)) continue;
      assert.ok(existsSync(resolve(ROOT, dirname(file), target)), `${file} links to ${target}, which does not exist`);
    }
  }
});

test("docs/asterisk.md's http.conf and ari.conf are the settings the sandbox PBX runs with", () => {
  const ini = blocks(read('docs/asterisk.md'), 'ini');
  const http = ini.find((block) => block.includes('bindport') && !block.includes('tlsenable'));
  const ari = ini.find((block) => block.includes('type = user'));
  assert.ok(http !== undefined && ari !== undefined, 'docs/asterisk.md has an http.conf and an ari.conf block');
  const cases: [string, string][] = [
    [http, 'sandbox/asterisk/http.conf'],
    [ari, 'sandbox/asterisk/ari.conf'],
  ];
  for (const [block, file] of cases) {
    const sandbox = settings(read(file));
    for (const [key, value] of settings(block)) {
      assert.ok(sandbox.has(key), `${file} has ${key}`);
      if (key !== 'password') assert.equal(value, sandbox.get(key), `${key} in docs/asterisk.md and ${file}`);
    }
  }
});

test('the contexts the guides send calls to, and the globals they set, are those of the dialplan snippet', () => {
  for (const file of ['docs/asterisk.md', 'docs/freepbx.md']) {
    const text = read(file);
    const contexts = new Set([...text.matchAll(/\b(nevermiss-[a-z-]+)\s*,|include => (nevermiss-[a-z-]+)/g)].map((match) => match[1] ?? match[2] ?? ''));
    // Contexts the guide itself defines (FreePBX's hand-over context) are not the snippet's.
    const own = new Set(blocks(text, 'ini').flatMap((block) => [...block.matchAll(/^\[([a-z-]+)\]/gm)].map((match) => match[1] ?? '')));
    for (const context of own) contexts.delete(context);
    assert.ok(contexts.size >= 2, `${file} names the snippet's contexts`);
    for (const context of contexts) assert.match(snippet, new RegExp(`^\\[${context}\\]`, 'm'), `${file}: [${context}] is in the snippet`);
    for (const block of blocks(text, 'ini')) {
      for (const match of block.matchAll(/^(NEVERMISS_[A-Z_]+)=/gm)) {
        assert.ok(snippet.includes(`\${${match[1] ?? ''}}`), `${file} sets ${match[1] ?? ''}, which the snippet reads`);
      }
    }
  }
});

const COMMANDS = new Set(['serve', 'check', 'callbacks', 'login-link', 'explain', 'status', 'report', 'export', 'forget', 'prompts']);

test('every option of a nevermiss command in the guides is an option of that command', () => {
  const help = new Map<string, string>();
  const helpOf = (command: string): string => {
    let text = help.get(command);
    if (text === undefined) {
      text = execFileSync(process.execPath, [join(ROOT, 'bin', 'nevermiss.js'), ...command.split(' '), '--help'], { encoding: 'utf8' });
      help.set(command, text);
    }
    return text;
  };
  let checked = 0;
  for (const file of GUIDES) {
    for (const block of [...blocks(read(file), 'sh'), ...[...read(file).matchAll(/`(nevermiss [^`]+)`/g)].map((match) => match[1] ?? '')]) {
      for (const line of block.split('\n')) {
        // `nevermiss check ...`, `.../bin/nevermiss.js check ...`, not `docker compose run --rm nevermiss node ...`.
        const match = /(?:^|[\s/])nevermiss(?:\.js)? ((?:prompts |callbacks |status )?[a-z-]+)((?: [^|;#]*)?)/.exec(line);
        if (match === null) continue;
        const command = match[1] ?? '';
        if (!COMMANDS.has(command.split(' ')[0] ?? '')) continue;
        for (const option of (match[2] ?? '').matchAll(/\s(--?[a-z][a-z-]*)/g)) {
          assert.match(helpOf(command), new RegExp(`\\s${option[1] ?? ''}\\b`), `${file}: "nevermiss ${command}" has ${option[1] ?? ''}`);
          checked++;
        }
      }
    }
  }
  assert.ok(checked >= 5, `checked ${checked} options`);
});

/** The `nevermiss` command as a user runs it: exit codes and output, against the real Redis. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { deleteNevermissKeys } from '../support/redis.js';
import { createCallbackStore } from '../../src/callbacks/store.js';
import { createJobQueue } from '../../src/callbacks/job-queue.js';

const ROOT = resolve(import.meta.dirname, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'nevermiss-cli-'));
const prefix = `nm-cli-${randomUUID()}`;
const redis = new Redis('redis://127.0.0.1:6379/0');

const config = join(dir, 'nevermiss.yaml');
writeFileSync(
  config,
  `ari: { url: "http://127.0.0.1:8088", username: u, password: p }
redis: { keyPrefix: ${prefix} }
prompts: { source: sound }
people: { owner: { phones: { desk: PJSIP/owner-desk } } }
routes: { main: { numbers: ["4530123456"], hunt: [{ ring: [owner], timeout: 20s }] } }
defaultRoute: main
`,
);
const invalid = join(dir, 'invalid.yaml');
writeFileSync(invalid, `ari: { url: "http://127.0.0.1:8088", username: u, password: p, bogus: 1 }\n`);

function nevermiss(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [join(ROOT, 'bin', 'nevermiss.js'), ...args], { cwd: ROOT, timeout: 30_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 99) : 0;
      done({ code, stdout, stderr });
    });
  });
}

before(async () => {
  assert.equal(await redis.ping(), 'PONG');
});

after(async () => {
  await deleteNevermissKeys(redis, prefix);
  redis.disconnect();
  rmSync(dir, { recursive: true, force: true });
});

test('check: a valid file exits 0 and says OK', async () => {
  const { code, stdout } = await nevermiss('check', '--config', config);
  assert.equal(code, 0);
  assert.equal(stdout.trim(), `${config}: OK (1 route, 1 person)`);
});

test('check: an invalid file exits 1 with every problem as FILE:LINE:COL key.path: message', async () => {
  const { code, stdout } = await nevermiss('check', '--config', invalid);
  assert.equal(code, 1);
  const lines = stdout.trim().split('\n');
  assert.ok(lines.length >= 4, stdout);
  for (const line of lines) assert.match(line, new RegExp(`^${invalid.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+:\\d+ \\S+: .+`));
  assert.ok(lines.some((line) => line.includes(':1:64 ari.bogus: unknown key "bogus"')), stdout);
});

test('check: a missing file exits 1 and names it', async () => {
  const { code, stdout } = await nevermiss('check', '--config', join(dir, 'nope.yaml'));
  assert.equal(code, 1);
  assert.match(stdout, /NM_CONFIG_UNREADABLE: .*nope\.yaml/);
});

test('serve refuses an invalid file with the same messages and exit 1', async () => {
  const { code, stderr } = await nevermiss('serve', '--config', invalid);
  assert.equal(code, 1);
  assert.match(stderr, /NM_CONFIG_INVALID/);
  assert.match(stderr, /ari\.bogus: unknown key "bogus"/);
});

test('callbacks list --json prints the pending callbacks; done closes one; done again is refused', async () => {
  const store = createCallbackStore(redis, prefix);
  const { id } = await store.recordMissedCall({
    callId: 'c-1', caller: '4520111111', called: '4530123456', route: 'main', language: 'en', at: Date.now(), dueAt: Date.now() + 600_000,
  });

  const listed = await nevermiss('callbacks', 'list', '--json', '--config', config);
  assert.equal(listed.code, 0, listed.stderr);
  const callbacks = JSON.parse(listed.stdout) as Array<Record<string, unknown>>;
  assert.deepEqual(callbacks.map((cb) => [cb['id'], cb['caller'], cb['status'], cb['attempts']]), [[id, '4520111111', 'pending', 1]]);
  for (const field of ['createdAt', 'dueAt']) assert.match(String(callbacks[0]?.[field]), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);

  const table = await nevermiss('callbacks', 'list', '--config', config);
  assert.match(table.stdout, new RegExp(`^${id}\\s+4520111111\\s+4530123456`, 'm'));

  const done = await nevermiss('callbacks', 'done', id, '--config', config);
  assert.equal(done.code, 0, done.stderr);
  assert.equal((await store.get(id))?.status, 'done');
  const queue = createJobQueue(redis, prefix);
  const jobs = await queue.scheduled();
  await queue.close();
  assert.deepEqual(jobs.map((job) => job.id), [`notify.done.${id}`], 'the service will tell people it is done');
  assert.equal((await nevermiss('callbacks', 'list', '--config', config)).stdout.trim(), 'no pending callbacks');

  const again = await nevermiss('callbacks', 'done', id, '--config', config);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /NM_CALLBACK_CLOSED/);
});

test('explain --json: the route, the ring timeline and the promise, from the same rules the service uses', async () => {
  const { code, stdout, stderr } = await nevermiss('explain', '--to', '4530123456', '--from', '20111111', '--at', '2026-12-01T10:00', '--json', '--config', config);
  assert.equal(code, 0, stderr);
  const result = JSON.parse(stdout) as Record<string, unknown>;
  assert.equal(result['route'], 'main');
  assert.equal(result['caller'], '+4520111111');
  assert.deepEqual(result['timeline'], [
    { step: 0, person: 'owner', phone: 'desk', dial: 'PJSIP/owner-desk', fromMs: 0, toMs: 20_000, screen: false, fromSec: 0, toSec: 20 },
  ]);
  assert.deepEqual(result['promise'], { kind: 'within', minutes: 10, said: "we'll call you back within 10 minutes", dueAt: '2026-12-01T09:10:20.000Z' });
});

test('explain --at reads a local time by the schedule\'s DST rule: skipped is the jump, repeated is the first; an offset is taken as it is', async () => {
  const at = async (text: string): Promise<unknown> => {
    const { code, stdout, stderr } = await nevermiss('explain', '--to', '4530123456', '--from', '20111111', '--at', text, '--json', '--config', config);
    assert.equal(code, 0, stderr);
    return (JSON.parse(stdout) as Record<string, unknown>)['at'];
  };
  assert.equal(await at('2026-03-29T02:30'), '2026-03-29T01:00:00.000Z', 'skipped in spring: the jump, 03:00+02:00');
  assert.equal(await at('2026-10-25T02:30'), '2026-10-25T00:30:00.000Z', 'repeated in autumn: the first, 02:30+02:00');
  assert.equal(await at('2026-12-01T10:00:30'), '2026-12-01T09:00:30.000Z');
  assert.equal(await at('2026-10-25T02:30+01:00'), '2026-10-25T01:30:00.000Z', 'an offset is taken as it is');
});

test('explain rejects a time it cannot read, naming it', async () => {
  const { code, stderr } = await nevermiss('explain', '--to', '4530123456', '--from', '20111111', '--at', 'soon', '--config', config);
  assert.equal(code, 1);
  assert.match(stderr, /NM_USAGE: --at "soon" is not a date and time like 2026-12-24T16:55/);
});

test('serve refuses to start with a token secret that is too short, at its FILE:LINE:COL', async () => {
  const short = join(dir, 'short-token.yaml');
  writeFileSync(short, `${readFileSync(config, 'utf8')}http:\n  tokens:\n    - { name: pbx, secret: "too-short", scope: report }\n`);
  const { code, stderr } = await nevermiss('serve', '--config', short);
  assert.equal(code, 1);
  assert.match(stderr, new RegExp(`NM_CONFIG_INVALID: ${short.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:9:28 http\\.tokens\\[0\\]\\.secret: expected a secret of at least 32 characters`));
  assert.doesNotMatch(stderr, /too-short/, 'the secret is not repeated');
});

test('login-link prints a signed link to publicUrl for a person of the config; an unknown person or no sessionSecret is refused', async () => {
  const withLinks = join(dir, 'links.yaml');
  writeFileSync(withLinks, `${readFileSync(config, 'utf8')}http:\n  publicUrl: https://nevermiss.example.dk\n  sessionSecret: "\${NM_CLI_SESSION}"\n`);
  const env = { ...process.env, NM_CLI_SESSION: 'cli-session-secret-0123456789-0123456789' };
  const run = (...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> =>
    new Promise((done) => {
      execFile(process.execPath, [join(ROOT, 'bin', 'nevermiss.js'), ...args], { cwd: ROOT, timeout: 30_000, env }, (error, stdout, stderr) => {
        done({ code: error ? (typeof error.code === 'number' ? error.code : 99) : 0, stdout, stderr });
      });
    });
  const printed = await run('login-link', 'owner', '--next', '/callbacks/cb-1', '--config', withLinks);
  assert.equal(printed.code, 0, printed.stderr);
  const link = new URL(printed.stdout.trim());
  assert.equal(`${link.origin}${link.pathname}`, 'https://nevermiss.example.dk/login');
  assert.match(link.searchParams.get('t') ?? '', /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
  assert.equal(link.searchParams.get('next'), '/callbacks/cb-1');
  const unknown = await run('login-link', 'nobody', '--config', withLinks);
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /NM_USAGE: unknown person "nobody"; known people: owner/);
  const without = await run('login-link', 'owner', '--config', config);
  assert.equal(without.code, 1);
  assert.match(without.stderr, /NM_USAGE: login links need http.sessionSecret and http.publicUrl/);
});

test('callbacks dial needs a token with scope act: NEVERMISS_TOKEN or one of the config', async () => {
  const { code, stderr } = await nevermiss('callbacks', 'dial', 'cb-1', '--config', config);
  assert.equal(code, 1);
  assert.match(stderr, /NM_USAGE: this needs a token with scope act: set NEVERMISS_TOKEN, or add one to http.tokens/);
});

/**
 * docs/redis.md's backup and restore scripts, run as written against the real Redis on 6379:
 * only the lines that name the prefix, the folder, the file and the port are changed, to this
 * test's own. The keys come back with their values and expiry times; other keys are untouched.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { deleteNevermissKeys, ensureRedis } from '../support/redis.js';
import { freePort } from '../support/service.js';

const ROOT = resolve(import.meta.dirname, '..', '..');
const guide = readFileSync(join(ROOT, 'docs', 'redis.md'), 'utf8');
const dir = mkdtempSync(join(tmpdir(), 'nevermiss-redis-guide-'));
const prefix = `nm-guide-${randomBytes(6).toString('hex')}`;
const bystander = `nm-guide-other-${randomBytes(6).toString('hex')}`;
let redis: Redis;

/** The shell block of the guide that starts with `# <name>:`. */
function script(name: string): string {
  const block = [...guide.matchAll(/```sh\n([\s\S]*?)```/g)].map((match) => match[1] ?? '').find((text) => text.startsWith(`# ${name}:`));
  assert.ok(block !== undefined, `docs/redis.md has a sh block starting "# ${name}:"`);
  return block;
}

/** Runs a guide's script with its settings replaced by this test's. */
function runScript(text: string, settings: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  let body = text;
  for (const [name, value] of Object.entries(settings)) {
    const line = new RegExp(`^${name}=.*$`, 'm');
    assert.match(body, line, `the script sets ${name}`);
    body = body.replace(line, `${name}=${value}`);
  }
  return new Promise((done) => {
    execFile('bash', ['-euo', 'pipefail', '-c', body], { timeout: 60_000 }, (error, stdout, stderr) => {
      done({ code: error ? (typeof error.code === 'number' ? error.code : 99) : 0, stdout, stderr });
    });
  });
}

before(async () => {
  await ensureRedis();
  redis = new Redis('redis://127.0.0.1:6379/0');
});

after(async () => {
  await deleteNevermissKeys(redis, prefix);
  await deleteNevermissKeys(redis, bystander);
  redis.disconnect();
  rmSync(dir, { recursive: true, force: true });
});

test("backup copies nevermiss's keys into an RDB file; restore brings them back with their expiry, and nothing else changes", async () => {
  const key = (name: string): string => `{${prefix}}:${name}`;
  await redis.hset(key('callback:cb-1'), { caller: '+4520123456', status: 'pending' });
  await redis.zadd(key('callbacks:pending'), 1_733_000_000_000, 'cb-1');
  await redis.set(key('idem:call-1'), 'cb-1', 'PX', 3_600_000);
  await redis.set(`{${bystander}}:keep`, 'not mine');
  const port = String(await freePort());

  const backup = await runScript(script('backup'), { PREFIX: prefix, BACKUP_DIR: dir, BACKUP_FILE: 'test.rdb', BACKUP_PORT: port });
  assert.equal(backup.code, 0, backup.stderr);
  assert.deepEqual(backup.stdout.trim().split('\n'), ['3', 'OK']);
  assert.deepEqual(readdirSync(dir), ['test.rdb']);
  assert.equal(await redis.exists(key('callback:cb-1')), 1, 'a backup leaves the keys in place');

  // What a restore is for: the keys are gone or changed.
  await redis.del(key('callback:cb-1'), key('callbacks:pending'));
  await redis.set(key('idem:call-1'), 'changed');
  await redis.set(`{${bystander}}:keep`, 'still mine');

  const restore = await runScript(script('restore'), { PREFIX: prefix, BACKUP_DIR: dir, BACKUP_FILE: 'test.rdb', BACKUP_PORT: port });
  assert.equal(restore.code, 0, restore.stderr);
  assert.equal(restore.stdout.trim(), '3');

  assert.deepEqual(await redis.hgetall(key('callback:cb-1')), { caller: '+4520123456', status: 'pending' });
  assert.deepEqual(await redis.zrange(key('callbacks:pending'), 0, -1, 'WITHSCORES'), ['cb-1', '1733000000000']);
  assert.equal(await redis.get(key('idem:call-1')), 'cb-1');
  const ttl = await redis.pttl(key('idem:call-1'));
  assert.ok(ttl > 3_500_000 && ttl <= 3_600_000, `the expiry comes back: ${ttl} ms`);
  assert.equal(await redis.get(`{${bystander}}:keep`), 'still mine', 'keys of others are left alone');
});

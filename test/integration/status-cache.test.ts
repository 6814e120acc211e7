/**
 * The owner's status in memory, told of changes by a real Redis: a status set by anyone else counts
 * for the next call, a lapsed one is normal, and a lost tracking connection means reading Redis again.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import winston from 'winston';
import { deleteNevermissKeys } from '../support/redis.js';
import { createKeys } from '../../src/callbacks/keys.js';
import { createStatusStore, type StatusStore } from '../../src/callbacks/status.js';
import { cachedStatus, trackingConnectionName, type CachedStatus } from '../../src/callbacks/status-cache.js';

const url = process.env['NEVERMISS_TEST_REDIS'] ?? 'redis://127.0.0.1:6379/0';
const admin = new Redis(url);
const opened: Array<{ cache: CachedStatus; redis: Redis; prefix: string }> = [];
const quiet = winston.createLogger({ silent: true });

after(async () => {
  for (const { cache, redis, prefix } of opened) {
    await cache.close();
    await deleteNevermissKeys(admin, prefix);
    redis.disconnect();
  }
  admin.disconnect();
});

/** The service's view (cached) and another instance's or the CLI's (a plain store on its own connection). */
async function setup(): Promise<{ cache: CachedStatus; other: StatusStore; reads: () => number; kill: () => Promise<void> }> {
  const prefix = `nm-test-${randomUUID()}`;
  const redis = new Redis(url);
  let count = 0;
  const store = createStatusStore(redis, prefix);
  const counted: StatusStore = {
    get: (now) => ((count += 1), store.get(now)),
    set: (mode, options) => store.set(mode, options),
  };
  const cache = cachedStatus(counted, redis, createKeys(prefix).status, quiet);
  opened.push({ cache, redis, prefix });
  await until(() => cache.tracking(), 'tracking');
  // Only this cache's listener, found by its name: other processes share this Redis.
  const kill = async (): Promise<void> => {
    const name = trackingConnectionName(createKeys(prefix).status);
    const line = String(await admin.client('LIST')).split('\n').find((entry) => entry.includes(` name=${name} `));
    const id = /\bid=(\d+)/.exec(line ?? '')?.[1];
    assert.ok(id, `the listener ${name} is connected`);
    assert.equal(await admin.client('KILL', 'ID', id), 1);
  };
  return { cache, other: createStatusStore(admin, prefix), reads: () => count, kill };
}

async function until(check: () => boolean | Promise<boolean>, what: string, ms = 3_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`not ${what} within ${ms} ms`);
    await sleep(10);
  }
}

test('calls read the status from memory, and a status set elsewhere counts for the next call', async () => {
  const { cache, other, reads } = await setup();
  assert.equal((await cache.get(Date.now())).mode, 'normal');
  for (let i = 0; i < 20; i += 1) assert.equal((await cache.get(Date.now())).mode, 'normal');
  assert.equal(reads(), 1, 'one read, then memory');

  await other.set('away', { until: null, by: 'cli', now: Date.now() });
  await until(async () => (await cache.get(Date.now())).mode === 'away', 'seen as away', 500);
  assert.equal((await cache.get(Date.now())).setBy, 'cli');
  assert.equal(reads(), 2, 'the change made one read');

  // A hand-made write (an older version, redis-cli) is told of as well.
  await admin.del(createKeys(opened.at(-1)!.prefix).status);
  await until(async () => (await cache.get(Date.now())).mode === 'normal', 'back to normal', 500);
});

test('a cached status that lapses is normal at once, without a read', async () => {
  const { cache, reads } = await setup();
  const now = Date.now();
  await cache.set('closed', { until: now + 300, by: 'page', now });
  assert.equal((await cache.get(Date.now())).mode, 'closed');
  const before = reads();
  assert.equal((await cache.get(now + 301)).mode, 'normal');
  assert.equal(reads(), before);
});

test('when the tracking connection is lost, calls read Redis (and see changes) until tracking is back', async () => {
  const { cache, other, reads, kill } = await setup();
  await cache.get(Date.now());
  await kill();
  await until(() => !cache.tracking(), 'lost tracking', 1_000);
  // While it is down, a change made elsewhere raises no invalidation here; the call reads it anyway.
  await other.set('away', { until: null, by: 'another instance', now: Date.now() });
  const before = reads();
  assert.equal((await cache.get(Date.now())).mode, 'away');
  assert.ok(reads() > before, 'read from Redis');
  await until(() => cache.tracking(), 'tracking again');
  await cache.get(Date.now());
  await other.set('normal', { until: null, by: 'another instance', now: Date.now() });
  await until(async () => (await cache.get(Date.now())).mode === 'normal', 'seen as normal after the reconnect', 500);
});

// Redis for tests: each test gets a unique key prefix and deletes exactly its own keys
// afterwards. Never FLUSHDB: the Redis on 127.0.0.1:6379 is shared.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { Redis } from 'ioredis';
import { REDIS_URL, REPO_ROOT } from './sandbox.js';

let ensured: Promise<void> | undefined;

/** Starts a redis-server on 127.0.0.1:6379 if none answers (scripts/ensure-redis.sh), once per process. */
export function ensureRedis(): Promise<void> {
  ensured ??= new Promise<void>((resolve, reject) => {
    execFile('bash', [path.join(REPO_ROOT, 'scripts', 'ensure-redis.sh')], { timeout: 300_000 }, (error, _o, stderr) => {
      if (error) {
        ensured = undefined;
        reject(new Error(`scripts/ensure-redis.sh failed: ${error.message}\n${stderr}`));
      } else {
        resolve();
      }
    });
  });
  return ensured;
}

export interface TestRedis {
  /** A connected client. */
  readonly redis: Redis;
  /** A prefix no other test or run uses, e.g. `nevermiss-test:1234-9f3a01:`. Give it to the code under test. */
  readonly prefix: string;
  /** prefix + name. */
  key(name: string): string;
  /** Keys that currently exist under the prefix, or under its hash tag `{prefix}:` (the keys nevermiss builds from it). */
  keys(): Promise<string[]>;
  /** Deletes every key under the prefix and its hash tag (and only those) and closes the client. */
  cleanup(): Promise<void>;
}

/**
 * Usage (node:test):
 *   let r: TestRedis;
 *   beforeEach(async () => { r = await createTestRedis(); });
 *   afterEach(() => r.cleanup());
 */
export async function createTestRedis(options: { label?: string; url?: string } = {}): Promise<TestRedis> {
  await ensureRedis();
  const label = (options.label ?? 'test').replace(/[^a-zA-Z0-9_-]/g, '-');
  // No glob characters ([, ], *, ?, \) in the prefix, so SCAN MATCH prefix* is exact.
  const prefix = `nevermiss-${label}:${process.pid}-${randomBytes(4).toString('hex')}:`;
  const redis = new Redis(options.url ?? REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 2 });
  await redis.connect();

  // Keys the test writes itself start with the prefix; keys the code under test builds from it
  // (src/callbacks/keys.ts) start with its hash tag, `{prefix}:`. Both are this test's.
  const keys = async (): Promise<string[]> => {
    const found = new Set<string>();
    for (const pattern of [`${prefix}*`, `{${prefix}}:*`]) {
      let cursor = '0';
      do {
        const [next, batch] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
        cursor = next;
        for (const k of batch) found.add(k);
      } while (cursor !== '0');
    }
    return [...found];
  };

  let closed = false;
  return {
    redis,
    prefix,
    key: (name) => `${prefix}${name}`,
    keys,
    async cleanup() {
      if (closed) return;
      closed = true;
      try {
        const own = await keys();
        for (let i = 0; i < own.length; i += 500) await redis.del(...own.slice(i, i + 500));
      } finally {
        redis.disconnect();
      }
    },
  };
}

/**
 * Deletes exactly the keys nevermiss wrote under one key prefix (`{prefix}:*`, the hash-tagged
 * form of src/callbacks/keys.ts), and nothing else.
 */
export async function deleteNevermissKeys(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `{${prefix}}:*`, 'COUNT', 1000);
    cursor = next;
    if (batch.length > 0) await redis.del(...batch);
  } while (cursor !== '0');
}

/**
 * Every key nevermiss holds under one key prefix (`{prefix}:*`, found with SCAN) with everything
 * in it as text: the key's name, then each field, member, element or value (with scores). For
 * asserting that something (a caller's number) is held nowhere.
 */
export async function everythingUnder(redis: Redis, prefix: string): Promise<Map<string, string[]>> {
  const found = new Map<string, string[]>();
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `{${prefix}}:*`, 'COUNT', 1000);
    cursor = next;
    for (const key of batch) {
      const type = await redis.type(key);
      switch (type) {
        case 'string':
          found.set(key, [(await redis.get(key)) ?? '']);
          break;
        case 'hash':
          found.set(key, Object.entries(await redis.hgetall(key)).flat());
          break;
        case 'list':
          found.set(key, await redis.lrange(key, 0, -1));
          break;
        case 'set':
          found.set(key, await redis.smembers(key));
          break;
        case 'zset':
          found.set(key, await redis.zrange(key, 0, -1, 'WITHSCORES'));
          break;
        case 'none':
          break;
        default:
          found.set(key, [`(a ${type} nevermiss does not write)`]);
      }
    }
  } while (cursor !== '0');
  return found;
}

/** The keys under the prefix whose name or content contains `text`, with the content that does. */
export async function keysHolding(redis: Redis, prefix: string, text: string): Promise<Record<string, string[]>> {
  const holding: Record<string, string[]> = {};
  for (const [key, values] of await everythingUnder(redis, prefix)) {
    const hits = values.filter((value) => value.includes(text));
    if (key.includes(text) || hits.length > 0) holding[key] = hits;
  }
  return holding;
}

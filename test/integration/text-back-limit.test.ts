/**
 * Text-back limits against a real Redis: per number range and per hour, atomic across many
 * concurrent senders, a new clock hour starts afresh, and a refused text counts nowhere.
 */
import { afterEach, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { createKeys } from '../../src/callbacks/keys.js';
import { createTextBackLimiter, type TextBackLimiter } from '../../src/callbacks/text-back-limit.js';
import { createTestRedis, type TestRedis } from '../support/redis.js';

const HOUR = 3_600_000;
const T0 = 1_800_000_000_000 - (1_800_000_000_000 % HOUR) + 10 * 60_000; // ten past an hour
const LIMITS = { perPrefix: 3, prefixDigits: 8, perHour: 5 };

let r: TestRedis;
let limiter: TextBackLimiter;

beforeEach(async () => {
  r = await createTestRedis({ label: 'text-back-limit' });
  limiter = createTextBackLimiter(r.redis, createKeys(r.prefix));
});
afterEach(() => r.cleanup());

test('a number range gets perPrefix texts an hour; another range is counted apart; all of them perHour', async () => {
  const taken = async (number: string, now = T0): Promise<string> => {
    const slot = await limiter.take(number, LIMITS, now);
    return slot.taken ? 'taken' : `refused: ${slot.limit} ${slot.prefix} at ${slot.count}`;
  };
  const rows: ReadonlyArray<readonly [string, string]> = [
    ['+4520111101', 'taken'],
    ['+4520111102', 'taken'],
    ['+4520111103', 'taken'],
    ['+4520111104', 'refused: prefix 45201111 at 3'],
    ['+4520111105', 'refused: prefix 45201111 at 3'],
    ['+4530222201', 'taken'],
    ['+4540333301', 'taken'],
    ['+4550444401', 'refused: hour 45504444 at 5'],
  ];
  for (const [number, expected] of rows) assert.equal(await taken(number), expected, number);
  assert.equal(await taken('+4520111106', T0 + HOUR), 'taken', 'the next clock hour starts afresh');
});

test('forty senders at once take exactly the limit, and the counters expire after their hour', async () => {
  const slots = await Promise.all(Array.from({ length: 40 }, (_, i) => limiter.take(`+45201111${String(i).padStart(2, '0')}`, LIMITS, T0)));
  assert.equal(slots.filter((slot) => slot.taken).length, LIMITS.perPrefix);
  const keys = await r.keys();
  assert.equal(keys.length, 2, keys.join(', '));
  for (const key of keys) {
    assert.ok(key.startsWith(`{${r.prefix}}:text-back-limit:`), key);
    const ttl = await r.redis.pttl(key);
    assert.ok(ttl > HOUR - 10 * 60_000 && ttl <= HOUR - 10 * 60_000 + 60_000, `${key} kept ${ttl} ms`);
  }
});

test('the test\'s own cleanup finds the hash-tagged keys the code wrote', async () => {
  const other = await createTestRedis({ label: 'text-back-limit' });
  await createTextBackLimiter(other.redis, createKeys(other.prefix)).take('+4520111111', LIMITS, T0);
  const watcher = other.redis.duplicate();
  const pattern = `{${other.prefix}}:*`;
  assert.equal((await watcher.keys(pattern)).length, 2);
  await other.cleanup();
  assert.deepEqual(await watcher.keys(pattern), []);
  watcher.disconnect();
});

/**
 * Data that doesn't live for ever: erasing what is past its keep time (retention), and
 * everything held about one caller's number (forget, export). Each erasure of a record is one
 * Lua script (./lua/erase*.lua, forgetNumber-2.lua) that takes its indexes and idempotency
 * keys with it; the follow-up jobs of erased callbacks are then removed from the job queue. See docs/decisions/0017.
 */
import type { Redis } from 'ioredis';
import { createKeys, HISTORY_SUFFIX, type Keys } from './keys.js';
import { isFields, toCallback, toCallLogEntry, toHistoryEntry } from './decode.js';
import { defineScript, guardRedis } from './scripts.js';
import type { Callback, CallLogEntry, HistoryEntry } from './types.js';
import type { JobInfo, JobQueue } from './job-queue.js';
import { ErrorCodes, NevermissError } from '../errors.js';

/** Records handled per round trip. */
const PAGE = 500;

export interface ErasedCounts {
  readonly calls: number;
  readonly callbacks: number;
  readonly messages: number;
}

/** Everything Redis holds about one number. */
export interface CallerRecords {
  readonly number: string;
  readonly callbacks: readonly (Callback & { readonly history: readonly HistoryEntry[] })[];
  readonly calls: readonly CallLogEntry[];
  /** Follow-up jobs of those callbacks (the text-back jobs of the number among them), in any state BullMQ keeps them in. */
  readonly jobs: readonly JobInfo[];
  /** Until when the number is not texted back again (ms), or null. */
  readonly textedBackUntil: number | null;
}

export interface Eraser {
  readonly keys: Keys;
  /**
   * Call-log entries that arrived before `cutoff`, closed callbacks that closed before it, and
   * references to messages left before it; at most about `limit` of each per call.
   */
  eraseBefore(cutoff: number, limit: number): Promise<ErasedCounts & { readonly more: boolean }>;
  /**
   * Adds callbacks recorded before the creation index existed to it, once per installation
   * (one SCAN of the callback keys). Returns how many were added, or null when done before.
   */
  indexOlderCallbacks(): Promise<number | null>;
  /** Everything held about `number` (E.164 or an extension, as stored), at `now` (ms). */
  find(number: string, now: number): Promise<CallerRecords>;
  /** Erases everything held about `number`; returns what was erased. */
  forget(number: string): Promise<{ readonly calls: number; readonly callbacks: number; readonly other: number }>;
}

export function createEraser(redis: Redis, prefix: string, jobs: JobQueue): Eraser {
  const keys = createKeys(prefix);
  const scripts = {
    eraseCall: defineScript(redis, 'eraseCall-3'),
    eraseCallback: defineScript(redis, 'eraseCallback-4'),
    eraseMessage: defineScript(redis, 'eraseMessage-2'),
    forgetNumber: defineScript(redis, 'forgetNumber-2'),
  };
  const recordedCallPrefix = keys.recordedCall('');

  const eraseCall = async (callId: string): Promise<boolean> =>
    (await scripts.eraseCall(keys.call(callId), keys.calls, keys.recordedCall(callId), callId)) === 1;

  /** `closedBefore`: retention's cutoff; null to erase whatever the status. */
  async function eraseCallback(id: string, closedBefore: number | null): Promise<boolean> {
    const [code] = (await scripts.eraseCallback(
      keys.callback(id), keys.history(id), keys.pending, keys.callbacksCreated,
      id, closedBefore === null ? '' : String(closedBefore), keys.pendingByCallerPrefix, recordedCallPrefix,
    )) as [number];
    return code === 1;
  }

  /** Every member of a sorted set, page by page. */
  async function* members(key: string): AsyncGenerator<string[]> {
    for (let offset = 0; ; offset += PAGE) {
      const page = await guardRedis('read an index', redis.zrange(key, offset, offset + PAGE - 1));
      if (page.length > 0) yield page;
      if (page.length < PAGE) return;
    }
  }

  /** The ids among `ids` whose record (by `keyOf`) has `field` equal to `value`. */
  async function whose(ids: readonly string[], keyOf: (id: string) => string, field: string, value: string): Promise<string[]> {
    const pipeline = redis.pipeline();
    for (const id of ids) pipeline.hget(keyOf(id), field);
    const replies = (await guardRedis('read records', pipeline.exec())) ?? [];
    return ids.filter((_, i) => replies[i]?.[1] === value);
  }

  async function findIds(number: string): Promise<{ callIds: string[]; callbackIds: string[] }> {
    const callIds: string[] = [];
    for await (const page of members(keys.calls)) callIds.push(...(await whose(page, (id) => keys.call(id), 'caller', number)));
    const callbackIds = new Set<string>();
    for (const index of [keys.callbacksCreated, keys.pending]) {
      for await (const page of members(index)) for (const id of await whose(page, (id) => keys.callback(id), 'caller', number)) callbackIds.add(id);
    }
    const open = await guardRedis('read the open callback of a number', redis.get(keys.pendingByCaller(number)));
    if (open !== null && (await whose([open], (id) => keys.callback(id), 'caller', number)).length === 1) callbackIds.add(open);
    return { callIds, callbackIds: [...callbackIds] };
  }

  async function readAll<T>(what: string, redisKeys: readonly string[], read: (fields: Record<string, string>) => T): Promise<T[]> {
    if (redisKeys.length === 0) return [];
    const pipeline = redis.pipeline();
    for (const key of redisKeys) pipeline.hgetall(key);
    const replies = (await guardRedis(what, pipeline.exec())) ?? [];
    return replies.flatMap(([err, fields]) => {
      if (err) throw new NevermissError(ErrorCodes.REDIS, `Redis failed to ${what}: ${err.message}`, {}, { cause: err });
      return isFields(fields) && Object.keys(fields).length > 0 ? [read(fields)] : [];
    });
  }

  return {
    keys,

    async eraseBefore(cutoff, limit) {
      let calls = 0;
      let callbacks = 0;
      let messages = 0;
      let more = false;

      // Calls and messages: everything scored before the cutoff goes, so the range shrinks as we erase.
      for (;;) {
        const ids = await guardRedis('read old calls', redis.zrangebyscore(keys.calls, '-inf', `(${cutoff}`, 'LIMIT', 0, PAGE));
        for (const id of ids) if (await eraseCall(id)) calls += 1;
        if (ids.length < PAGE) break;
        if (calls >= limit) {
          more = true;
          break;
        }
      }
      for (;;) {
        const ids = await guardRedis('read old messages', redis.zrangebyscore(keys.messages, '-inf', `(${cutoff}`, 'LIMIT', 0, PAGE));
        for (const id of ids) messages += Number(await scripts.eraseMessage(keys.message(id), keys.messages, id));
        if (ids.length < PAGE) break;
        if (messages >= limit) {
          more = true;
          break;
        }
      }
      // Callbacks created before the cutoff that are still open, or closed since, stay: step over them.
      for (let offset = 0; ; ) {
        const ids = await guardRedis('read old callbacks', redis.zrangebyscore(keys.callbacksCreated, '-inf', `(${cutoff}`, 'LIMIT', offset, PAGE));
        const erased = new Set<string>();
        for (const id of ids) {
          if (await eraseCallback(id, cutoff)) erased.add(id);
          else offset += 1;
        }
        // Their jobs (kept results of finished jobs, mostly), in one pass over the job queue.
        await jobs.removeAllOf(erased);
        callbacks += erased.size;
        if (ids.length < PAGE) break;
        if (callbacks >= limit) {
          more = true;
          break;
        }
      }
      return { calls, callbacks, messages, more };
    },

    async indexOlderCallbacks() {
      if ((await guardRedis('read the index mark', redis.exists(keys.callbacksIndexed))) === 1) return null;
      let added = 0;
      let cursor = '0';
      do {
        const [next, found] = await guardRedis('scan callbacks', redis.scan(cursor, 'MATCH', `${keys.callbackPrefix}*`, 'COUNT', 1000));
        cursor = next;
        const callbackKeys = found.filter((key) => !key.endsWith(HISTORY_SUFFIX));
        const rows = await readAll('read callbacks', callbackKeys, (f) => ({ id: f['id'] ?? '', createdAt: Number(f['createdAt']) }));
        for (const { id, createdAt } of rows) {
          if (id === '' || !Number.isFinite(createdAt)) continue;
          added += await guardRedis('index a callback', redis.zadd(keys.callbacksCreated, 'NX', createdAt, id));
        }
      } while (cursor !== '0');
      await guardRedis('set the index mark', redis.set(keys.callbacksIndexed, '1'));
      return added;
    },

    async find(number, now) {
      const { callIds, callbackIds } = await findIds(number);
      const callbacks = await readAll('read callbacks', callbackIds.map((id) => keys.callback(id)), toCallback);
      const histories = await Promise.all(
        callbacks.map(async (callback) => (await guardRedis('read a history', redis.lrange(keys.history(callback.id), 0, -1))).map(toHistoryEntry)),
      );
      const calls = await readAll('read calls', callIds.map((id) => keys.call(id)), toCallLogEntry);
      const ttl = await guardRedis('read the text-back mark', redis.pttl(keys.textedBack(number)));
      return {
        number,
        callbacks: callbacks.map((callback, i) => ({ ...callback, history: histories[i] ?? [] })).sort((a, b) => a.createdAt - b.createdAt),
        calls: calls.sort((a, b) => a.startedAt - b.startedAt),
        jobs: await jobs.allOf(new Set(callbackIds)),
        textedBackUntil: ttl > 0 ? now + ttl : null,
      };
    },

    async forget(number) {
      const { callIds, callbackIds } = await findIds(number);
      let callbacks = 0;
      for (const id of callbackIds) if (await eraseCallback(id, null)) callbacks += 1;
      // Every job of those callbacks, whatever its state: their data name the callback, and a text-back the number.
      await jobs.removeAllOf(new Set(callbackIds));
      let calls = 0;
      for (const id of callIds) if (await eraseCall(id)) calls += 1;
      const other = Number(await scripts.forgetNumber(keys.pendingByCaller(number), keys.textedBack(number)));
      return { calls, callbacks, other };
    },
  };
}

/**
 * Reading what the service stored, by time, for the figures (src/figures) and the metrics: the
 * call log through `{p}:calls` (scored by arrival) and the callbacks through `{p}:callbacks:created`
 * (scored by creation). Both are range reads of a sorted set, O(log N + M), in pages, so a report
 * over a day reads a day's records, never everything kept (docs/decisions/0017).
 */
import type { Redis } from 'ioredis';
import { createKeys, type Keys } from './keys.js';
import { isFields, toCallback, toCallLogEntry } from './decode.js';
import { guardRedis } from './scripts.js';
import { ErrorCodes, NevermissError } from '../errors.js';
import type { Callback, CallLogEntry } from './types.js';

/** Records read per round trip. */
const PAGE = 1_000;

/** What the metrics read at scrape time: each an O(1) or O(log N) count. */
export interface StoredCounts {
  /** Open (pending or dialing) callbacks. */
  readonly openCallbacks: number;
  /** Open callbacks past their deadline. */
  readonly overdueCallbacks: number;
}

export interface RecordsReader {
  readonly keys: Keys;
  /** Call-log entries of calls that arrived in [start, end) (ms). */
  callsStartedBetween(start: number, end: number): Promise<CallLogEntry[]>;
  /** Callbacks (open or closed) created in [start, end) (ms). */
  callbacksCreatedBetween(start: number, end: number): Promise<Callback[]>;
  counts(now: number): Promise<StoredCounts>;
}

export function createRecordsReader(redis: Redis, prefix: string): RecordsReader {
  const keys = createKeys(prefix);

  /** Every member of a sorted set scored in [start, end), page by page. */
  async function idsBetween(key: string, start: number, end: number): Promise<string[]> {
    const ids: string[] = [];
    for (let offset = 0; ; offset += PAGE) {
      const page = await guardRedis('read an index by time', redis.zrangebyscore(key, start, `(${end}`, 'LIMIT', offset, PAGE));
      ids.push(...page);
      if (page.length < PAGE) return ids;
    }
  }

  /** HGETALL of each key, a page per pipeline; keys that are gone (deleted meanwhile) are skipped. */
  async function hashes(keysToRead: readonly string[]): Promise<Record<string, string>[]> {
    const found: Record<string, string>[] = [];
    for (let i = 0; i < keysToRead.length; i += PAGE) {
      const pipeline = redis.pipeline();
      for (const key of keysToRead.slice(i, i + PAGE)) pipeline.hgetall(key);
      const replies = (await guardRedis('read records', pipeline.exec())) ?? [];
      for (const [err, fields] of replies) {
        if (err) throw failed('read records', err);
        if (isFields(fields) && Object.keys(fields).length > 0) found.push(fields);
      }
    }
    return found;
  }

  return {
    keys,

    async callsStartedBetween(start, end) {
      const ids = await idsBetween(keys.calls, start, end);
      const entries = (await hashes(ids.map((id) => keys.call(id)))).filter((f) => f['callId']).map(toCallLogEntry);
      // Entries logged before the index was scored by arrival carry their end as score.
      return entries.filter((entry) => entry.startedAt >= start && entry.startedAt < end);
    },

    async callbacksCreatedBetween(start, end) {
      const ids = await idsBetween(keys.callbacksCreated, start, end);
      return (await hashes(ids.map((id) => keys.callback(id)))).filter((f) => f['id']).map(toCallback);
    },

    async counts(now) {
      const replies = await guardRedis(
        'count callbacks',
        redis.multi().zcard(keys.pending).zcount(keys.pending, '-inf', `(${now}`).exec(),
      );
      const [openCallbacks = 0, overdueCallbacks = 0] = (replies ?? []).map(([err, value]) => {
        if (err) throw failed('count callbacks', err);
        return Number(value);
      });
      return { openCallbacks, overdueCallbacks };
    },
  };
}

function failed(what: string, err: Error): NevermissError {
  return new NevermissError(ErrorCodes.REDIS, `Redis failed to ${what}: ${err.message}`, {}, { cause: err });
}

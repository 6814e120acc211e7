/**
 * The durable side of nevermiss: pending callbacks and the call log, in Redis.
 * This is the only module that talks to Redis; every multi-key change is one Lua script.
 */
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { ErrorCodes, NevermissError } from '../errors.js';
import { createKeys, type Keys } from './keys.js';
import type { Callback, CallbackStatus, CallLogEntry, CallerMessage, MissedCall, RecordedCallback } from './types.js';

type Script = (...args: string[]) => Promise<unknown>;

/** Loads `lua/<file>.lua` once and registers it on the connection (EVALSHA, falling back to EVAL). */
function defineScript(redis: Redis, file: string, numberOfKeys: number): Script {
  const name = `nevermiss_${file.replace(/-\d+$/, '')}`;
  redis.defineCommand(name, { numberOfKeys, lua: readFileSync(new URL(`./lua/${file}.lua`, import.meta.url), 'utf8') });
  const command = (redis as unknown as Record<string, Script | undefined>)[name];
  if (!command) throw new Error(`ioredis did not register the script ${file}`);
  return (...args) => wrap(`run ${file}`, command.apply(redis, args));
}

/** Short, unambiguous ids that a person can type into `nevermiss callbacks done ID`. */
export function newCallbackId(): string {
  const alphabet = '23456789abcdefghjkmnpqrstuvwxyz';
  const bytes = randomBytes(10);
  let id = 'cb-';
  for (const byte of bytes) id += alphabet.charAt(byte % alphabet.length);
  return id;
}

export interface CallbackStore {
  readonly keys: Keys;
  recordMissedCall(call: MissedCall): Promise<RecordedCallback>;
  close(id: string, status: Exclude<CallbackStatus, 'pending'>, by: string, now: number): Promise<Callback>;
  get(id: string): Promise<Callback | null>;
  listPending(): Promise<Callback[]>;
  logCall(entry: CallLogEntry): Promise<boolean>;
  getCall(callId: string): Promise<CallLogEntry | null>;
  saveMessage(message: CallerMessage): Promise<void>;
  listMessages(): Promise<CallerMessage[]>;
}

export function createCallbackStore(redis: Redis, prefix: string): CallbackStore {
  const keys = createKeys(prefix);
  const scripts = {
    recordMissedCall: defineScript(redis, 'recordMissedCall-3', 3),
    closeCallback: defineScript(redis, 'closeCallback-3', 3),
    logCall: defineScript(redis, 'logCall-2', 2),
    saveMessage: defineScript(redis, 'saveMessage-2', 2),
  };

  async function get(id: string): Promise<Callback | null> {
    const fields = await wrap('get callback', redis.hgetall(keys.callback(id)));
    return fields['id'] ? toCallback(fields) : null;
  }

  return {
    keys,

    async recordMissedCall(call) {
      const [id, created, attempts, dueAt] = (await scripts.recordMissedCall(
        keys.pendingByCaller(call.caller), keys.pending, keys.callbackPrefix,
        newCallbackId(), call.caller, call.called, call.route, String(call.at), String(call.dueAt), call.callId, call.language,
      )) as [string, number, number, number];
      return { id, created: created === 1, attempts, dueAt };
    },

    async close(id, status, by, now) {
      const result = await scripts.closeCallback(keys.callback(id), keys.pending, keys.pendingByCallerPrefix, id, status, String(now), by);
      if (result === -1) {
        throw new NevermissError(ErrorCodes.CALLBACK_NOT_FOUND, `no callback with id "${id}"; list them with "nevermiss callbacks list"`, { id });
      }
      const callback = await get(id);
      if (result === -2) {
        throw new NevermissError(ErrorCodes.CALLBACK_CLOSED, `callback "${id}" is already ${callback?.status ?? 'closed'}; nothing changed`, { id });
      }
      if (!callback) throw new NevermissError(ErrorCodes.CALLBACK_NOT_FOUND, `callback "${id}" vanished while closing it`, { id });
      return callback;
    },

    get,

    async listPending() {
      const ids = await wrap('list pending callbacks', redis.zrange(keys.pending, 0, -1));
      if (ids.length === 0) return [];
      const pipeline = redis.pipeline();
      for (const id of ids) pipeline.hgetall(keys.callback(id));
      const results = (await wrap('read pending callbacks', pipeline.exec())) ?? [];
      const callbacks: Callback[] = [];
      for (const [err, fields] of results) {
        if (!err && isFields(fields) && fields['id']) callbacks.push(toCallback(fields));
      }
      return callbacks.sort((a, b) => a.dueAt - b.dueAt);
    },

    async logCall(entry) {
      const fields = Object.entries(entry).flatMap(([field, value]) => [field, typeof value === 'string' ? value : JSON.stringify(value)]);
      return (await scripts.logCall(keys.call(entry.callId), keys.calls, entry.callId, String(entry.endedAt), ...fields)) === 1;
    },

    async saveMessage(message) {
      const fields = Object.entries(message).flatMap(([field, value]) => [field, String(value)]);
      await scripts.saveMessage(keys.message(message.callId), keys.messages, message.callId, String(message.at), ...fields);
    },

    async listMessages() {
      const ids = await wrap('list messages', redis.zrange(keys.messages, 0, -1));
      const all = await Promise.all(ids.map((id) => wrap('read message', redis.hgetall(keys.message(id)))));
      return all.filter((f) => f['callId']).map((f) => ({
        callId: f['callId'] ?? '',
        called: f['called'] ?? '',
        route: f['route'] ?? '',
        recording: f['recording'] ?? '',
        at: Number(f['at']),
      }));
    },

    async getCall(callId) {
      const fields = await wrap('get call log', redis.hgetall(keys.call(callId)));
      return fields['callId'] ? toCallLogEntry(fields) : null;
    },
  };
}

async function wrap<T>(what: string, promise: Promise<T>): Promise<T> {
  try {
    return await promise;
  } catch (err) {
    throw new NevermissError(ErrorCodes.REDIS, `Redis failed to ${what}: ${err instanceof Error ? err.message : String(err)}`, {}, { cause: err });
  }
}

function isFields(value: unknown): value is Record<string, string> {
  return typeof value === 'object' && value !== null;
}

function toCallback(f: Record<string, string>): Callback {
  const callback: Callback = {
    id: f['id'] ?? '',
    caller: f['caller'] ?? '',
    called: f['called'] ?? '',
    route: f['route'] ?? '',
    status: (f['status'] ?? 'pending') as CallbackStatus,
    createdAt: Number(f['createdAt']),
    dueAt: Number(f['dueAt']),
    lastAttemptAt: Number(f['lastAttemptAt']),
    attempts: Number(f['attempts']),
    language: f['language'] ?? 'en',
  };
  if (f['closedAt'] !== undefined) return { ...callback, closedAt: Number(f['closedAt']), closedBy: f['closedBy'] ?? '' };
  return callback;
}

function toCallLogEntry(f: Record<string, string>): CallLogEntry {
  return {
    callId: f['callId'] ?? '',
    caller: f['caller'] ?? '',
    called: f['called'] ?? '',
    route: f['route'] ?? '',
    startedAt: Number(f['startedAt']),
    endedAt: Number(f['endedAt']),
    outcome: JSON.parse(f['outcome'] ?? 'null') as CallLogEntry['outcome'],
  };
}

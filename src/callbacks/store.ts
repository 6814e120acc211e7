/**
 * The durable side of nevermiss: callbacks with their history, and the call log, in Redis.
 * Every multi-key change is one Lua script (./lua); its status codes become coded errors in one
 * place, `applied`, using the same rules as lifecycle.ts.
 */
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { ErrorCodes, NevermissError, type ErrorCode } from '../errors.js';
import { HISTORY_SUFFIX, createKeys, type Keys } from './keys.js';
import {
  decide,
  isCallbackStatus,
  isNoteEvent,
  isOpen,
  NOTE_EVENTS,
  type CallbackStatus,
  type ClosingStatus,
  type HistoryEntry,
  type LifecycleAction,
  type NoteEvent,
} from './lifecycle.js';
import { defineScript, fieldsFromPairs, guardRedis as wrap } from './scripts.js';
import { callerNameOf } from './caller-name.js';
import { createTextBackLimiter, type TextBackLimits, type TextBackSlot } from './text-back-limit.js';
import { isFields, toCallback, toCallLogEntry, toHistoryEntry } from './decode.js';
import type { AnsweredCall, Callback, CallLogEntry, CallerMessage, MissedCall, ReachedVia, RecordedCallback } from './types.js';

/** How long a recorded call id is remembered, so replaying it (spool, AstDB drain) is a no-op. */
const RECORDED_CALL_TTL_MS = 30 * 24 * 3600_000;

/** Short, unambiguous ids that a person can type into `nevermiss callbacks done ID`. */
export function newCallbackId(): string {
  const alphabet = '23456789abcdefghjkmnpqrstuvwxyz';
  const bytes = randomBytes(10);
  let id = 'cb-';
  for (const byte of bytes) id += alphabet.charAt(byte % alphabet.length);
  return id;
}

/**
 * How long a dial holds its callback when nobody renews it. The live dial renews it (a third of
 * it at a time), so it only has to outlast a renewal or two missed through a Redis hiccup.
 */
export const DEFAULT_DIAL_LEASE_MS = 90_000;

/** Which dial holds a callback, and for how long unless renewed. */
export interface DialLease {
  /** The dial's id (the dial-back session id); finishDial, renew and abandon name it. */
  readonly dialId: string;
  readonly leaseMs: number;
}

/** Why and by whom a dial is abandoned. */
export interface AbandonedDial {
  readonly by: string;
  readonly now: number;
  /** Why, for the history. */
  readonly detail: string;
}

/** The result of one dial attempt, reported by whoever dialled. */
export interface DialResult {
  /** aborted: the customer was never dialled (the person didn't confirm); not counted as an attempt. */
  readonly reached: boolean | 'aborted';
  /** What happened, for the history. */
  readonly detail?: string;
  readonly talkMs: number;
  readonly by: string;
  readonly now: number;
  /** Dial attempts allowed in all; the last one that fails makes the callback `failed`. */
  readonly maxAttempts: number;
  /** The dial whose result this is; refused if another dial holds the callback now. */
  readonly dialId?: string;
}

/** A history entry that changes no status. */
export interface HistoryNote {
  readonly event: NoteEvent;
  readonly at: number;
  readonly by: string;
  readonly detail?: string;
}

export interface CallbackStore {
  readonly keys: Keys;
  /** A missed call: a new pending callback, or folded into the number's open one ("called-again"). */
  recordMissedCall(call: MissedCall): Promise<RecordedCallback>;
  /**
   * Closes an open (pending or dialing) callback as done or cancelled; a done one keeps how the
   * customer was reached (default: a person said so, "by-hand").
   * Errors: NM_CALLBACK_NOT_FOUND, NM_CALLBACK_CLOSED.
   */
  close(id: string, status: ClosingStatus, by: string, now: number, detail?: string, reachedVia?: ReachedVia): Promise<Callback>;
  /**
   * pending -> dialing, so no other instance dials it too; the dial holds it for `lease.leaseMs`
   * unless renewed (default: an anonymous dial for DEFAULT_DIAL_LEASE_MS).
   * Errors: NM_CALLBACK_NOT_FOUND, NM_CALLBACK_BUSY (dialing already), NM_CALLBACK_CLOSED.
   */
  startDial(id: string, by: string, now: number, lease?: DialLease): Promise<Callback>;
  /**
   * dialing -> done (reached), pending (not reached, attempts left) or failed (the last attempt).
   * Errors: NM_CALLBACK_NOT_FOUND, NM_CALLBACK_NOT_DIALING (pending, or held by another dial),
   * NM_CALLBACK_CLOSED, NM_USAGE.
   */
  finishDial(id: string, result: DialResult): Promise<Callback>;
  /**
   * dialing -> pending at once, not counted as an attempt: the dial `dialId` could not start.
   * Errors: NM_CALLBACK_NOT_FOUND, NM_CALLBACK_NOT_DIALING (pending, or held by another dial),
   * NM_CALLBACK_CLOSED.
   */
  abandonDial(id: string, dialId: string, abandoned: AbandonedDial): Promise<Callback>;
  /**
   * dialing -> pending if its dialing lease ended at or before `now` (the service that dialled
   * stopped); null when there is nothing to abandon (not dialing, closed, or the lease holds).
   * Checked atomically: of several instances sweeping at once, one abandons it.
   */
  abandonExpiredDial(id: string, abandoned: AbandonedDial & { readonly fallbackLeaseMs: number }): Promise<Callback | null>;
  /** Extends the lease of the dial `dialId` to `until`; false when that dial no longer holds the callback. */
  renewDialLease(id: string, dialId: string, until: number): Promise<boolean>;
  /**
   * Claims the scheduling of a new callback's follow-up jobs for `owner` until now + leaseMs;
   * the callback when claimed, null when there is nothing to schedule (done already, claimed by
   * another, closed, or recorded before follow-up states existed).
   */
  claimFollowUp(id: string, owner: string, now: number, leaseMs: number): Promise<Callback | null>;
  /** The follow-up jobs `owner` claimed are in: no sweep schedules them again. False if not its claim. */
  finishFollowUp(id: string, owner: string): Promise<boolean>;
  /** The callback's history, oldest first. Errors: NM_CALLBACK_NOT_FOUND. */
  history(id: string): Promise<HistoryEntry[]>;
  /** Records a note event (notified, reminded, escalated, not-reached). Errors: NM_CALLBACK_NOT_FOUND, NM_USAGE. */
  appendHistory(id: string, note: HistoryNote): Promise<void>;
  /** The callback a call id was recorded into (kept 30 days), or null. */
  callbackOfCall(callId: string): Promise<string | null>;
  /** The open (pending or dialing) callback for a number, or null. */
  findPendingByCaller(number: string): Promise<Callback | null>;
  /**
   * Closes the number's open callback if it has one (the customer was reached another way); null if none.
   * With `lastCallAtMost`, only a callback whose last missed call was at or before that time (ms).
   * `reachedVia`: how, for a done one (default "called-again": they rang and a person answered).
   */
  closeByCaller(
    number: string,
    status: ClosingStatus,
    by: string,
    now: number,
    detail?: string,
    options?: { readonly lastCallAtMost?: number; readonly reachedVia?: ReachedVia },
  ): Promise<Callback | null>;
  get(id: string): Promise<Callback | null>;
  /** Open (pending or dialing) callbacks, earliest due first. */
  listPending(): Promise<Callback[]>;
  logCall(entry: CallLogEntry): Promise<boolean>;
  getCall(callId: string): Promise<CallLogEntry | null>;
  /** Notes whom a call in progress was put through to, for `ttlMs` (docs/decisions/0012). */
  noteAnswered(callId: string, answered: AnsweredCall, ttlMs: number): Promise<void>;
  answeredCall(callId: string): Promise<AnsweredCall | null>;
  saveMessage(message: CallerMessage): Promise<void>;
  listMessages(): Promise<CallerMessage[]>;
  /** Whether this number was texted back within its window. */
  wasTextedBack(number: string): Promise<boolean>;
  /** Remembers a text to this number for `windowMs`. */
  markTextedBack(number: string, windowMs: number): Promise<void>;
  /** Counts a text-back to this number if callable.textBack's limits allow it (text-back-limit.ts). */
  takeTextBackSlot(number: string, limits: TextBackLimits, now: number): Promise<TextBackSlot>;
}

export function createCallbackStore(redis: Redis, prefix: string): CallbackStore {
  const keys = createKeys(prefix);
  const textBackLimiter = createTextBackLimiter(redis, keys);
  const scripts = {
    recordMissedCall: defineScript(redis, 'recordMissedCall-5'),
    closeCallback: defineScript(redis, 'closeCallback-4'),
    closeByCaller: defineScript(redis, 'closeByCaller-3'),
    startDial: defineScript(redis, 'startDial-2'),
    finishDial: defineScript(redis, 'finishDial-4'),
    abandonDial: defineScript(redis, 'abandonDial-2'),
    renewDialLease: defineScript(redis, 'renewDialLease-1'),
    claimFollowUp: defineScript(redis, 'claimFollowUp-1'),
    finishFollowUp: defineScript(redis, 'finishFollowUp-1'),
    appendHistory: defineScript(redis, 'appendHistory-2'),
    logCall: defineScript(redis, 'logCall-2'),
    saveMessage: defineScript(redis, 'saveMessage-2'),
    noteAnswered: defineScript(redis, 'noteAnswered-1'),
  };

  async function get(id: string): Promise<Callback | null> {
    const fields = await wrap('get callback', redis.hgetall(keys.callback(id)));
    return fields['id'] ? toCallback(fields) : null;
  }

  return {
    keys,

    async recordMissedCall(call) {
      const [id, created, attempts, dueAt, duplicate] = (await scripts.recordMissedCall(
        keys.pendingByCaller(call.caller), keys.pending, keys.callbackPrefix, keys.recordedCall(call.callId), keys.callbacksCreated,
        newCallbackId(), call.caller, call.called, call.route, String(call.at), String(call.dueAt), call.callId, call.language,
        HISTORY_SUFFIX, String(RECORDED_CALL_TTL_MS), call.note ?? '', callerNameOf(call.callerName ?? ''),
      )) as [string, number, number, number, number];
      return { id, created: created === 1, attempts, dueAt, duplicate: duplicate === 1 };
    },

    async close(id, status, by, now, detail = '', reachedVia = 'by-hand') {
      assertClosingStatus(status);
      const reply = await scripts.closeCallback(
        keys.callback(id), keys.history(id), keys.pending, keys.pendingByCallerPrefix,
        id, status, String(now), by, detail, reachedVia,
      );
      return applied(reply, id, { type: 'close', status });
    },

    async startDial(id, by, now, { dialId, leaseMs } = { dialId: '', leaseMs: DEFAULT_DIAL_LEASE_MS }) {
      if (!Number.isSafeInteger(leaseMs) || leaseMs < 1) {
        throw new NevermissError(ErrorCodes.USAGE, `startDial "${id}": the lease must be a whole number of ms >= 1, got ${leaseMs}`, { id });
      }
      const reply = await scripts.startDial(keys.callback(id), keys.history(id), String(now), by, dialId, String(now + leaseMs));
      return applied(reply, id, { type: 'startDial' });
    },

    async abandonDial(id, dialId, { by, now, detail }) {
      const reply = await scripts.abandonDial(keys.callback(id), keys.history(id), String(now), by, detail, dialId, '0', '0');
      if (heldByAnotherDial(reply)) throw anotherDial(id, dialId);
      return applied(reply, id, { type: 'abandonDial' });
    },

    async abandonExpiredDial(id, { by, now, detail, fallbackLeaseMs }) {
      const reply = await scripts.abandonDial(keys.callback(id), keys.history(id), String(now), by, detail, '', '1', String(fallbackLeaseMs));
      const [code] = Array.isArray(reply) ? (reply as unknown[]) : [];
      if (code === 1) return applied(reply, id, { type: 'abandonDial' });
      if (code === -1) throw notFound(id);
      if (code === -2 || code === -3) return null;
      throw new NevermissError(ErrorCodes.REDIS, `unexpected reply from Redis for abandonExpiredDial of callback "${id}": ${JSON.stringify(reply)}`, { id });
    },

    async renewDialLease(id, dialId, until) {
      return (await scripts.renewDialLease(keys.callback(id), dialId, String(until))) === 1;
    },

    async claimFollowUp(id, owner, now, leaseMs) {
      const [code, fields] = (await scripts.claimFollowUp(keys.callback(id), String(now), owner, String(leaseMs))) as [number, unknown];
      if (code === -1) throw notFound(id);
      return code === 1 ? toCallback(fieldsFromPairs(fields)) : null;
    },

    async finishFollowUp(id, owner) {
      return (await scripts.finishFollowUp(keys.callback(id), owner)) === 1;
    },

    async finishDial(id, { reached, talkMs, by, now, maxAttempts, detail = '', dialId = '' }) {
      if (!Number.isInteger(maxAttempts) || maxAttempts < 1) {
        throw new NevermissError(ErrorCodes.USAGE, `finishDial "${id}": maxAttempts must be a whole number >= 1, got ${maxAttempts}`, { id });
      }
      if (!Number.isFinite(talkMs) || talkMs < 0) {
        throw new NevermissError(ErrorCodes.USAGE, `finishDial "${id}": talkMs must be a number of ms >= 0, got ${talkMs}`, { id });
      }
      const reply = await scripts.finishDial(
        keys.callback(id), keys.history(id), keys.pending, keys.pendingByCallerPrefix,
        id, String(now), by, reached === 'aborted' ? 'aborted' : reached ? '1' : '0', String(Math.round(talkMs)), String(maxAttempts), detail, dialId,
      );
      if (heldByAnotherDial(reply)) throw anotherDial(id, dialId);
      return applied(reply, id, { type: 'finishDial', reached: reached === true, dialAttempts: 0, maxAttempts });
    },

    async history(id) {
      const replies = await wrap('read callback history', redis.multi().exists(keys.callback(id)).lrange(keys.history(id), 0, -1).exec());
      const [exists, entries] = (replies ?? []).map(([err, value]) => {
        if (err) throw new NevermissError(ErrorCodes.REDIS, `Redis failed to read the history of callback "${id}": ${err.message}`, { id }, { cause: err });
        return value;
      });
      if (exists !== 1) throw notFound(id);
      return (Array.isArray(entries) ? entries : []).map((raw) => toHistoryEntry(String(raw)));
    },

    async appendHistory(id, { event, at, by, detail = '' }) {
      if (!isNoteEvent(event)) {
        throw new NevermissError(ErrorCodes.USAGE, `history event "${String(event)}" changes a status; only ${NOTE_EVENTS.join(', ')} are appended directly`, { id });
      }
      const [code] = (await scripts.appendHistory(keys.callback(id), keys.history(id), String(at), event, by, detail)) as [number];
      if (code === -1) throw notFound(id);
    },

    async callbackOfCall(callId) {
      return wrap('look up the callback of a call', redis.get(keys.recordedCall(callId)));
    },

    async findPendingByCaller(number) {
      const id = await wrap('look up a caller\'s callback', redis.get(keys.pendingByCaller(number)));
      if (id === null) return null;
      const callback = await get(id);
      return callback && isOpen(callback.status) ? callback : null;
    },

    async closeByCaller(number, status, by, now, detail = '', options = {}) {
      assertClosingStatus(status);
      const reply = await scripts.closeByCaller(
        keys.pendingByCaller(number), keys.pending, keys.callbackPrefix,
        status, String(now), by, detail, HISTORY_SUFFIX, options.lastCallAtMost === undefined ? '' : String(options.lastCallAtMost),
        options.reachedVia ?? 'called-again',
      );
      if (Array.isArray(reply) && reply[0] === 0) return null;
      return applied(reply, `(open callback of ${number})`, { type: 'close', status });
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
      return (await scripts.logCall(keys.call(entry.callId), keys.calls, entry.callId, String(entry.startedAt), ...fields)) === 1;
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

    async wasTextedBack(number) {
      return (await wrap('read the text-back mark', redis.exists(keys.textedBack(number)))) === 1;
    },

    async markTextedBack(number, windowMs) {
      await wrap('set the text-back mark', redis.set(keys.textedBack(number), '1', 'PX', Math.max(1, Math.round(windowMs))));
    },

    takeTextBackSlot: (number, limits, now) => textBackLimiter.take(number, limits, now),

    async getCall(callId) {
      const fields = await wrap('get call log', redis.hgetall(keys.call(callId)));
      return fields['callId'] ? toCallLogEntry(fields) : null;
    },

    async noteAnswered(callId, answered, ttlMs) {
      const key = keys.answeredCall(callId);
      await scripts.noteAnswered(key, String(Math.max(1, Math.round(ttlMs))), 'person', answered.person, 'phone', answered.phone, 'at', String(answered.at));
    },

    async answeredCall(callId) {
      const fields = await wrap('read an answered call', redis.hgetall(keys.answeredCall(callId)));
      const at = Number(fields['at']);
      return fields['person'] && fields['phone'] && Number.isFinite(at) ? { person: fields['person'], phone: fields['phone'], at } : null;
    },
  };
}

/**
 * The one mapper from a lifecycle script's reply to a callback or a coded error:
 *   { 1, previous status, fields } -> the callback as it is now
 *   { -1 }                         -> NM_CALLBACK_NOT_FOUND
 *   { -2, current status }         -> the refusal lifecycle.ts `decide` gives for that status
 */
function applied(reply: unknown, id: string, action: LifecycleAction): Callback {
  const [code, status, fields] = Array.isArray(reply) ? (reply as unknown[]) : [];
  if (code === 1) return toCallback(fieldsFromPairs(fields));
  if (code === -1) throw notFound(id);
  if (code === -2 && typeof status === 'string' && isCallbackStatus(status)) {
    const decision = decide(status, action);
    if (!decision.ok) {
      switch (decision.refusal) {
        case 'closed':
          return refuse(ErrorCodes.CALLBACK_CLOSED, `callback "${id}" is already ${status}; nothing changed`, id, status);
        case 'busy':
          return refuse(ErrorCodes.CALLBACK_BUSY, `callback "${id}" is being dialled already; wait for that dial to finish`, id, status);
        case 'not-dialing':
          return refuse(ErrorCodes.CALLBACK_NOT_DIALING, `callback "${id}" is ${status}, nobody is dialling it; start a dial before reporting its result`, id, status);
      }
    }
  }
  throw new NevermissError(ErrorCodes.REDIS, `unexpected reply from Redis for ${action.type} of callback "${id}": ${JSON.stringify(reply)}`, { id });
}

/** { -4, current dial id }: the callback is dialled by another dial than the one named. */
function heldByAnotherDial(reply: unknown): boolean {
  return Array.isArray(reply) && reply[0] === -4;
}

function anotherDial(id: string, dialId: string): NevermissError {
  return new NevermissError(
    ErrorCodes.CALLBACK_NOT_DIALING,
    `callback "${id}" is no longer dialled by dial "${dialId}" (its lease ran out and it was dialled again); nothing changed`,
    { id, dialId },
  );
}

function refuse(code: ErrorCode, message: string, id: string, status: CallbackStatus): never {
  throw new NevermissError(code, message, { id, status });
}

function notFound(id: string): NevermissError {
  return new NevermissError(ErrorCodes.CALLBACK_NOT_FOUND, `no callback with id "${id}"; list them with "nevermiss callbacks list"`, { id });
}

function assertClosingStatus(status: string): asserts status is ClosingStatus {
  if (status !== 'done' && status !== 'cancelled') {
    throw new NevermissError(ErrorCodes.USAGE, `a callback is closed as "done" or "cancelled", not "${status}"`);
  }
}

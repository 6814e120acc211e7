/**
 * PURE: what the dialplan snippet keeps in Asterisk's database (AstDB) while nevermiss is down,
 * read back from the Stasis() arguments of the snippet's [nevermiss-drain] context, and what each
 * entry becomes. Nothing here performs I/O; src/app/drain.ts acts on the results.
 *
 * An entry is one line of "|"-separated fields, the caller-controlled ones URI-encoded by the
 * dialplan (URIENCODE), so no caller ID can add a field, a Stasis() argument or dialplan syntax:
 *
 *   nevermiss/fallback/<call id>   1|<start ms>|<caller number>|<caller name>|<dialled number>|ringing||
 *                                  1|<start ms>|<caller number>|<caller name>|<dialled number>|ended|<DIALSTATUS>|<ANSWEREDTIME>|<end ms>
 *   nevermiss/inbound/<call id>    1|<start ms>|<caller number>|<caller name>|<dialled number>|<end ms>
 *                                  written when a call that went into the Stasis app ends
 *   nevermiss/outbound/<call id>   1|<end ms>|<number dialled>|<calling phone's number>|<ANSWEREDTIME>
 *
 * The call id is the channel's ${UNIQUEID}, which is also its ARI channel id: a call the service
 * saw before it went to the fallback keeps one id everywhere (one callback, one call-log entry).
 * Everything is checked again here: a field that doesn't decode is treated as missing (a caller
 * number that doesn't decode is a withheld one), an entry without a readable time is unreadable.
 */
import type { CallbackReason, Outcome } from '../call-flow/types.js';
import type { AnsweredCall } from '../callbacks/types.js';
import type { Config } from '../config/types.js';
import { decide, type StatusInput } from '../routing/decide.js';
import { decideCallbackPromise, type PromiseKind } from '../schedule/promise.js';

export const ASTDB_FAMILIES = ['fallback', 'inbound', 'outbound'] as const;
export type AstdbFamily = (typeof ASTDB_FAMILIES)[number];

/** The snippet's context that hands entries to the service, and its labels (see dialplan/nevermiss.conf). */
export const DRAIN_DIALPLAN = {
  context: 'nevermiss-drain',
  /** Where the Local channel's ;2 half starts; the labels below are priorities of this extension. */
  extension: 's',
  /** Where the ;1 half waits while the ;2 half drains. */
  holdExtension: 'hold',
  /** The channel variable that names the Stasis app the entries go to (each instance its own). */
  appVariable: 'NEVERMISS_DRAIN_APP',
  /** The global that stops the snippet noting calls that went into the app ("0": nobody drains them). */
  noteCallsVariable: 'NEVERMISS_NOTE_CALLS',
} as const;

/** Where the service sends the drain channel after an entry: stored, not yet, or read it again. */
export type DrainLabel = 'delete' | 'keep' | 'read';

/** Keys are ${UNIQUEID} filtered by the dialplan to these characters. */
const KEY_PATTERN = /^[A-Za-z0-9._-]{1,100}$/;
/** What URIENCODE leaves as it is, and %XX escapes. */
const URI_ENCODED = /^(?:[A-Za-z0-9\-_.!~*'()]|%[0-9A-Fa-f]{2})*$/;
/** Epoch ms between 2000-01-01 and 2200-01-01: anything else is not a time the PBX wrote. */
const MIN_TIME_MS = 946_684_800_000;
const MAX_TIME_MS = 7_258_118_400_000;
/** The dialplan cuts caller-controlled fields to 64 characters before encoding them. */
const MAX_FIELD_CHARS = 64;

export interface FallbackEntry {
  readonly family: 'fallback';
  readonly key: string;
  readonly startedAt: number;
  /** As the PBX delivered it ("" when it didn't decode); decide() turns it into E.164 or withheld. */
  readonly callerRaw: string;
  readonly callerName: string;
  readonly called: string;
  /** null while the call is still in the fallback (or the PBX stopped before its hangup handler ran). */
  readonly ended: {
    /** Asterisk's DIALSTATUS of the fallback's Dial: ANSWER, NOANSWER, BUSY, CANCEL, ... or "" (no Dial). */
    readonly dialStatus: string;
    readonly answeredSec: number;
    readonly endedAt: number;
  } | null;
}

/** A call that went into the Stasis app, noted by the PBX when the caller left. */
export interface InboundEntry {
  readonly family: 'inbound';
  readonly key: string;
  readonly startedAt: number;
  readonly callerRaw: string;
  readonly callerName: string;
  readonly called: string;
  readonly endedAt: number;
}

export interface OutboundEntry {
  readonly family: 'outbound';
  readonly key: string;
  /** When the outbound call ended. */
  readonly at: number;
  readonly number: string;
  readonly from: string;
  readonly answeredSec: number;
}

export type AstdbEntry = FallbackEntry | InboundEntry | OutboundEntry;

/** One StasisStart of a drain channel, read. */
export type DrainStep =
  | { readonly kind: 'entry'; readonly entry: AstdbEntry }
  /** The key had no value any more (another instance drained it meanwhile). */
  | { readonly kind: 'gone'; readonly family: AstdbFamily; readonly key: string }
  | { readonly kind: 'unreadable'; readonly family: string; readonly key: string; readonly problem: string }
  /** Every entry was handed over. */
  | { readonly kind: 'done' };

/** The Stasis() roles the drain context uses; any other StasisStart is not a drain's. */
export function isDrainRole(role: string | undefined): boolean {
  return role === 'drained' || role === 'drain-done';
}

/** Reads the StasisStart arguments of a drain channel: ["drained", family, key, value] or ["drain-done"]. */
export function readDrainStep(args: readonly string[]): DrainStep {
  const [role, family = '', key = '', ...rest] = args;
  if (role === 'drain-done') return { kind: 'done' };
  const unreadable = (problem: string): DrainStep => ({ kind: 'unreadable', family: printable(family), key: printable(key), problem });
  if (role !== 'drained') return unreadable(`not a drain step: ${printable(role ?? '')}`);
  if (!isFamily(family)) return unreadable(`unknown AstDB family "${printable(family)}"`);
  if (!KEY_PATTERN.test(key)) return unreadable('the key is not a channel id');
  // The value is the last argument; it has no commas, but join the rest in case a PBX split it.
  const value = rest.join(',');
  if (value === '') return { kind: 'gone', family, key };
  const parsed = family === 'fallback' ? readFallback(key, value) : family === 'inbound' ? readInbound(key, value) : readOutbound(key, value);
  return typeof parsed === 'string' ? unreadable(parsed) : { kind: 'entry', entry: parsed };
}

function readFallback(key: string, value: string): FallbackEntry | string {
  const fields = value.split('|');
  const [version, start, number, name, did, phase, dialStatus, answered, end] = fields;
  if (version !== '1') return `unknown entry version "${printable(version ?? '')}" (a newer snippet?)`;
  const startedAt = timeField(start);
  if (startedAt === null) return 'the start time is not a time';
  const entry = {
    family: 'fallback' as const,
    key,
    startedAt,
    callerRaw: textField(number) ?? '',
    callerName: textField(name) ?? '',
    called: textField(did) ?? '',
  };
  if (phase === 'ringing') return { ...entry, ended: null };
  if (phase !== 'ended') return `unknown call phase "${printable(phase ?? '')}"`;
  const endedAt = timeField(end) ?? startedAt;
  return {
    ...entry,
    ended: {
      dialStatus: /^[A-Z]{1,20}$/.test(dialStatus ?? '') ? (dialStatus ?? '') : '',
      answeredSec: secondsField(answered),
      endedAt: Math.max(endedAt, startedAt),
    },
  };
}

function isFamily(family: string): family is AstdbFamily {
  return (ASTDB_FAMILIES as readonly string[]).includes(family);
}

function readInbound(key: string, value: string): InboundEntry | string {
  const [version, start, number, name, did, end] = value.split('|');
  if (version !== '1') return `unknown entry version "${printable(version ?? '')}" (a newer snippet?)`;
  const startedAt = timeField(start);
  if (startedAt === null) return 'the start time is not a time';
  const endedAt = Math.max(timeField(end) ?? startedAt, startedAt);
  return {
    family: 'inbound',
    key,
    startedAt,
    callerRaw: textField(number) ?? '',
    callerName: textField(name) ?? '',
    called: textField(did) ?? '',
    endedAt,
  };
}

function readOutbound(key: string, value: string): OutboundEntry | string {
  const [version, end, number, from, answered] = value.split('|');
  if (version !== '1') return `unknown entry version "${printable(version ?? '')}" (a newer snippet?)`;
  const at = timeField(end);
  if (at === null) return 'the time is not a time';
  const dialled = textField(number);
  if (!dialled) return 'no number dialled';
  return { family: 'outbound', key, at, number: dialled, from: textField(from) ?? '', answeredSec: secondsField(answered) };
}

function timeField(text: string | undefined): number | null {
  if (text === undefined || !/^[0-9]{1,16}$/.test(text)) return null;
  const ms = Number(text);
  return ms >= MIN_TIME_MS && ms <= MAX_TIME_MS ? ms : null;
}

function secondsField(text: string | undefined): number {
  return text !== undefined && /^[0-9]{1,7}$/.test(text) ? Number(text) : 0;
}

/** A URI-encoded field as text (control characters become spaces), or null when it isn't one. */
function textField(text: string | undefined): string | null {
  if (text === undefined) return null;
  const decoded = uriDecode(text);
  if (decoded === null) return null;
  return decoded.replace(/\p{Cc}/gu, ' ').slice(0, MAX_FIELD_CHARS * 2);
}

/**
 * Decodes what Asterisk's URIENCODE wrote: %XX escapes of UTF-8 (or any other) bytes; bytes that
 * aren't UTF-8 become U+FFFD rather than failing, so a Latin-1 caller name still reads.
 */
export function uriDecode(text: string): string | null {
  if (!URI_ENCODED.test(text)) return null;
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i += 1) {
    if (text[i] === '%') {
      bytes.push(parseInt(text.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(text.charCodeAt(i));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/** For log lines about entries that can't be read: no control characters, bounded. */
function printable(text: string): string {
  return text.replace(/\p{Cc}/gu, '?').slice(0, 120);
}

/**
 * A call the PBX noted, as the drain stores it: routed by its dialled number with the rules in
 * force, the caller's number normalised as for a live call, and a callback due by the route's
 * promise rules at the time of the call, not at the time of the drain.
 */
export interface NotedCall {
  readonly callId: string;
  /** E.164 where it could be normalised; null when withheld or not a number. */
  readonly caller: string | null;
  readonly callerName: string;
  readonly called: string;
  readonly routeId: string;
  readonly language: string;
  readonly startedAt: number;
  readonly endedAt: number;
  readonly blocked: boolean;
  /** The callback to record: null when a person took the call, or the caller is withheld or blocked. */
  readonly callback: { readonly dueAt: number; readonly promise: PromiseKind } | null;
}

type NotedCaller = Pick<FallbackEntry, 'key' | 'callerRaw' | 'callerName' | 'called' | 'startedAt'>;

function notedCall(entry: NotedCaller, endedAt: number, taken: boolean, rules: Config, status: StatusInput): NotedCall {
  const decision = decide(rules, { callId: entry.key, called: entry.called, callerRaw: entry.callerRaw, callerName: entry.callerName, now: entry.startedAt, status });
  const blocked = decision.plan.treatment === 'blocked';
  const promise = !taken && decision.caller !== null && !blocked ? decideCallbackPromise(decision.plan.promise, entry.startedAt) : null;
  return {
    callId: entry.key,
    caller: decision.caller,
    callerName: entry.callerName,
    called: entry.called,
    routeId: decision.route.id,
    language: decision.route.language,
    startedAt: entry.startedAt,
    endedAt,
    blocked,
    callback: promise ? { dueAt: promise.dueAt, promise: promise.kind } : null,
  };
}

/** What one fallback call becomes: a call-log entry, and a callback when nobody took it. */
export interface FallbackCall extends NotedCall {
  /** A person answered the fallback's Dial. */
  readonly answered: boolean;
  readonly dialStatus: string;
  readonly talkMs: number;
  /** Why there is a callback to make (null when answered). */
  readonly reason: CallbackReason | null;
}

/** A fallback entry as a call. An entry that never ended (the PBX stopped during the call) counts as not answered. */
export function fallbackCall(entry: FallbackEntry, rules: Config, status: StatusInput): FallbackCall {
  const dialStatus = entry.ended?.dialStatus ?? '';
  const answered = dialStatus === 'ANSWER';
  return {
    ...notedCall(entry, entry.ended?.endedAt ?? entry.startedAt, answered, rules, status),
    answered,
    dialStatus,
    talkMs: answered ? (entry.ended?.answeredSec ?? 0) * 1000 : 0,
    reason: answered ? null : dialStatus === 'CANCEL' ? 'caller-hung-up' : 'no-answer',
  };
}

/** The call log's outcome of a fallback call. */
export function fallbackOutcome(call: FallbackCall, callbackId: string | null): Outcome {
  return { kind: 'fallback', answered: call.answered, dialStatus: call.dialStatus, talkMs: call.talkMs, reason: call.reason, callbackId };
}

/** The history note of a callback recorded from AstDB. */
export const DOWNTIME_NOTE = 'recorded by the PBX while nevermiss was down';

/** What a call the PBX noted when its caller left becomes, if the service never logged it itself. */
export interface InterruptedCall extends NotedCall {
  /** Whom the caller was put through to (the service notes it in Redis when it bridges a call). */
  readonly answered: AnsweredCall | null;
}

/**
 * An inbound entry of a call nobody logged: the service was killed, restarted or cut off while
 * the caller waited, and the caller left before it (or a standby) could adopt them. A caller
 * nobody talked to is a missed call whose reason says it was interrupted, exactly as for a caller
 * adopted after a restart.
 */
export function interruptedCall(entry: InboundEntry, answered: AnsweredCall | null, rules: Config, status: StatusInput): InterruptedCall {
  return {
    ...notedCall(entry, entry.endedAt, answered !== null, rules, status),
    answered: answered && { ...answered, at: Math.min(Math.max(answered.at, entry.startedAt), entry.endedAt) },
  };
}

/** The call log's outcome of such a call (callbackId: the callback recorded for it, if any). */
export function interruptedOutcome(call: InterruptedCall, callbackId: string | null): Outcome {
  if (call.answered) {
    const { person, phone, at } = call.answered;
    return { kind: 'answered', by: { person, phone }, ringMs: at - call.startedAt, talkMs: call.endedAt - at };
  }
  if (call.blocked) return { kind: 'blocked' };
  if (call.callback && callbackId !== null) {
    return { kind: 'callback-pending', callbackId, reason: 'interrupted', promise: call.callback.promise, dueAt: call.callback.dueAt };
  }
  return { kind: 'withheld-no-callback', reason: 'interrupted', message: null };
}

/** The history note of a callback recorded from an inbound entry. */
export const INTERRUPTED_NOTE = 'the caller left while nevermiss was restarting or cut off from the PBX';

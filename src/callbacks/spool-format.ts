/**
 * The spool's file format, as pure functions: one JSON object per line, each line a record that
 * Redis could not take when it was made (a missed call, a call's outcome, a withheld caller's
 * message). Lines are only ever appended; a replayed prefix is dropped by rewriting the file.
 *
 * Reading a spool back after a crash: a last line without its newline is a write the crash cut
 * short. If it still reads as a whole entry it is kept (its fsync may not have finished, but
 * keeping a record the caller may not have been promised only makes an extra callback); if not,
 * it is torn and dropped (its caller was never told "we'll call you back", as the promise waits
 * for the fsync). Any other line that does not read is set aside, never silently lost.
 */
import type { Outcome } from '../call-flow/types.js';
import type { CallerMessage, CallLogEntry, MissedCall } from './types.js';

/** Bumped when the shape of a line changes; lines of another version are set aside, not guessed at. */
export const SPOOL_FORMAT = 1;

export type SpoolEntry =
  | { readonly kind: 'missed-call'; readonly spooledAt: number; readonly call: MissedCall }
  | { readonly kind: 'call-log'; readonly spooledAt: number; readonly entry: CallLogEntry }
  | { readonly kind: 'message'; readonly spooledAt: number; readonly message: CallerMessage };

export type SpoolEntryKind = SpoolEntry['kind'];

/** The call an entry belongs to. */
export function callIdOf(entry: SpoolEntry): string {
  switch (entry.kind) {
    case 'missed-call':
      return entry.call.callId;
    case 'call-log':
      return entry.entry.callId;
    case 'message':
      return entry.message.callId;
  }
}

/**
 * The callback id a caller's outcome names while their callback waits in the spool. Callback
 * ids start with "cb-", so the two can't be confused; the call log never keeps this one (the
 * outcome waits in the spool behind its record, and gets the real id when both are replayed).
 */
export function provisionalCallbackId(callId: string): string {
  return `spool:${callId}`;
}

export function isProvisionalCallbackId(id: string): boolean {
  return id.startsWith('spool:');
}

/** One line of the file, newline included. */
export function encodeEntry(entry: SpoolEntry): string {
  return `${JSON.stringify({ v: SPOOL_FORMAT, ...entry })}\n`;
}

/** The entry a line holds, or null when it is not a whole, valid entry of this format. */
export function decodeEntry(line: string): SpoolEntry | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return null;
  }
  if (!isObject(parsed) || parsed['v'] !== SPOOL_FORMAT || !isTime(parsed['spooledAt'])) return null;
  const spooledAt = parsed['spooledAt'];
  switch (parsed['kind']) {
    case 'missed-call': {
      const call = missedCall(parsed['call']);
      return call && { kind: 'missed-call', spooledAt, call };
    }
    case 'call-log': {
      const entry = callLogEntry(parsed['entry']);
      return entry && { kind: 'call-log', spooledAt, entry };
    }
    case 'message': {
      const message = callerMessage(parsed['message']);
      return message && { kind: 'message', spooledAt, message };
    }
    default:
      return null;
  }
}

export interface ParsedSpool {
  /** The entries in file order, each with the exact line it was read from (newline included). */
  readonly entries: ReadonlyArray<{ readonly entry: SpoolEntry; readonly line: string }>;
  /** Lines that are not entries (corruption, another format version): kept aside by the caller. */
  readonly unreadable: readonly string[];
  /** The bytes of a torn last line (dropped), or null when the file ended cleanly. */
  readonly torn: string | null;
  /** Whether the file must be rewritten to hold exactly `entries` (something was dropped, set aside or completed). */
  readonly needsRewrite: boolean;
}

export function parseSpool(text: string): ParsedSpool {
  const pieces = text.split('\n');
  // After the last newline: '' for a file that ended cleanly, else a line cut short.
  const tail = pieces.pop() ?? '';
  const entries: Array<{ entry: SpoolEntry; line: string }> = [];
  const unreadable: string[] = [];
  let needsRewrite = false;
  for (const piece of pieces) {
    if (piece.trim() === '') {
      if (piece !== '') needsRewrite = true;
      continue;
    }
    const entry = decodeEntry(piece);
    if (entry) entries.push({ entry, line: `${piece}\n` });
    else {
      unreadable.push(piece);
      needsRewrite = true;
    }
  }
  let torn: string | null = null;
  if (tail !== '') {
    needsRewrite = true;
    const entry = decodeEntry(tail);
    if (entry) entries.push({ entry, line: `${tail}\n` });
    else torn = tail;
  }
  return { entries, unreadable, torn, needsRewrite };
}

function missedCall(value: unknown): MissedCall | null {
  if (!isObject(value)) return null;
  const { callId, caller, called, route, language, at, dueAt, note, callerName } = value;
  if (!isText(callId) || !isText(caller) || !isString(called) || !isString(route) || !isString(language)) return null;
  if (!isTime(at) || !isTime(dueAt) || (note !== undefined && !isString(note)) || (callerName !== undefined && !isString(callerName))) return null;
  return { callId, caller, called, route, language, at, dueAt, ...(note === undefined ? {} : { note }), ...(callerName === undefined ? {} : { callerName }) };
}

function callLogEntry(value: unknown): CallLogEntry | null {
  if (!isObject(value)) return null;
  const { callId, caller, called, route, startedAt, endedAt, outcome } = value;
  if (!isText(callId) || !isString(caller) || !isString(called) || !isString(route)) return null;
  if (!isTime(startedAt) || !isTime(endedAt) || !isOutcome(outcome)) return null;
  return { callId, caller, called, route, startedAt, endedAt, outcome };
}

function callerMessage(value: unknown): CallerMessage | null {
  if (!isObject(value)) return null;
  const { callId, called, route, recording, at } = value;
  if (!isText(callId) || !isString(called) || !isString(route) || !isText(recording) || !isTime(at)) return null;
  return { callId, called, route, recording, at };
}

const OUTCOME_KINDS: ReadonlySet<string> = new Set<Outcome['kind']>(['answered', 'callback-pending', 'withheld-no-callback', 'blocked', 'failed']);

/** The outcome came from the call flow in this process: checked for its kind, and a callback id where one belongs. */
function isOutcome(value: unknown): value is Outcome {
  if (!isObject(value) || !isString(value['kind']) || !OUTCOME_KINDS.has(value['kind'])) return false;
  return value['kind'] !== 'callback-pending' || isText(value['callbackId']);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isString(value: unknown): value is string {
  return typeof value === 'string';
}

function isText(value: unknown): value is string {
  return typeof value === 'string' && value !== '';
}

function isTime(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

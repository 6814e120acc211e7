/**
 * One caller's data: which number a person means, and what is held about it, as JSON
 * (`nevermiss export`). Erasing it is `Eraser.forget` (src/callbacks/erase.ts). The records are
 * read from Redis only: the service's logs, the local spool (until replayed) and the PBX (its
 * call records, AstDB until drained, voicemail) keep their own, see docs/decisions/0017.
 */
import { ErrorCodes, NevermissError } from '../errors.js';
import { normalizeNumber } from '../routing/numbers.js';
import { callbackToJson } from '../callbacks/types.js';
import type { CallerRecords } from '../callbacks/erase.js';
import { jobToJson } from '../callbacks/job-queue.js';

/**
 * The number as the service stores it: E.164, national numbers read as `country`'s (the firm's),
 * or the digits of an internal extension.
 * @throws NevermissError NM_USAGE when it can't be a phone number.
 */
export function callerNumber(raw: string, country: string): string {
  const number = normalizeNumber(raw, country);
  if (number === null) {
    throw new NevermissError(
      ErrorCodes.USAGE,
      `${JSON.stringify(raw)} is not a phone number; give it as stored, like "+4520111111", or as a national number of ${country}`,
    );
  }
  return number;
}

const iso = (ms: number): string => new Date(ms).toISOString();

/** Everything held about the number, times in ISO 8601. */
export function callerRecordsToJson(records: CallerRecords, now: number): Record<string, unknown> {
  return {
    number: records.number,
    exportedAt: iso(now),
    callbacks: records.callbacks.map(({ history, ...callback }) => ({
      ...callbackToJson(callback, now),
      dialAttempts: callback.dialAttempts,
      language: callback.language,
      ...(callback.reachedAt === undefined ? {} : { reachedAt: iso(callback.reachedAt), reachedVia: callback.reachedVia ?? null }),
      ...(callback.talkMs === undefined ? {} : { talkMs: callback.talkMs }),
      history: history.map((entry) => ({ ...entry, at: iso(entry.at) })),
    })),
    calls: records.calls.map((call) => ({ ...call, startedAt: iso(call.startedAt), endedAt: iso(call.endedAt) })),
    jobs: records.jobs.map(jobToJson),
    textedBackUntil: records.textedBackUntil === null ? null : iso(records.textedBackUntil),
  };
}

/**
 * Every Redis key nevermiss uses is built here. All of them share one hash tag, `{prefix}`,
 * so that a multi-key Lua script touches a single Redis Cluster slot.
 */
import type { FollowUpJob } from '../follow-up/jobs.js';

export interface Keys {
  /** Hash with one callback's fields. */
  callback(id: string): string;
  /**
   * List of one callback's history entries (JSON), oldest first: `<callback key>:history`.
   * Scripts that reach a callback through an index build it the same way from `callbackPrefix`.
   */
  history(id: string): string;
  /** Prefix of callback hashes, for scripts that reach a callback through an index. */
  readonly callbackPrefix: string;
  /** Sorted set of open (pending or dialing) callback ids, scored by due time (ms). */
  readonly pending: string;
  /**
   * Sorted set of every callback id, open or closed, scored by when it was created (ms): what
   * reports read by time and what retention walks (docs/decisions/0017).
   */
  readonly callbacksCreated: string;
  /**
   * String, set once: the callbacks recorded before callbacksCreated existed have been added to it
   * (found with one SCAN), so reports, retention and forget see them too.
   */
  readonly callbacksIndexed: string;
  /** String: the id of the open (pending or dialing) callback for a caller's number. */
  pendingByCaller(number: string): string;
  readonly pendingByCallerPrefix: string;
  /** Hash with one finished call's log entry. */
  call(callId: string): string;
  /** String: the callback a missed call went to; makes recording a call idempotent by call id. */
  recordedCall(callId: string): string;
  /**
   * Sorted set of call ids, scored by the time the call arrived (ms); entries logged before
   * docs/decisions/0017 are scored by their end, a few seconds or minutes later.
   */
  readonly calls: string;
  /** Hash, short-lived: whom a call in progress was put through to (for a call that outlives its service). */
  answeredCall(callId: string): string;
  /** Hash: a message left by a caller (who can't be called back), with its recording's name. */
  message(callId: string): string;
  /** Sorted set of call ids with a message, scored by the time it was left (ms). */
  readonly messages: string;
  /** Hash: the owner's status switch (mode, until, setBy, setAt). */
  readonly status: string;
  /** String with an expiry: this number was texted back, and isn't again until it expires. */
  textedBack(number: string): string;
  /**
   * The prefix BullMQ builds its keys under (`{prefix}:<queue>:...`, the same hash tag as every
   * other key), for the follow-up jobs (callbacks/job-queue.ts).
   */
  readonly jobsPrefix: string;
  /**
   * The keys of the job queue that came before BullMQ (a sorted set of job ids, a hash per job, a
   * set of job ids per callback), read once at start to move what is left in them over.
   */
  readonly legacyTimers: string;
  legacyTimer(jobId: string): string;
  legacyTimersOfCallback(callbackId: string): string;
  /** String with an expiry: the id of the active instance of this installation (its lease). */
  readonly lease: string;
  /** Hash: instance id -> its latest heartbeat (JSON: role, ready, at), pruned when stale. */
  readonly instances: string;
  /** String with an expiry: this single-use action link (by its id) has been used. */
  usedLink(linkId: string): string;
  /** Counter with an expiry: text-backs sent in one clock hour (hour = ms / 3,600,000, floored) to numbers starting with `prefix`. */
  textBackPerPrefix(hour: number, prefix: string): string;
  /** Counter with an expiry: text-backs sent in one clock hour in all. */
  textBackPerHour(hour: number): string;
}

/**
 * The id of a follow-up job: the same job always gets the same id, so scheduling it twice adds
 * it once (BullMQ ignores an add whose id exists). Ids hold no ":" (BullMQ's separator).
 */
export function jobId(job: FollowUpJob): string {
  switch (job.kind) {
    case 'notify':
      return `notify.${job.event}.${job.callbackId}`;
    case 'deliver':
      return `deliver.${job.event}.${job.callbackId}.${job.person}.${job.channel}`;
    case 'remind':
      return `remind.${job.callbackId}.${job.at}`;
    case 'overdue':
      return `overdue.${job.callbackId}`;
    case 'escalate':
      return `escalate.${job.callbackId}`;
    case 'text-back':
      return `text-back.${job.callbackId}.${job.call}`;
  }
}

/** Appended to a callback's key for its history; the Lua scripts that reach a callback by index use the same. */
export const HISTORY_SUFFIX = ':history';

export function createKeys(prefix: string): Keys {
  const tag = `{${prefix}}`;
  const callbackPrefix = `${tag}:callback:`;
  const pendingByCallerPrefix = `${tag}:pending-by-caller:`;
  return {
    callback: (id) => callbackPrefix + id,
    history: (id) => `${callbackPrefix}${id}${HISTORY_SUFFIX}`,
    callbackPrefix,
    pending: `${tag}:callbacks:pending`,
    callbacksCreated: `${tag}:callbacks:created`,
    callbacksIndexed: `${tag}:callbacks:indexed`,
    pendingByCaller: (number) => pendingByCallerPrefix + number,
    pendingByCallerPrefix,
    call: (callId) => `${tag}:call:${callId}`,
    recordedCall: (callId) => `${tag}:recorded-call:${callId}`,
    calls: `${tag}:calls`,
    answeredCall: (callId) => `${tag}:answered-call:${callId}`,
    message: (callId) => `${tag}:message:${callId}`,
    messages: `${tag}:messages`,
    status: `${tag}:status`,
    textedBack: (number) => `${tag}:texted-back:${number}`,
    jobsPrefix: tag,
    legacyTimers: `${tag}:timers`,
    legacyTimer: (jobId) => `${tag}:timer:${jobId}`,
    legacyTimersOfCallback: (callbackId) => `${tag}:timers-of-callback:${callbackId}`,
    lease: `${tag}:lease`,
    instances: `${tag}:instances`,
    usedLink: (linkId) => `${tag}:used-link:${linkId}`,
    textBackPerPrefix: (hour, prefix) => `${tag}:text-back-limit:${hour}:prefix:${prefix}`,
    textBackPerHour: (hour) => `${tag}:text-back-limit:${hour}:all`,
  };
}

import { callability, type CallableRules } from '../numbers/callable.js';
import type { Outcome } from '../call-flow/types.js';
import { isOverdue, type CallbackStatus } from './lifecycle.js';

export type { CallbackStatus, ClosingStatus, HistoryEntry, HistoryEvent, NoteEvent } from './lifecycle.js';

export interface Callback {
  readonly id: string;
  readonly caller: string;
  /** The name the caller's phone or network sent with the last call that had one (caller ID name), cleaned. */
  readonly callerName?: string;
  readonly called: string;
  readonly route: string;
  readonly status: CallbackStatus;
  readonly createdAt: number;
  readonly dueAt: number;
  readonly lastAttemptAt: number;
  /** Missed calls from this number folded into the callback (1 for the first). */
  readonly attempts: number;
  /** Dial attempts that did not reach the customer. */
  readonly dialAttempts: number;
  readonly language: string;
  /** While dialing: who dials. */
  readonly dialingBy?: string;
  /** While dialing: the dial's id (the dial-back session), its start, and the end of its lease. */
  readonly dialId?: string;
  readonly dialStartedAt?: number;
  readonly dialLeaseUntil?: number;
  /** Whether the follow-up jobs of a new callback are in; absent for callbacks older than the field. */
  readonly followUp?: FollowUpState;
  /** When a dial reached the customer: how long they talked (ms). */
  readonly talkMs?: number;
  /**
   * A done callback: when and how the customer was reached. Absent for callbacks closed before
   * these fields existed (their closedAt stands in) and for failed or cancelled ones.
   */
  readonly reachedAt?: number;
  readonly reachedVia?: ReachedVia;
  readonly closedAt?: number;
  readonly closedBy?: string;
}

/**
 * How a done callback's customer was reached, for the figures:
 *   dial-back     the one-step call back reached them and they talked callbacks.minTalk
 *   called-again  they rang again and a person answered
 *   outbound      someone called them through the PBX and they talked callbacks.minTalk
 *   fallback      they rang while nevermiss was down and the dialplan fallback's phone answered
 *   by-hand       a person closed it as done (the API or `nevermiss callbacks done`)
 */
export const REACHED_VIA = ['dial-back', 'called-again', 'outbound', 'fallback', 'by-hand'] as const;
export type ReachedVia = (typeof REACHED_VIA)[number];

export function isReachedVia(value: string | undefined): value is ReachedVia {
  return (REACHED_VIA as readonly (string | undefined)[]).includes(value);
}

/**
 * The follow-up jobs (notify, remind, overdue) of a new callback: still to be scheduled, being
 * scheduled by an instance (with a lease), or in.
 */
export const FOLLOW_UP_STATES = ['pending', 'scheduling', 'scheduled'] as const;
export type FollowUpState = (typeof FOLLOW_UP_STATES)[number];

export function isFollowUpState(value: string | undefined): value is FollowUpState {
  return (FOLLOW_UP_STATES as readonly (string | undefined)[]).includes(value);
}

export interface MissedCall {
  readonly callId: string;
  readonly caller: string;
  readonly called: string;
  readonly route: string;
  readonly language: string;
  readonly at: number;
  /** When the callback is due; an update keeps the earliest of the old and the new. */
  readonly dueAt: number;
  /** A note for the history, e.g. how the call was recorded ("the service was down"). */
  readonly note?: string;
  /** The caller ID name as the PBX got it (hostile: the store cleans it, callerNameOf). */
  readonly callerName?: string;
}

export interface RecordedCallback {
  readonly id: string;
  /** Whether this call created the callback (false when folded into the caller's open one); also told on a duplicate. */
  readonly created: boolean;
  readonly attempts: number;
  readonly dueAt: number;
  /** True when this call id was recorded before: nothing changed. */
  readonly duplicate: boolean;
}

export interface CallLogEntry {
  readonly callId: string;
  /** The caller's number, or "" when withheld. */
  readonly caller: string;
  readonly called: string;
  readonly route: string;
  readonly startedAt: number;
  readonly endedAt: number;
  readonly outcome: Outcome;
}

/** Whom a call was put through to, and when (ms). */
export interface AnsweredCall {
  readonly person: string;
  readonly phone: string;
  readonly at: number;
}

/** A message left by a caller who withheld their number; the audio stays on the PBX. */
export interface CallerMessage {
  readonly callId: string;
  readonly called: string;
  readonly route: string;
  /** The ARI stored recording's name (Asterisk's recordings folder, <name>.wav). */
  readonly recording: string;
  readonly at: number;
}

/** The JSON shape of a callback in the API and `nevermiss callbacks list --json` (times ISO 8601). */
export interface CallbackJson {
  readonly id: string;
  readonly caller: string;
  readonly callerName?: string;
  readonly called: string;
  readonly route: string;
  readonly status: CallbackStatus;
  readonly createdAt: string;
  readonly dueAt: string;
  readonly lastAttemptAt: string;
  readonly attempts: number;
  readonly overdue: boolean;
  readonly closedAt?: string;
  readonly closedBy?: string;
  /** While dialing: who asked and whose phones ring, as "asker: person". */
  readonly dialingBy?: string;
  /** Why nobody is rung to call this number back (callable: in the config); absent when it can be. */
  readonly uncallable?: string;
}

export function callbackToJson(cb: Callback, now: number, callable?: CallableRules): CallbackJson {
  const verdict = callable === undefined ? null : callability(cb.caller, callable);
  return {
    id: cb.id,
    caller: cb.caller,
    ...(cb.callerName === undefined ? {} : { callerName: cb.callerName }),
    called: cb.called,
    route: cb.route,
    status: cb.status,
    createdAt: new Date(cb.createdAt).toISOString(),
    dueAt: new Date(cb.dueAt).toISOString(),
    lastAttemptAt: new Date(cb.lastAttemptAt).toISOString(),
    attempts: cb.attempts,
    overdue: isOverdue(cb, now),
    ...(cb.closedAt === undefined ? {} : { closedAt: new Date(cb.closedAt).toISOString() }),
    ...(cb.closedAt === undefined || cb.closedBy === undefined ? {} : { closedBy: cb.closedBy }),
    ...(cb.status === 'dialing' && cb.dialingBy !== undefined ? { dialingBy: cb.dialingBy } : {}),
    ...(verdict === null || verdict.callable ? {} : { uncallable: verdict.why }),
  };
}

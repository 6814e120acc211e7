/**
 * The rules of a callback's life, as pure data and functions (no Redis, no clock).
 *
 *   pending ──dial-started──▶ dialing ──done──▶ done
 *      │  ▲                     │  │
 *      │  ├───attempt-failed────┤  ├──failed──▶ failed      (the last dial attempt failed)
 *      │  └───dial-abandoned────┘  └──cancelled─▶ cancelled (the dial could not start, or its
 *      │                                                     service stopped: its lease ran out)
 *      ├──done──▶ done             (the customer was reached another way)
 *      └──cancelled──▶ cancelled
 *
 * The Lua scripts in ./lua enforce the same table inside Redis, atomically; the integration tests
 * drive every status through every change and check that Redis and `decide` agree.
 * "Overdue" is not a status: it is derived from an open status and the due time.
 */

export const CALLBACK_STATUSES = ['pending', 'dialing', 'done', 'failed', 'cancelled'] as const;
export type CallbackStatus = (typeof CALLBACK_STATUSES)[number];

/** The statuses a callback can be closed with from outside a dial (`close`, `closeByCaller`). */
export type ClosingStatus = 'done' | 'cancelled';

export const HISTORY_EVENTS = [
  'created',
  'called-again',
  'notified',
  'reminded',
  'escalated',
  'not-reached',
  'dial-started',
  'attempt-failed',
  'dial-abandoned',
  'done',
  'failed',
  'cancelled',
] as const;
export type HistoryEvent = (typeof HISTORY_EVENTS)[number];

/**
 * Events that record something that happened to a callback without changing its status;
 * not-reached: a person called the customer from their own phone (not through the PBX) and did
 * not reach them.
 */
export const NOTE_EVENTS = ['notified', 'reminded', 'escalated', 'not-reached'] as const;
export type NoteEvent = (typeof NOTE_EVENTS)[number];

/** One line of a callback's history, oldest first in `{p}:callback:<id>:history`. */
export interface HistoryEntry {
  readonly at: number;
  readonly event: HistoryEvent;
  /** The status before; null for `created`. Equal to `to` for events that change no status. */
  readonly from: CallbackStatus | null;
  readonly to: CallbackStatus;
  /** Who or what caused it: "api", "cli:alice", "dialer:<instance>", "call:<call id>", ... */
  readonly by: string;
  readonly detail?: string;
}

const NEXT: Readonly<Record<CallbackStatus, readonly CallbackStatus[]>> = {
  pending: ['dialing', 'done', 'cancelled'],
  dialing: ['pending', 'done', 'failed', 'cancelled'],
  done: [],
  failed: [],
  cancelled: [],
};

export function canTransition(from: CallbackStatus, to: CallbackStatus): boolean {
  return NEXT[from].includes(to);
}

/** Pending or dialing: someone still owes this customer a call. */
export function isOpen(status: CallbackStatus): boolean {
  return status === 'pending' || status === 'dialing';
}

export function isOverdue(callback: { readonly status: CallbackStatus; readonly dueAt: number }, now: number): boolean {
  return isOpen(callback.status) && callback.dueAt < now;
}

export function isCallbackStatus(value: string): value is CallbackStatus {
  return (CALLBACK_STATUSES as readonly string[]).includes(value);
}

export function isHistoryEvent(value: string): value is HistoryEvent {
  return (HISTORY_EVENTS as readonly string[]).includes(value);
}

export function isNoteEvent(value: string): value is NoteEvent {
  return (NOTE_EVENTS as readonly string[]).includes(value);
}

/** What someone asks of a callback. */
export type LifecycleAction =
  | { readonly type: 'startDial' }
  | {
      readonly type: 'finishDial';
      readonly reached: boolean;
      /** Failed dial attempts counted before this one. */
      readonly dialAttempts: number;
      readonly maxAttempts: number;
    }
  /**
   * The dial ended without a result: it could not start (ARI unreachable), or the service that
   * dialled stopped and its dialing lease ran out. Not counted as an attempt.
   */
  | { readonly type: 'abandonDial' }
  | { readonly type: 'close'; readonly status: ClosingStatus };

/** Why a change was refused: each maps to one error code in the store. */
export type Refusal =
  /** The callback is done, failed or cancelled: nothing can change it any more. */
  | 'closed'
  /** A dial is already in progress. */
  | 'busy'
  /** A dial result arrived for a callback nobody is dialling. */
  | 'not-dialing';

export type Decision =
  | { readonly ok: true; readonly to: CallbackStatus; readonly event: HistoryEvent }
  | { readonly ok: false; readonly refusal: Refusal };

/** The next status and the history event of `action` on a callback in status `from`. */
export function decide(from: CallbackStatus, action: LifecycleAction): Decision {
  if (!isOpen(from)) return { ok: false, refusal: 'closed' };
  switch (action.type) {
    case 'startDial':
      return from === 'pending' ? { ok: true, to: 'dialing', event: 'dial-started' } : { ok: false, refusal: 'busy' };
    case 'finishDial': {
      if (from !== 'dialing') return { ok: false, refusal: 'not-dialing' };
      if (action.reached) return { ok: true, to: 'done', event: 'done' };
      return action.dialAttempts + 1 >= action.maxAttempts
        ? { ok: true, to: 'failed', event: 'failed' }
        : { ok: true, to: 'pending', event: 'attempt-failed' };
    }
    case 'abandonDial':
      return from === 'dialing' ? { ok: true, to: 'pending', event: 'dial-abandoned' } : { ok: false, refusal: 'not-dialing' };
    case 'close':
      return { ok: true, to: action.status, event: action.status };
  }
}

/**
 * The call flow's CallRecords port: kept in Redis through the callback store, and in the local
 * spool when Redis is slow or gone, so a caller is never left waiting on Redis and nothing is lost.
 *
 *   - Every write on the call path waits for Redis at most `boundMs`. If Redis fails or is too
 *     slow, the record is appended to the spool (fsync'd) and the call goes on as if Redis had
 *     taken it: the promise is made, because the record exists somewhere durable. Only when the
 *     spool can't be written either does the call take the "please try again" path.
 *   - A missed call in the spool has no callback id yet: the call flow gets a provisional one
 *     (`spool:<callId>`). The call's outcome then waits in the spool behind its record, and gets
 *     the real id when both are replayed, so the call log in Redis never holds a provisional id.
 *   - `replay` applies the spool to Redis in order. Each apply is idempotent by call id (the
 *     store's scripts), so a replay interrupted by a crash, or an entry whose first attempt did
 *     reach Redis before timing out, never doubles anything. A replayed missed call gets its
 *     follow-up (notification, reminder, escalation) like any other, once.
 */
import type { Logger } from 'winston';
import type { CallRecords } from '../call-flow/ports.js';
import type { CallFacts, HuntPlan, Outcome } from '../call-flow/types.js';
import { ErrorCodes, NevermissError, describeError } from '../errors.js';
import { isProvisionalCallbackId, provisionalCallbackId, type SpoolEntry } from './spool-format.js';
import type { ReplayResult, Spool } from './spool.js';
import type { CallbackStore } from './store.js';
import type { Callback, CallLogEntry, MissedCall, RecordedCallback } from './types.js';

/** How long the note of who took a call is kept: longer than any call (the dialplan ends calls at 4 h). */
const ANSWERED_NOTE_TTL_MS = 24 * 3_600_000;

export interface RecordListeners {
  /** A missed call was stored (a new callback, or one folded into a pending one): its follow-up is scheduled. */
  recorded(callback: { readonly id: string; readonly created: boolean }): Promise<void>;
  /** A callback was closed because the customer got through to a person. */
  closed(callback: Callback): Promise<void>;
}

export interface RecordsDeps {
  readonly store: CallbackStore;
  readonly spool: Spool;
  readonly listeners: RecordListeners;
  readonly logger: Logger;
  /** How long the call path waits for Redis before it spools (the Redis command timeout). */
  readonly boundMs: number;
}

export interface SpooledCallRecords extends CallRecords {
  /** Applies the spool to Redis, oldest first, until Redis fails again. */
  replay(): Promise<ReplayResult>;
}

/** Written in the history of a callback that was recorded from the spool. */
export const SPOOLED_NOTE = 'kept in the local spool while Redis was unavailable';

export function createCallRecords(deps: RecordsDeps): SpooledCallRecords {
  const { store, spool, listeners, boundMs } = deps;
  const log = deps.logger.child({ component: 'records' });

  /** Waits for Redis at most boundMs; a late answer is dropped (the spooled copy replays idempotently). */
  function bounded<T>(what: string, work: Promise<T>): Promise<T> {
    work.catch(() => undefined);
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(
        () => reject(new NevermissError(ErrorCodes.REDIS, `Redis did not ${what} within ${boundMs} ms`)),
        boundMs,
      );
    });
    return Promise.race([work, late]).finally(() => clearTimeout(timer));
  }

  /** Keeps the entry in the spool; rejects (with both failures) only when the spool fails too. */
  async function spoolInstead(entry: SpoolEntry, redisError: unknown): Promise<void> {
    try {
      await spool.append(entry);
    } catch (spoolError) {
      throw new NevermissError(
        ErrorCodes.SPOOL,
        `neither Redis nor the spool took the ${entry.kind} record: Redis: ${describeError(redisError)}; spool: ${describeError(spoolError)}`,
        { kind: entry.kind },
        { cause: spoolError },
      );
    }
  }

  /** A recorded missed call's follow-up; what can't be scheduled now, the follow-up sweep schedules (the record is marked). */
  function followUp(recorded: RecordedCallback, call: MissedCall): void {
    listeners.recorded(recorded).catch((err: unknown) =>
      log.warn('the follow-up of a callback waits for the next sweep', { callId: call.callId, callbackId: recorded.id, error: describeError(err) }),
    );
  }

  /**
   * Writes a call's log entry: the customer reached by a person closes their open callback, and a
   * provisional callback id is swapped for the real one. `replayed`: an old outcome, which must
   * not close a callback of a missed call made after it.
   */
  async function writeCallLog(entry: CallLogEntry, replayed: boolean): Promise<void> {
    const { outcome } = entry;
    if (outcome.kind === 'answered' && entry.caller !== '') {
      const by = `answered by ${outcome.by.person}.${outcome.by.phone}`;
      const detail = `call ${entry.callId}`;
      let closed: Callback | null = null;
      if (!replayed) closed = await store.closeByCaller(entry.caller, 'done', by, entry.endedAt, detail);
      else {
        const open = await store.findPendingByCaller(entry.caller);
        if (open && open.lastAttemptAt <= entry.startedAt) closed = await store.close(open.id, 'done', by, entry.endedAt, detail, 'called-again').catch(() => null);
      }
      if (closed) await listeners.closed(closed);
    }
    await store.logCall({ ...entry, outcome: await withRealCallbackId(entry.callId, outcome) });
  }

  async function withRealCallbackId(callId: string, outcome: Outcome): Promise<Outcome> {
    if (outcome.kind !== 'callback-pending' || !isProvisionalCallbackId(outcome.callbackId)) return outcome;
    const real = await store.callbackOfCall(callId);
    return real === null ? outcome : { ...outcome, callbackId: real };
  }

  async function apply(entry: SpoolEntry): Promise<void> {
    switch (entry.kind) {
      case 'missed-call': {
        const recorded = await store.recordMissedCall({ ...entry.call, note: entry.call.note ?? SPOOLED_NOTE });
        // Awaited: if the follow-up fails, the entry stays and is replayed (the follow-up runs once).
        await listeners.recorded(recorded);
        log.info('spooled missed call replayed into Redis', {
          callId: entry.call.callId,
          provisionalId: provisionalCallbackId(entry.call.callId),
          callbackId: recorded.id,
          created: recorded.created,
          duplicate: recorded.duplicate,
        });
        return;
      }
      case 'call-log':
        await writeCallLog(entry.entry, true);
        log.info('spooled call outcome replayed into Redis', { callId: entry.entry.callId, outcome: entry.entry.outcome.kind });
        return;
      case 'message':
        await store.saveMessage(entry.message);
        log.info('spooled caller message replayed into Redis', { callId: entry.message.callId, recording: entry.message.recording });
        return;
    }
  }

  return {
    async recordMissedCall(facts, plan, _reason, dueAt, now) {
      const call: MissedCall = {
        callId: facts.callId,
        caller: facts.caller,
        called: facts.called,
        route: plan.routeId,
        language: plan.language,
        at: now,
        dueAt,
        ...(facts.callerName === '' ? {} : { callerName: facts.callerName }),
        // The history says why nobody is rung for it; the phone page shows the history.
        ...(plan.uncallable === null ? {} : { note: `can't call back: ${plan.uncallable}` }),
      };
      let recorded: RecordedCallback;
      try {
        recorded = await bounded('record the missed call', store.recordMissedCall(call));
      } catch (err) {
        await spoolInstead({ kind: 'missed-call', spooledAt: now, call }, err);
        const provisional = provisionalCallbackId(call.callId);
        log.warn('Redis did not take the callback; it is kept in the spool and replayed when Redis is back', {
          callId: call.callId,
          caller: call.caller,
          callbackId: provisional,
          error: describeError(err),
        });
        // Attempts are unknown until the replay folds it into an open callback or not.
        return { id: provisional, dueAt, attempts: 1 };
      }
      // Notifications and timers must not delay the promise; they are jobs in Redis anyway.
      followUp(recorded, call);
      return { id: recorded.id, dueAt: recorded.dueAt, attempts: recorded.attempts };
    },

    async noteAnswered(facts, leg, at) {
      // A hint for a double fault (this process dies mid-call and the call ends before another takes
      // it over); a Redis that can't take it now costs nothing else.
      await bounded('note who took the call', store.noteAnswered(facts.callId, { person: leg.person, phone: leg.phone, at }, ANSWERED_NOTE_TTL_MS));
    },

    async storeMessage(facts, plan, recording, now) {
      const message = { callId: facts.callId, called: facts.called, route: plan.routeId, recording, at: now };
      try {
        await bounded('keep the caller\'s message', store.saveMessage(message));
      } catch (err) {
        await spoolInstead({ kind: 'message', spooledAt: now, message }, err);
        log.warn('Redis did not take the message reference; it is kept in the spool', { callId: facts.callId, recording, error: describeError(err) });
      }
    },

    async logOutcome(facts: CallFacts, plan: HuntPlan, outcome, endedAt) {
      const entry: CallLogEntry = {
        callId: facts.callId,
        caller: facts.caller ?? '',
        called: facts.called,
        route: plan.routeId,
        startedAt: facts.startedAt,
        endedAt,
        outcome,
      };
      // The outcome names its callback; while the callback waits in the spool, so does the outcome.
      if (spool.holds('missed-call', facts.callId)) {
        await spoolInstead({ kind: 'call-log', spooledAt: endedAt, entry }, 'its callback waits in the spool');
        return;
      }
      try {
        await bounded('log the call', writeCallLog(entry, false));
      } catch (err) {
        await spoolInstead({ kind: 'call-log', spooledAt: endedAt, entry }, err);
        log.warn('Redis did not take the call outcome; it is kept in the spool', { callId: facts.callId, outcome: outcome.kind, error: describeError(err) });
      }
    },

    async replay() {
      return spool.replay(apply);
    },
  };
}

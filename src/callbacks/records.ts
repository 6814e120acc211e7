/** The call flow's CallRecords port, kept in Redis through the callback store. */
import type { CallRecords } from '../call-flow/ports.js';
import type { CallbackStore } from './store.js';
import type { Callback } from './types.js';

export interface RecordListeners {
  /** A missed call was stored (a new callback, or one folded into a pending one). */
  recorded(callback: { readonly id: string; readonly created: boolean }): Promise<void>;
  /** A callback was closed because the customer got through to a person. */
  closed(callback: Callback): Promise<void>;
}

export function createCallRecords(store: CallbackStore, listeners: RecordListeners): CallRecords {
  return {
    async recordMissedCall(facts, plan, _reason, dueAt, now) {
      const recorded = await store.recordMissedCall({
        callId: facts.callId,
        caller: facts.caller,
        called: facts.called,
        route: plan.routeId,
        language: plan.language,
        at: now,
        dueAt,
      });
      // Notifications and timers must not delay the promise; they are jobs in Redis anyway.
      void listeners.recorded(recorded).catch(() => undefined);
      return { id: recorded.id, dueAt: recorded.dueAt, attempts: recorded.attempts };
    },
    async storeMessage(facts, plan, recording, now) {
      await store.saveMessage({ callId: facts.callId, called: facts.called, route: plan.routeId, recording, at: now });
    },
    async logOutcome(facts, plan, outcome, endedAt) {
      // The customer rang again and a person answered: their callback is kept.
      if (outcome.kind === 'answered' && facts.caller !== null) {
        const closed = await store.closeByCaller(facts.caller, 'done', `answered by ${outcome.by.person}.${outcome.by.phone}`, endedAt, `call ${facts.callId}`);
        if (closed) await listeners.closed(closed);
      }
      await store.logCall({
        callId: facts.callId,
        caller: facts.caller ?? '',
        called: facts.called,
        route: plan.routeId,
        startedAt: facts.startedAt,
        endedAt,
        outcome,
      });
    },
  };
}

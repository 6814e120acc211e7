/** The call flow's CallRecords port, kept in Redis through the callback store. */
import type { CallRecords } from '../call-flow/ports.js';
import type { CallbackStore } from './store.js';

export function createCallRecords(store: CallbackStore): CallRecords {
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
      return { id: recorded.id, dueAt: recorded.dueAt, attempts: recorded.attempts };
    },
    async storeMessage(facts, plan, recording, now) {
      await store.saveMessage({ callId: facts.callId, called: facts.called, route: plan.routeId, recording, at: now });
    },
    async logOutcome(facts, plan, outcome, endedAt) {
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

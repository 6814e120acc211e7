/** The call flow's records port, counted on the way through: every call's outcome, every missed hunt's length. */
import type { CallRecords } from '../call-flow/ports.js';
import type { Metrics } from './metrics.js';

export function observedRecords<R extends CallRecords>(records: R, metrics: Metrics): R {
  return {
    ...records,
    recordMissedCall(facts, plan, reason, dueAt, now) {
      metrics.huntMissed(now - facts.startedAt);
      return records.recordMissedCall(facts, plan, reason, dueAt, now);
    },
    logOutcome(facts, plan, outcome, endedAt) {
      // Counted whether Redis or the spool takes the record: the call ended this way either way.
      metrics.callEnded(outcome);
      return records.logOutcome(facts, plan, outcome, endedAt);
    },
  };
}

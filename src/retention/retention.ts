/**
 * Retention: call-log entries, caller-message references and closed callbacks older than
 * retention.keep are erased by a sweep that the active instance runs at activation and every
 * hour (src/app/repeat.ts). Open callbacks are never erased by age: they are promises still owed.
 * See docs/decisions/0017.
 */
import type { Logger } from 'winston';
import type { Clock } from '../clock/clock.js';
import type { ErasedCounts, Eraser } from '../callbacks/erase.js';

/** How often the active instance sweeps. */
export const RETENTION_EVERY_MS = 3_600_000;
/** Records of each kind one script round erases before it checks whether to go on. */
const BATCH = 2_000;
/** A round stops after this many of a kind (a large backlog, say after keep was shortened) and goes on next hour. */
const ROUND_CAP = 50_000;

/** Everything that arrived (calls, messages) or closed (callbacks) before this is past its keep time. */
export function retentionCutoff(now: number, keepMs: number): number {
  return now - keepMs;
}

export interface RetentionDeps {
  readonly eraser: Pick<Eraser, 'eraseBefore' | 'indexOlderCallbacks'>;
  /** retention.keep of the config in force (a reload may change it). */
  readonly keepMs: () => number;
  readonly clock: Clock;
  readonly logger: Logger;
}

export interface Retention {
  /** One sweep: what it erased, and whether some is left for the next (it stopped at its cap). */
  sweep(): Promise<ErasedCounts & { readonly cutoff: number; readonly more: boolean }>;
}

export function createRetention(deps: RetentionDeps): Retention {
  const log = deps.logger.child({ component: 'retention' });
  let indexed = false;
  return {
    async sweep() {
      if (!indexed) {
        const added = await deps.eraser.indexOlderCallbacks();
        if (added !== null) log.info('callbacks recorded before the creation index were added to it', { added });
        indexed = true;
      }
      const cutoff = retentionCutoff(deps.clock.now(), deps.keepMs());
      const total = { calls: 0, callbacks: 0, messages: 0 };
      let more = true;
      while (more && Math.max(total.calls, total.callbacks, total.messages) < ROUND_CAP) {
        const round = await deps.eraser.eraseBefore(cutoff, BATCH);
        total.calls += round.calls;
        total.callbacks += round.callbacks;
        total.messages += round.messages;
        more = round.more;
      }
      if (total.calls + total.callbacks + total.messages > 0) {
        log.info('erased what was past its keep time', { ...total, before: new Date(cutoff).toISOString(), more });
      }
      return { ...total, cutoff, more };
    },
  };
}

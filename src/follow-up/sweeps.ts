/**
 * What the sweeps do with each open callback, decided here without I/O. The sweeps run at start,
 * every minute and after a spool replay; they repair what a crash or a failed write left behind:
 *   - a callback left `dialing` by a service that stopped (its dialing lease ran out) goes back
 *     to `pending`;
 *   - a new callback whose follow-up jobs were never scheduled gets them.
 * The scripts that act on these decisions check the same conditions again, atomically, so two
 * instances sweeping at once change each callback once.
 */
import { isOpen } from '../callbacks/lifecycle.js';
import type { Callback } from '../callbacks/types.js';

/**
 * keep: nothing to do (not dialing, or its lease holds);
 * renew: this instance's live dial-back holds it but its lease lapsed (renewals failed): renew it;
 * abandon: nobody holds it any more: back to pending.
 */
export type DialLeaseAction = 'keep' | 'renew' | 'abandon';

/** When a callback's dialing lease ends; dials started before leases existed count from their start. */
export function dialLeaseEnd(callback: Pick<Callback, 'dialLeaseUntil' | 'dialStartedAt'>, fallbackLeaseMs: number): number {
  return callback.dialLeaseUntil ?? (callback.dialStartedAt ?? 0) + fallbackLeaseMs;
}

/**
 * `liveHere`: a live dial-back session of this instance dials this very dial (same dial id). A
 * live session is never abandoned by its own instance, whatever the lease says.
 */
export function dialLeaseAction(
  callback: Pick<Callback, 'status' | 'dialLeaseUntil' | 'dialStartedAt'>,
  now: number,
  liveHere: boolean,
  fallbackLeaseMs: number,
): DialLeaseAction {
  if (callback.status !== 'dialing') return 'keep';
  const lapsed = dialLeaseEnd(callback, fallbackLeaseMs) <= now;
  if (!lapsed) return 'keep';
  return liveHere ? 'renew' : 'abandon';
}

/**
 * Whether an open callback may still lack its follow-up jobs: marked `pending` when recorded,
 * or `scheduling` by an instance that may have stopped midway (the claim script checks its lease).
 * Callbacks without the mark were recorded before it existed and are never touched: their jobs
 * ran, and scheduling them again would notify twice.
 */
export function lacksFollowUp(callback: Pick<Callback, 'status' | 'followUp'>): boolean {
  return isOpen(callback.status) && (callback.followUp === 'pending' || callback.followUp === 'scheduling');
}

/**
 * The follow-up jobs: a closed union of kinds, each with its own typed payload. A job is plain
 * data, stored in the job queue (callbacks/job-queue.ts) and read back through parseJob, which
 * refuses anything that is not exactly one of these shapes. Pure: no I/O.
 *
 *   notify     fan out one event of a callback to the people it concerns (one deliver job each)
 *   deliver    one event to one person over one channel; retried with backoff (notify/retry.ts)
 *   remind     the callback is still open at remindAt of its deadline (or after a failed dial)
 *   overdue    the deadline passed with the callback open: tell the notified and escalate
 *   escalate   tell the escalation people (and ring one, with ringOnEscalation)
 *   text-back  a text message to the caller after a missed call, at most once per window
 */
import { CHANNEL_NAMES, NOTIFICATION_KINDS, type ChannelName, type NotificationKind } from '../notify/types.js';

export type FollowUpJob =
  | { readonly kind: 'notify'; readonly callbackId: string; readonly event: NotificationKind }
  | { readonly kind: 'deliver'; readonly callbackId: string; readonly event: NotificationKind; readonly person: string; readonly channel: ChannelName }
  /** `at`: when it is due (ms); one reminder per due time. A failed attempt replaces the waiting one. */
  | { readonly kind: 'remind'; readonly callbackId: string; readonly at: number }
  | { readonly kind: 'overdue'; readonly callbackId: string }
  | { readonly kind: 'escalate'; readonly callbackId: string }
  /** `call`: the callback's count of missed calls when this one came in (one text-back job per missed call). */
  | { readonly kind: 'text-back'; readonly callbackId: string; readonly call: number };

export type JobKind = FollowUpJob['kind'];

export const JOB_KINDS: readonly JobKind[] = ['notify', 'deliver', 'remind', 'overdue', 'escalate', 'text-back'];

/** A follow-up job as it comes out of storage, or null when it is not one (foreign or damaged data). */
export function parseJob(value: unknown): FollowUpJob | null {
  if (typeof value !== 'object' || value === null) return null;
  const v = value as Record<string, unknown>;
  const callbackId = v['callbackId'];
  if (typeof callbackId !== 'string' || callbackId === '') return null;
  const event = NOTIFICATION_KINDS.find((kind) => kind === v['event']);
  const count = (field: string): number | null => {
    const n = v[field];
    return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0 ? n : null;
  };
  switch (v['kind']) {
    case 'notify':
      return event === undefined ? null : { kind: 'notify', callbackId, event };
    case 'deliver': {
      const channel = CHANNEL_NAMES.find((name) => name === v['channel']);
      const person = v['person'];
      if (event === undefined || channel === undefined || typeof person !== 'string' || person === '') return null;
      return { kind: 'deliver', callbackId, event, person, channel };
    }
    case 'remind': {
      const at = count('at');
      return at === null ? null : { kind: 'remind', callbackId, at };
    }
    case 'overdue':
      return { kind: 'overdue', callbackId };
    case 'escalate':
      return { kind: 'escalate', callbackId };
    case 'text-back': {
      const call = count('call');
      return call === null ? null : { kind: 'text-back', callbackId, call };
    }
    default:
      return null;
  }
}

/**
 * What a follow-up job does, decided without I/O: decideFollowUp(job, callback, config, now)
 * returns effects, and the shell (follow-up.ts) runs them in order. Like call-flow/machine.ts and
 * dial-back/machine.ts: every rule is a one-line table test (test/unit/follow-up-machine.test.ts).
 *
 * Also here, the jobs each moment of a callback's life schedules: a new callback, a missed call,
 * a failed dial, a close.
 */
import { isOpen } from '../callbacks/lifecycle.js';
import type { Callback } from '../callbacks/types.js';
import type { Config } from '../config/types.js';
import type { TextBackLimits } from '../callbacks/text-back-limit.js';
import type { NoteEvent } from '../callbacks/lifecycle.js';
import { channelsOf } from '../notify/notifier.js';
import type { ChannelName, NotificationKind } from '../notify/types.js';
import { callability, mayTextBack } from '../numbers/callable.js';
import type { FollowUpJob } from './jobs.js';
import { textBackMessage } from './text-back.js';

export type FollowUpEffect =
  /** Schedule another job (a no-op when a job with its id exists). */
  | { readonly type: 'schedule'; readonly job: FollowUpJob; readonly at: number }
  /** Deliver one event to one person over one channel; the job's id is the delivery id. */
  | { readonly type: 'send'; readonly event: NotificationKind; readonly person: string; readonly channel: ChannelName }
  /**
   * Text the caller, unless they were texted within the window or the number's range, or all
   * callers, had their share of texts this hour (`limits`); then keep them from being texted again for it.
   */
  | { readonly type: 'text-caller'; readonly number: string; readonly text: string; readonly windowMs: number; readonly limits: TextBackLimits }
  /** A note in the callback's history. */
  | { readonly type: 'note'; readonly event: NoteEvent; readonly detail?: string }
  /** Ring this person's phones to call the customer back (escalation with ringOnEscalation). */
  | { readonly type: 'ring'; readonly person: string }
  /** Nothing to do, and why (logged at debug). */
  | { readonly type: 'skip'; readonly reason: string };

export interface ScheduledJob {
  readonly job: FollowUpJob;
  readonly at: number;
}

/** Events sent about a callback whatever its status: they tell that it closed. */
const CLOSING_EVENTS: readonly NotificationKind[] = ['done', 'failed'];

/** Who is told about an event. */
export function recipients(event: NotificationKind, config: Config): readonly string[] {
  return event === 'escalated' ? config.callbacks.escalateTo : config.callbacks.notify;
}

/** One deliver job per person and channel that reaches them, at `now`. */
function fanOut(callbackId: string, event: NotificationKind, people: readonly string[], config: Config, now: number): FollowUpEffect[] {
  return [...new Set(people)].flatMap((person) =>
    channelsOf(config, person).map((channel): FollowUpEffect => ({ type: 'schedule', job: { kind: 'deliver', callbackId, event, person, channel }, at: now })),
  );
}

export function decideFollowUp(job: FollowUpJob, callback: Callback | null, config: Config, now: number): FollowUpEffect[] {
  if (callback === null) return [{ type: 'skip', reason: 'the callback is gone' }];
  const open = isOpen(callback.status);
  const closed = (): FollowUpEffect[] => [{ type: 'skip', reason: `the callback is ${callback.status}` }];
  // A number nobody may call back (callable: in the config) is only told about: no reminder, escalation or ringing.
  const uncallable = (): FollowUpEffect[] => [{ type: 'skip', reason: 'the caller\'s number is not one we call back (callable:)' }];
  switch (job.kind) {
    case 'notify': {
      if (!open && !CLOSING_EVENTS.includes(job.event)) return closed();
      const effects = fanOut(callback.id, job.event, recipients(job.event, config), config, now);
      return effects.length > 0 ? effects : [{ type: 'skip', reason: `nobody to tell about ${job.event}` }];
    }
    case 'deliver':
      // Events about an open callback are moot once it closed; the closing events themselves are not.
      if (!open && !CLOSING_EVENTS.includes(job.event)) return closed();
      if (!channelsOf(config, job.person).includes(job.channel)) return [{ type: 'skip', reason: `${job.person} is no longer reached by ${job.channel}` }];
      return [
        { type: 'send', event: job.event, person: job.person, channel: job.channel },
        { type: 'note', event: 'notified', detail: `${job.event} to ${job.person} by ${job.channel}` },
      ];
    case 'remind':
      if (!open) return closed();
      if (!callable(callback, config)) return uncallable();
      return [...fanOut(callback.id, 'reminder', recipients('reminder', config), config, now), { type: 'note', event: 'reminded' }];
    case 'overdue':
      if (!open) return closed();
      if (!callable(callback, config)) return uncallable();
      return [
        { type: 'schedule', job: { kind: 'notify', callbackId: callback.id, event: 'overdue' }, at: now },
        { type: 'schedule', job: { kind: 'escalate', callbackId: callback.id }, at: now },
      ];
    case 'escalate': {
      if (!open) return closed();
      if (!callable(callback, config)) return uncallable();
      const { escalateTo, ringOnEscalation } = config.callbacks;
      const first = escalateTo[0];
      return [
        ...fanOut(callback.id, 'escalated', escalateTo, config, now),
        { type: 'note', event: 'escalated', detail: escalateTo.join(', ') || 'nobody to escalate to' },
        ...(ringOnEscalation && first !== undefined && callback.status === 'pending' ? [{ type: 'ring', person: first } as const] : []),
      ];
    }
    case 'text-back': {
      const route = config.routes[callback.route];
      if (!route?.textBack) return [{ type: 'skip', reason: `route "${callback.route}" does not text back` }];
      if (config.sms === null) return [{ type: 'skip', reason: 'no SMS gateway (sms:) in the config' }];
      if (!mayTextBack(callback.caller, config.callable)) return [{ type: 'skip', reason: 'the caller is not on a mobile we may text (callable:)' }];
      return [
        {
          type: 'text-caller',
          number: callback.caller,
          text: textBackMessage(config.firm.name, route.language, callback.dueAt, route.timezone, now),
          windowMs: route.textBack.windowMs,
          limits: config.callable.textBack,
        },
        { type: 'note', event: 'notified', detail: 'texted the caller' },
      ];
    }
  }
}

/** A new callback's jobs: tell the people now, remind at remindAt of the deadline, escalate at it. */
export function jobsOfNewCallback(callback: Pick<Callback, 'id' | 'caller' | 'createdAt' | 'dueAt'>, config: Config, now: number): ScheduledJob[] {
  const created: ScheduledJob = { job: { kind: 'notify', callbackId: callback.id, event: 'created' }, at: now };
  // A number nobody may call back is only told about: no reminder, no escalation, no ringing.
  if (!callable(callback, config)) return [created];
  const remindAt = Math.round(callback.createdAt + config.callbacks.remindAtShare * (callback.dueAt - callback.createdAt));
  return [
    created,
    { job: { kind: 'remind', callbackId: callback.id, at: remindAt }, at: remindAt },
    { job: { kind: 'overdue', callbackId: callback.id }, at: callback.dueAt },
  ];
}

/** Every missed call may text the caller back (the job checks the route and the window). */
export function jobsOfMissedCall(callback: Pick<Callback, 'id' | 'route' | 'caller' | 'attempts'>, config: Config, now: number): ScheduledJob[] {
  if (!config.routes[callback.route]?.textBack || !mayTextBack(callback.caller, config.callable)) return [];
  return [{ job: { kind: 'text-back', callbackId: callback.id, call: callback.attempts }, at: now }];
}

/**
 * An attempt ended with the customer not reached (a dial through nevermiss, or a call from a
 * person's own phone) and the callback pending: remind after the pause. The shell removes the
 * reminder that waited before, so one reminder waits at a time.
 */
export function jobsOfFailedAttempt(callback: Pick<Callback, 'id'>, config: Config, now: number): ScheduledJob[] {
  const at = now + config.callbacks.retryPauseMs;
  return [{ job: { kind: 'remind', callbackId: callback.id, at }, at }];
}

function callable(callback: Pick<Callback, 'caller'>, config: Config): boolean {
  return callability(callback.caller, config.callable).callable;
}

/** A closed callback: done and failed are told about; a cancelled one is not. */
export function jobsOfClosed(callback: Pick<Callback, 'id' | 'status'>, now: number): ScheduledJob[] {
  return callback.status === 'done' || callback.status === 'failed' ? [{ job: { kind: 'notify', callbackId: callback.id, event: callback.status }, at: now }] : [];
}

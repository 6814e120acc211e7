/**
 * Seeing every promise through: what happens to a callback after the call. Every step is a job
 * in Redis (callbacks/timers.ts), claimed with a lease, so any instance can run it, none runs it
 * twice while its lease holds, and a crash loses nothing (the lease runs out, another takes it).
 *
 *   notify:<kind>:<id>                 fan out one event to the people it concerns
 *   deliver:<kind>:<id>:<person>:<ch>  one delivery; retried with backoff (notify/retry.ts)
 *   remind:<id>                        at remindAtShare of the deadline
 *   overdue:<id>                       at the deadline: escalate (and ring, if configured)
 *   textback:<number>                  an SMS to a caller on a mobile, at most once per window
 *
 * Job ids are deterministic, so scheduling twice is harmless, and a delivery succeeds once per event.
 */
import type { Logger } from 'winston';
import type { Config } from '../config/types.js';
import type { CallbackStore } from '../callbacks/store.js';
import type { ClaimedJob, TimerJob, Timers } from '../callbacks/timers.js';
import type { Callback } from '../callbacks/types.js';
import { isOpen } from '../callbacks/lifecycle.js';
import type { Clock } from '../call-flow/ports.js';
import type { Notifier } from '../notify/notifier.js';
import { isRetryable } from '../notify/failure.js';
import { sendSms } from '../notify/channels/sms.js';
import { HTTP_TIMEOUT_MS } from '../notify/http.js';
import { looksLikeMobile, normalizeNumber } from '../routing/numbers.js';
import { textBackMessage } from './text-back.js';
import { nextRetryDelay } from '../notify/retry.js';
import type { ChannelName, NotificationKind } from '../notify/types.js';
import { describeError } from '../errors.js';

export interface FollowUpDeps {
  readonly config: () => Config;
  readonly store: CallbackStore;
  readonly timers: Timers;
  readonly notifier: () => Notifier;
  readonly clock: Clock;
  readonly logger: Logger;
  /** This instance's name in leases. */
  readonly instanceId: string;
  /** Where people reach the API, for the "call back" link in messages. */
  readonly publicUrl: string;
  /** Rings a person to call the customer back (escalation with ringOnEscalation). */
  readonly dialBack: (callbackId: string, person: string, by: string) => Promise<void>;
}

export interface FollowUp {
  /** A missed call was recorded: a new callback gets its notifications and timers. */
  callbackRecorded(callback: { readonly id: string; readonly created: boolean }): Promise<void>;
  /** A dial attempt ended with the callback back to pending: remind again after the pause. */
  attemptFailed(callbackId: string): Promise<void>;
  /** The callback closed (done, failed or cancelled): stop its timers, tell who needs to know. */
  closed(callback: Callback): Promise<void>;
  /**
   * An outbound call through the PBX to `number` was answered this long: its callback may be kept.
   * `at`: when the call ended, for a report that arrives late (drained from AstDB); it closes only
   * a callback whose last missed call came before then.
   */
  outboundCallAnswered(report: { readonly number: string; readonly answeredSec: number; readonly from: string; readonly at?: number }): Promise<Callback | null>;
  /** Runs the jobs that are due; called every second. */
  tick(): Promise<number>;
}

const LEASE_MS = 60_000;

/** The job that tells people about one event of a callback. */
function notifyJob(kind: NotificationKind, callbackId: string): TimerJob {
  return { id: `notify:${kind}:${callbackId}`, kind: 'notify', callbackId, data: { event: kind } };
}

/**
 * A callback closed: its reminders and escalations are moot, and a done or failed one is told
 * about. Also used by `nevermiss callbacks done`, which closes callbacks without the service.
 */
export async function followUpClosed(timers: Timers, callback: Pick<Callback, 'id' | 'status'>, now: number): Promise<void> {
  await timers.cancelForCallback(callback.id);
  if (callback.status === 'done' || callback.status === 'failed') await timers.schedule(notifyJob(callback.status, callback.id), now);
}
const BATCH = 20;

export function createFollowUp(deps: FollowUpDeps): FollowUp {
  const { store, timers, clock, logger } = deps;
  const log = logger.child({ component: 'follow-up' });

  const schedule = (id: string, kind: string, callbackId: string, dueAt: number): Promise<unknown> =>
    timers.schedule({ id, kind, callbackId }, dueAt);

  async function fanOut(kind: NotificationKind, callback: Callback, people: readonly string[]): Promise<number> {
    const notifier = deps.notifier();
    let scheduled = 0;
    for (const person of new Set(people)) {
      for (const channel of notifier.targets(person)) {
        await timers.schedule(
          { id: `deliver:${kind}:${callback.id}:${person}:${channel.name}`, kind: 'deliver', callbackId: callback.id, data: { event: kind, person, channel: channel.name } },
          clock.now(),
        );
        scheduled += 1;
      }
    }
    return scheduled;
  }

  function recipients(kind: NotificationKind): readonly string[] {
    const settings = deps.config().callbacks;
    return kind === 'escalated' ? settings.escalateTo : settings.notify;
  }

  async function deliver(job: ClaimedJob, callback: Callback): Promise<void> {
    const kind = String(job.data['event']) as NotificationKind;
    const person = String(job.data['person']);
    const channelName = String(job.data['channel']) as ChannelName;
    const notifier = deps.notifier();
    const channel = notifier.targets(person).find((candidate) => candidate.name === channelName);
    const config = deps.config();
    if (!channel) {
      log.warn('notification target no longer configured; dropped', { job: job.id });
      await timers.complete(job.id, deps.instanceId);
      return;
    }
    const event = {
      kind,
      callback: {
        id: callback.id,
        caller: callback.caller,
        called: callback.called,
        route: callback.route,
        createdAt: callback.createdAt,
        dueAt: callback.dueAt,
        attempts: callback.attempts,
        status: callback.status,
      },
      person: { id: person, name: config.people[person]?.name ?? person },
      at: clock.now(),
      links: {
        dial: `POST ${deps.publicUrl.replace(/\/+$/, '')}/api/callbacks/${callback.id}/dial`,
        cli: `nevermiss callbacks dial ${callback.id} --by ${person}`,
      },
    };
    try {
      await notifier.send(channel, event, job.id);
      await timers.complete(job.id, deps.instanceId);
      await store.appendHistory(callback.id, { event: 'notified', at: clock.now(), by: deps.instanceId, detail: `${kind} to ${person} by ${channel.name}` }).catch(() => undefined);
      log.info('notification sent', { callbackId: callback.id, kind, person, channel: channel.name });
    } catch (err) {
      const delay = isRetryable(err) ? nextRetryDelay(job.claims) : null;
      if (delay === null) {
        await timers.complete(job.id, deps.instanceId);
        log.error('notification failed for good', { callbackId: callback.id, kind, person, channel: channel.name, attempts: job.claims, error: describeError(err) });
        return;
      }
      await timers.reschedule(job.id, deps.instanceId, clock.now() + delay);
      log.warn('notification failed; will retry', { callbackId: callback.id, kind, person, channel: channel.name, retryInMs: delay, error: describeError(err) });
    }
  }

  /** "Thanks for calling — we'll call you back before 14:42", once per number per window. */
  async function textBack(job: ClaimedJob, callback: Callback): Promise<void> {
    const config = deps.config();
    const route = config.routes[callback.route];
    if (!route?.textBack || !config.sms || (await store.wasTextedBack(callback.caller))) {
      await timers.complete(job.id, deps.instanceId);
      return;
    }
    const text = textBackMessage(config.firm.name, route.language, callback.dueAt, route.timezone, clock.now());
    try {
      await sendSms(fetch, config.sms, callback.caller, text, HTTP_TIMEOUT_MS);
      await store.markTextedBack(callback.caller, route.textBack.windowMs);
      await timers.complete(job.id, deps.instanceId);
      await store.appendHistory(callback.id, { event: 'notified', at: clock.now(), by: deps.instanceId, detail: 'texted the caller' }).catch(() => undefined);
      log.info('texted the caller back', { callbackId: callback.id });
    } catch (err) {
      const delay = isRetryable(err) ? nextRetryDelay(job.claims) : null;
      if (delay === null) {
        await timers.complete(job.id, deps.instanceId);
        log.error('could not text the caller back', { callbackId: callback.id, error: describeError(err) });
      } else {
        await timers.reschedule(job.id, deps.instanceId, clock.now() + delay);
      }
    }
  }

  async function run(job: ClaimedJob): Promise<void> {
    const callback = await store.get(job.callbackId);
    if (!callback) {
      await timers.complete(job.id, deps.instanceId);
      return;
    }
    const open = isOpen(callback.status);
    switch (job.kind) {
      case 'deliver':
        // Events about an open callback are moot once it closed; the closing events themselves are not.
        if (!open && !['done', 'failed'].includes(String(job.data['event']))) break;
        await deliver(job, callback);
        return;
      case 'notify': {
        const kind = String(job.data['event']) as NotificationKind;
        if (open || kind === 'done' || kind === 'failed') await fanOut(kind, callback, recipients(kind));
        break;
      }
      case 'remind':
        if (!open) break;
        await fanOut('reminder', callback, recipients('reminder'));
        await store.appendHistory(callback.id, { event: 'reminded', at: clock.now(), by: deps.instanceId });
        break;
      case 'overdue': {
        if (!open) break;
        const settings = deps.config().callbacks;
        await fanOut('overdue', callback, settings.notify);
        await fanOut('escalated', callback, settings.escalateTo);
        await store.appendHistory(callback.id, { event: 'escalated', at: clock.now(), by: deps.instanceId, detail: settings.escalateTo.join(', ') || 'nobody to escalate to' });
        const first = settings.escalateTo[0];
        if (settings.ringOnEscalation && first !== undefined && callback.status === 'pending') {
          await deps.dialBack(callback.id, first, 'escalation').catch((err: unknown) => log.warn('could not ring for the escalation', { error: describeError(err) }));
        }
        break;
      }
      case 'textback':
        await textBack(job, callback);
        return;
      default:
        log.warn('unknown job kind; dropped', { job: job.id, kind: job.kind });
    }
    await timers.complete(job.id, deps.instanceId);
  }

  const api: FollowUp = {
    async callbackRecorded({ id, created }) {
      try {
        const callback = await store.get(id);
        if (!callback) return;
        // Every missed call may text the caller (the window decides); the rest is for new callbacks.
        if (deps.config().routes[callback.route]?.textBack && looksLikeMobile(callback.caller)) {
          await timers.schedule({ id: `textback:${callback.caller}`, kind: 'textback', callbackId: id }, clock.now());
        }
        if (!created) return;
        const share = deps.config().callbacks.remindAtShare;
        await timers.schedule(notifyJob('created', id), clock.now());
        await schedule(`remind:${id}`, 'remind', id, Math.round(callback.createdAt + share * (callback.dueAt - callback.createdAt)));
        await schedule(`overdue:${id}`, 'overdue', id, callback.dueAt);
      } catch (err) {
        log.error('could not schedule the follow-up of a new callback', { callbackId: id, error: describeError(err) });
      }
    },

    async attemptFailed(callbackId) {
      await schedule(`remind:${callbackId}`, 'remind', callbackId, clock.now() + deps.config().callbacks.retryPauseMs);
    },

    closed: (callback) => followUpClosed(timers, callback, clock.now()),

    async outboundCallAnswered({ number, answeredSec, from, at }) {
      const config = deps.config();
      if (answeredSec * 1000 < config.callbacks.minTalkMs) return null;
      const e164 = normalizeNumber(number, config.firm.country) ?? number;
      const late = at === undefined ? {} : { lastCallAtMost: at };
      const closed = await store.closeByCaller(e164, 'done', `outbound call from ${from || 'a phone'}`, at ?? clock.now(), `answered ${answeredSec} s`, late);
      if (closed) {
        log.info('callback done: the customer was called through the PBX', { callbackId: closed.id, caller: e164, answeredSec });
        await api.closed(closed);
      }
      return closed;
    },

    async tick() {
      const jobs = await timers.claimDue(clock.now(), { owner: deps.instanceId, leaseMs: LEASE_MS, limit: BATCH });
      for (const job of jobs) {
        await run(job).catch((err: unknown) => log.error('follow-up job failed; it runs again when its lease ends', { job: job.id, error: describeError(err) }));
      }
      return jobs.length;
    },
  };
  return api;
}

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
 *
 * Every open callback has its jobs: a new callback is recorded with followUp = "pending"; the
 * instance that recorded it claims it, schedules notify:created, remind and overdue, and marks it
 * "scheduled". If that fails or the instance dies midway, sweep() (at start, every minute, after
 * a spool replay) does the same for every open callback still marked pending (or whose claim ran
 * out). The mark, not the jobs, says whether it was done: notify:created is deleted once it ran,
 * and scheduling it again would notify twice.
 *
 * Jobs run concurrently, up to callbacks.jobConcurrency per instance, each on its own: a receiver
 * that stalls holds one slot for at most DELIVERY_DEADLINE_MS, never the others.
 */
import type { Logger } from 'winston';
import type { Config } from '../config/types.js';
import type { CallbackStore } from '../callbacks/store.js';
import type { ClaimedJob, TimerJob, Timers } from '../callbacks/timers.js';
import type { Callback } from '../callbacks/types.js';
import { isOpen } from '../callbacks/lifecycle.js';
import type { Clock } from '../clock/clock.js';
import type { Notifier } from '../notify/notifier.js';
import { isRetryable, notifyFailed } from '../notify/failure.js';
import { sendSms } from '../notify/channels/sms.js';
import { HTTP_TIMEOUT_MS } from '../notify/http.js';
import { normalizeNumber } from '../routing/numbers.js';
import { callability, mayTextBack } from '../numbers/callable.js';
import { textBackMessage } from './text-back.js';
import { nextRetryDelay } from '../notify/retry.js';
import type { ChannelName, NotificationEvent, NotificationKind } from '../notify/types.js';
import type { HttpSettings } from '../config/types.js';
import { actionUrl, canMakeLinks, loginLink } from '../http/auth/links.js';
import { describeError } from '../errors.js';
import { lacksFollowUp } from './sweeps.js';
import type { Metrics } from '../metrics/metrics.js';

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
  /**
   * The http settings login and action links are signed with: the ones the running server checks
   * them against (read at start, like the server's). Default: the current config's.
   */
  readonly linkSettings?: HttpSettings;
  /** Rings a person to call the customer back (escalation with ringOnEscalation). */
  readonly dialBack: (callbackId: string, person: string, by: string) => Promise<void>;
  /** Counts notifications, new and closed callbacks (src/metrics); none when absent. */
  readonly metrics?: Metrics;
}

export interface FollowUp {
  /**
   * A missed call was recorded: a new callback gets its notifications and timers, once however
   * often it is told (created: this call created it). Rejects when Redis failed, so the caller
   * can keep the record to try again.
   */
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
  /**
   * Claims the due jobs that fit in the free slots and starts them without waiting for them;
   * returns how many it started. Called every second.
   */
  tick(): Promise<number>;
  /** Resolves when the jobs started so far have ended (for a clean stop, and for tests). */
  idle(): Promise<void>;
  /**
   * Schedules the follow-up jobs of every open callback that lacks them (its record was written
   * but the scheduling failed or never ran); returns how many callbacks got their jobs.
   * Run at start, every minute, and after replaying a spool of recorded calls.
   */
  sweep(): Promise<number>;
}

/** How long a claimed job is ours; longer than any job takes (see DELIVERY_DEADLINE_MS). */
const LEASE_MS = 60_000;
/**
 * The longest one delivery (an SMTP exchange, an HTTP request) is waited for: well inside the
 * job's lease, so no other instance takes the job over while we still wait. The channels' own
 * timeouts are shorter (HTTP 5 s); SMTP's are per phase, so this bounds the whole exchange.
 */
export const DELIVERY_DEADLINE_MS = 45_000;
/** How long an instance may take to schedule a new callback's jobs before a sweep may take over. */
const FOLLOW_UP_CLAIM_MS = 60_000;

/**
 * The links only this person may use, made fresh for each delivery: a login link to the
 * callback's page (e-mail, SMS, tapping a push) and, while the callback is open, single-use
 * "ring me now" and "done" buttons (push). None without http.sessionSecret and http.publicUrl.
 */
function personalLinks(http: HttpSettings, callbackId: string, person: string, kind: NotificationKind, now: number): Pick<NotificationEvent['links'], 'page' | 'actions'> {
  if (!canMakeLinks(http)) return {};
  const page = loginLink(http, person, { now, next: `/callbacks/${encodeURIComponent(callbackId)}` });
  if (kind === 'done' || kind === 'failed') return { page };
  return { page, actions: { dial: actionUrl(http, callbackId, 'dial', person, now), done: actionUrl(http, callbackId, 'done', person, now) } };
}

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
export function createFollowUp(deps: FollowUpDeps): FollowUp {
  const { store, timers, clock, logger } = deps;
  const log = logger.child({ component: 'follow-up' });
  const running = new Set<Promise<void>>();

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
        ...uncallableOf(callback.caller, config),
      },
      person: { id: person, name: config.people[person]?.name ?? person },
      at: clock.now(),
      links: {
        dial: `POST ${deps.publicUrl.replace(/\/+$/, '')}/api/callbacks/${callback.id}/dial`,
        cli: `nevermiss callbacks dial ${callback.id} --by ${person}`,
        ...personalLinks(deps.linkSettings ?? config.http, callback.id, person, kind, clock.now()),
      },
    };
    try {
      await withDeadline(notifier.send(channel, event, job.id), `${channel.name} to ${person}`, channel.name);
      deps.metrics?.notification(channel.name, 'sent');
      await timers.complete(job.id, deps.instanceId);
      await store.appendHistory(callback.id, { event: 'notified', at: clock.now(), by: deps.instanceId, detail: `${kind} to ${person} by ${channel.name}` }).catch(() => undefined);
      log.info('notification sent', { callbackId: callback.id, kind, person, channel: channel.name });
    } catch (err) {
      const delay = isRetryable(err) ? nextRetryDelay(job.claims) : null;
      deps.metrics?.notification(channel.name, delay === null ? 'failed' : 'retried');
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
    if (!route?.textBack || !config.sms || !mayTextBack(callback.caller, config.callable) || (await store.wasTextedBack(callback.caller))) {
      await timers.complete(job.id, deps.instanceId);
      return;
    }
    // Counted before sending (a retry counts again): a limit errs on the side of fewer texts.
    const slot = await store.takeTextBackSlot(callback.caller, config.callable.textBack, clock.now());
    if (!slot.taken) {
      deps.metrics?.notification('textback', 'failed');
      log.warn('text-back not sent: the limit is reached', { callbackId: callback.id, limit: slot.limit, prefix: slot.prefix, count: slot.count });
      await timers.complete(job.id, deps.instanceId);
      return;
    }
    const text = textBackMessage(config.firm.name, route.language, callback.dueAt, route.timezone, clock.now());
    try {
      await withDeadline(sendSms(fetch, config.sms, callback.caller, text, HTTP_TIMEOUT_MS), 'text to the caller', 'sms');
      deps.metrics?.notification('textback', 'sent');
      await store.markTextedBack(callback.caller, route.textBack.windowMs);
      await timers.complete(job.id, deps.instanceId);
      await store.appendHistory(callback.id, { event: 'notified', at: clock.now(), by: deps.instanceId, detail: 'texted the caller' }).catch(() => undefined);
      log.info('texted the caller back', { callbackId: callback.id });
    } catch (err) {
      const delay = isRetryable(err) ? nextRetryDelay(job.claims) : null;
      deps.metrics?.notification('textback', delay === null ? 'failed' : 'retried');
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

  /**
   * Schedules a new callback's notify, remind and overdue jobs, once: only the instance that
   * claims it does, and the mark written after tells every sweep it is done. False when there
   * was nothing to do (done already, claimed by another instance, closed).
   */
  async function scheduleFollowUp(id: string): Promise<boolean> {
    const callback = await store.claimFollowUp(id, deps.instanceId, clock.now(), FOLLOW_UP_CLAIM_MS);
    if (!callback) return false;
    // Claimed once per new callback (its follow-up mark), whether live, replayed or swept.
    deps.metrics?.callbackCreated();
    // A number that can't be called back is only told about: no reminder, no escalation, no ringing.
    if (callability(callback.caller, deps.config().callable).callable) {
      const share = deps.config().callbacks.remindAtShare;
      await schedule(`remind:${id}`, 'remind', id, Math.round(callback.createdAt + share * (callback.dueAt - callback.createdAt)));
      await schedule(`overdue:${id}`, 'overdue', id, callback.dueAt);
    }
    await timers.schedule(notifyJob('created', id), clock.now());
    if (!(await store.finishFollowUp(id, deps.instanceId))) {
      log.warn('scheduling the follow-up took longer than its claim; another instance may have scheduled it too', { callbackId: id });
    }
    return true;
  }

  /** Runs one claimed job in its own slot; its failure is its own. */
  function start(job: ClaimedJob): void {
    const running$ = run(job)
      .catch((err: unknown) => {
        log.error('follow-up job failed; it runs again when its lease ends', { job: job.id, error: describeError(err) });
      })
      .finally(() => running.delete(running$));
    running.add(running$);
  }

  const api: FollowUp = {
    async callbackRecorded({ id, created }) {
      try {
        const callback = await store.get(id);
        if (!callback) return;
        // Every missed call may text the caller (the window decides); the rest is for new callbacks.
        if (deps.config().routes[callback.route]?.textBack && mayTextBack(callback.caller, deps.config().callable)) {
          await timers.schedule({ id: `textback:${callback.caller}`, kind: 'textback', callbackId: id }, clock.now());
        }
      } catch (err) {
        log.warn('could not schedule the text back to the caller', { callbackId: id, error: describeError(err) });
      }
      if (!created) return;
      try {
        await scheduleFollowUp(id);
      } catch (err) {
        log.error('could not schedule the follow-up of a new callback; the next sweep does (within a minute)', { callbackId: id, error: describeError(err) });
      }
    },

    async sweep() {
      let scheduled = 0;
      for (const callback of (await store.listPending()).filter(lacksFollowUp)) {
        try {
          if (await scheduleFollowUp(callback.id)) {
            scheduled += 1;
            log.warn('scheduled the missing follow-up of a callback', { callbackId: callback.id });
          }
        } catch (err) {
          log.warn('could not schedule the missing follow-up of a callback; the next sweep tries again', { callbackId: callback.id, error: describeError(err) });
        }
      }
      return scheduled;
    },

    async attemptFailed(callbackId) {
      await schedule(`remind:${callbackId}`, 'remind', callbackId, clock.now() + deps.config().callbacks.retryPauseMs);
    },

    closed: (callback) => {
      deps.metrics?.callbackClosed(callback, clock.now());
      return followUpClosed(timers, callback, clock.now());
    },

    async outboundCallAnswered({ number, answeredSec, from, at }) {
      const config = deps.config();
      if (answeredSec * 1000 < config.callbacks.minTalkMs) return null;
      const e164 = normalizeNumber(number, config.firm.country) ?? number;
      const late = at === undefined ? { reachedVia: 'outbound' as const } : { lastCallAtMost: at, reachedVia: 'outbound' as const };
      const closed = await store.closeByCaller(e164, 'done', `outbound call from ${from || 'a phone'}`, at ?? clock.now(), `answered ${answeredSec} s`, late);
      if (closed) {
        log.info('callback done: the customer was called through the PBX', { callbackId: closed.id, caller: e164, answeredSec });
        await api.closed(closed);
      }
      return closed;
    },

    async tick() {
      const free = deps.config().callbacks.jobConcurrency - running.size;
      if (free <= 0) return 0;
      const jobs = await timers.claimDue(clock.now(), { owner: deps.instanceId, leaseMs: LEASE_MS, limit: free });
      for (const job of jobs) start(job);
      return jobs.length;
    },

    async idle() {
      while (running.size > 0) await Promise.allSettled([...running]);
    },
  };
  return api;
}

/** Why a callback's number can't be called back, for the messages about it; nothing when it can. */
function uncallableOf(number: string, config: Config): { uncallable?: string } {
  const verdict = callability(number, config.callable);
  return verdict.callable ? {} : { uncallable: verdict.why };
}

/**
 * Waits for a delivery at most DELIVERY_DEADLINE_MS; past that it counts as a failure a retry may
 * get through (the lease must not run out while we wait). The late send itself is not cancelled:
 * at worst the retry delivers a second time, with the same delivery id.
 */
async function withDeadline(send: Promise<void>, what: string, channel: ChannelName): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(notifyFailed(what, `no result within ${DELIVERY_DEADLINE_MS / 1000} s`, { channel, retryable: true, address: what }, 'check the receiver')),
      DELIVERY_DEADLINE_MS,
    );
  });
  try {
    await Promise.race([send, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

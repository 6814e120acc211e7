/**
 * Seeing every promise through: what happens to a callback after the call. Every step is a job
 * on BullMQ (callbacks/job-queue.ts), so any instance can run it, a crash loses nothing (the job
 * of a worker that died runs again), and a retry waits out the backoff of notify/retry.ts.
 * What a job does is decided by the pure machine (machine.ts); this shell reads the callback,
 * asks the machine, and runs the effects in order.
 *
 * Job ids are built in one place (callbacks/keys.ts), so scheduling twice is harmless, and a
 * delivery's id goes to the receiver with it (X-Nevermiss-Delivery), so a run that is repeated
 * after a crash is recognised there.
 *
 * Every open callback has its jobs: a new callback is recorded with followUp = "pending"; the
 * instance that recorded it claims it, schedules notify created, remind and overdue, and marks it
 * "scheduled". If that fails or the instance dies midway, sweep() (at start, every minute, after
 * a spool replay) does the same for every open callback still marked pending (or whose claim ran
 * out). The mark, not the jobs, says whether it was done.
 *
 * Each queue runs up to callbacks.jobConcurrency jobs at once per instance, and every channel has
 * its own queue: a receiver that stalls holds its own channel's slots for at most
 * DELIVERY_DEADLINE_MS, never another channel's.
 */
import type { Logger } from 'winston';
import type { Config } from '../config/types.js';
import type { CallbackStore } from '../callbacks/store.js';
import type { JobQueue, JobRun } from '../callbacks/job-queue.js';
import type { Callback } from '../callbacks/types.js';
import type { Clock } from '../clock/clock.js';
import type { Notifier } from '../notify/notifier.js';
import { isRetryable, notifyFailed } from '../notify/failure.js';
import { normalizeNumber } from '../routing/numbers.js';
import { callability } from '../numbers/callable.js';
import type { ChannelName, NotificationEvent, NotificationKind } from '../notify/types.js';
import type { HttpSettings } from '../config/types.js';
import { actionUrl, canMakeLinks, loginLink } from '../http/auth/links.js';
import { describeError, ErrorCodes, isNevermissError } from '../errors.js';
import { lacksFollowUp } from './sweeps.js';
import type { Metrics } from '../metrics/metrics.js';
import type { FollowUpJob } from './jobs.js';
import { decideFollowUp, jobsOfClosed, jobsOfFailedAttempt, jobsOfMissedCall, jobsOfNewCallback, type FollowUpEffect, type ScheduledJob } from './machine.js';

export interface FollowUpDeps {
  readonly config: () => Config;
  readonly store: CallbackStore;
  readonly jobs: JobQueue;
  readonly notifier: () => Notifier;
  readonly clock: Clock;
  readonly logger: Logger;
  /** This instance's name in claims and history. */
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
  /** Runs one job: reads its callback, decides, runs the effects. Throws for a failed attempt. */
  run(job: FollowUpJob, run: JobRun): Promise<void>;
  /** Starts this instance's workers (the active instance); moves jobs of the old queue over first. */
  startJobs(): Promise<void>;
  /** Stops this instance's workers; what they run is finished or left to another worker. */
  stopJobs(): Promise<void>;
  /**
   * Schedules the follow-up jobs of every open callback that lacks them (its record was written
   * but the scheduling failed or never ran); returns how many callbacks got their jobs.
   * Run at start, every minute, and after replaying a spool of recorded calls.
   */
  sweep(): Promise<number>;
}

/**
 * The longest one delivery (an SMTP exchange, an HTTP request) is waited for; the worker keeps
 * the job's lock meanwhile. The channels' own timeouts are shorter (HTTP 5 s); SMTP's are per
 * phase, so this bounds the whole exchange.
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

/** Schedules jobs; each add is a no-op when its job exists already. */
async function scheduleAll(jobs: JobQueue, scheduled: readonly ScheduledJob[], now: number): Promise<void> {
  for (const { job, at } of scheduled) await jobs.add(job, at, now);
}

/**
 * A callback closed: its reminders and escalations are moot, and a done or failed one is told
 * about. The one place a closed callback's jobs go; also used by `nevermiss callbacks done`,
 * which closes callbacks without the service.
 */
export async function followUpClosed(jobs: JobQueue, callback: Pick<Callback, 'id' | 'status'>, now: number): Promise<void> {
  await jobs.removeWaitingOf(callback.id);
  await scheduleAll(jobs, jobsOfClosed(callback, now), now);
}

/** Whether a failed attempt is worth another (after the backoff): failures of Redis and of the code are, refused deliveries are not. */
export function worthRetrying(err: unknown): boolean {
  return !isNevermissError(err, ErrorCodes.NOTIFY_FAILED) || isRetryable(err);
}

export function createFollowUp(deps: FollowUpDeps): FollowUp {
  const { store, jobs, clock, logger } = deps;
  const log = logger.child({ component: 'follow-up' });

  function eventFor(kind: NotificationKind, callback: Callback, person: string, config: Config): NotificationEvent {
    return {
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
  }

  /** Counts and logs a failed delivery, and throws it on for the queue to retry or fail. */
  function deliveryFailed(err: unknown, run: JobRun, metric: ChannelName | 'textback', fields: Record<string, unknown>): never {
    const again = worthRetrying(err) && !run.last;
    deps.metrics?.notification(metric, again ? 'retried' : 'failed');
    if (again) log.warn('delivery failed; will retry', { ...fields, attempt: run.attempt, error: describeError(err) });
    else log.error('delivery failed for good', { ...fields, attempt: run.attempt, error: describeError(err) });
    throw err;
  }

  /** Runs one effect; false when the effects after it are moot (the caller was texted already). */
  async function perform(effect: FollowUpEffect, callback: Callback, run: JobRun, config: Config): Promise<boolean> {
    switch (effect.type) {
      case 'schedule':
        await jobs.add(effect.job, effect.at, clock.now());
        return true;
      case 'send': {
        const channel = deps.notifier().targets(effect.person).find((candidate) => candidate.name === effect.channel);
        if (!channel) {
          log.warn('notification target no longer configured; dropped', { job: run.id });
          return false;
        }
        const fields = { callbackId: callback.id, kind: effect.event, person: effect.person, channel: effect.channel, job: run.id };
        try {
          await withDeadline(deps.notifier().send(channel, eventFor(effect.event, callback, effect.person, config), run.id), `${channel.name} to ${effect.person}`, channel.name);
        } catch (err) {
          deliveryFailed(err, run, channel.name, fields);
        }
        deps.metrics?.notification(channel.name, 'sent');
        log.info('notification sent', fields);
        return true;
      }
      case 'text-caller': {
        if (await store.wasTextedBack(effect.number)) return false;
        // Counted before sending (a retry counts again): a limit errs on the side of fewer texts.
        const slot = await store.takeTextBackSlot(effect.number, effect.limits, clock.now());
        if (!slot.taken) {
          deps.metrics?.notification('textback', 'failed');
          log.warn('text-back not sent: the limit is reached', { callbackId: callback.id, limit: slot.limit, prefix: slot.prefix, count: slot.count });
          return false;
        }
        try {
          await withDeadline(deps.notifier().textCaller(effect.number, effect.text, run.id), 'text to the caller', 'sms');
        } catch (err) {
          deliveryFailed(err, run, 'textback', { callbackId: callback.id, job: run.id });
        }
        deps.metrics?.notification('textback', 'sent');
        await store.markTextedBack(effect.number, effect.windowMs);
        log.info('texted the caller back', { callbackId: callback.id });
        return true;
      }
      case 'note':
        await store
          .appendHistory(callback.id, { event: effect.event, at: clock.now(), by: deps.instanceId, ...(effect.detail === undefined ? {} : { detail: effect.detail }) })
          .catch((err: unknown) => log.warn('could not note the follow-up in the history', { callbackId: callback.id, event: effect.event, error: describeError(err) }));
        return true;
      case 'ring':
        await deps.dialBack(callback.id, effect.person, 'escalation').catch((err: unknown) => log.warn('could not ring for the escalation', { error: describeError(err) }));
        return true;
      case 'skip':
        log.debug('follow-up job has nothing to do', { job: run.id, reason: effect.reason });
        return false;
    }
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
    await scheduleAll(jobs, jobsOfNewCallback(callback, deps.config(), clock.now()), clock.now());
    if (!(await store.finishFollowUp(id, deps.instanceId))) {
      log.warn('scheduling the follow-up took longer than its claim; another instance may have scheduled it too', { callbackId: id });
    }
    return true;
  }

  const api: FollowUp = {
    async callbackRecorded({ id, created }) {
      try {
        const callback = await store.get(id);
        if (!callback) return;
        // Every missed call may text the caller (the window decides); the rest is for new callbacks.
        await scheduleAll(jobs, jobsOfMissedCall(callback, deps.config(), clock.now()), clock.now());
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
      // The reminder that waited is replaced by one after the pause.
      await jobs.removeWaitingOf(callbackId, ['remind']);
      await scheduleAll(jobs, jobsOfFailedAttempt({ id: callbackId }, deps.config(), clock.now()), clock.now());
    },

    closed: (callback) => {
      deps.metrics?.callbackClosed(callback, clock.now());
      return followUpClosed(jobs, callback, clock.now());
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

    async run(job, run) {
      const config = deps.config();
      const callback = await store.get(job.callbackId);
      const effects = decideFollowUp(job, callback, config, clock.now());
      if (callback === null) {
        log.debug('follow-up job of a callback that is gone; nothing to do', { job: run.id });
        return;
      }
      for (const effect of effects) if (!(await perform(effect, callback, run, config))) return;
    },

    async startJobs() {
      const moved = await jobs.adoptLegacyTimers(clock.now()).catch((err: unknown) => {
        log.warn('could not move the jobs of the old queue over; trying again at the next start', { error: describeError(err) });
        return 0;
      });
      if (moved > 0) log.warn('moved the jobs of the old queue over to BullMQ', { jobs: moved });
      jobs.startWorkers({
        concurrency: deps.config().callbacks.jobConcurrency,
        retryable: worthRetrying,
        handle: (job, run) => api.run(job, run),
      });
    },

    stopJobs: () => jobs.stopWorkers(),
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

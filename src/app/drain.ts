/**
 * Draining the PBX's memory: the callers the dialplan snippet's fallback handled while nevermiss
 * was down, and the outbound calls it could not report, kept in AstDB (astdb-entries.ts has the
 * format). ARI can't read or delete AstDB itself (functions with side effects are refused from
 * outside the dialplan), so the dialplan does: we originate a Local/ channel into the snippet's
 * [nevermiss-drain] context with our app's name; it hands us one entry at a time as Stasis()
 * arguments, we store it, and only then send the channel on to the label that deletes it.
 *
 * Acknowledge, then delete, key by key: a crash or a lost connection mid-drain leaves the entry
 * in AstDB for the next drain, and two instances draining at once each store it; the store is
 * idempotent by call id (recordMissedCall, logCall), so nothing is counted twice.
 *
 * Runs after every (re)connect, every minute, and again soon after a drain that failed or
 * found a call still in the fallback. It never holds up calls (one extra channel, in the
 * background) and never throws: a failure stops the drain, is logged once, and is tried again.
 */
import type { Metrics } from '../metrics/metrics.js';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'winston';
import type { AriRest } from '../ari/rest.js';
import type { Clock, Timers } from '../clock/clock.js';
import type { Outcome } from '../call-flow/types.js';
import type { StatusStore } from '../callbacks/status.js';
import type { CallbackStore } from '../callbacks/store.js';
import type { ReachedVia } from '../callbacks/types.js';
import type { Config } from '../config/types.js';
import { ErrorCodes, NevermissError, describeError } from '../errors.js';
import type { FollowUp } from '../follow-up/follow-up.js';
import {
  DOWNTIME_NOTE,
  DRAIN_DIALPLAN,
  INTERRUPTED_NOTE,
  fallbackCall,
  fallbackOutcome,
  interruptedCall,
  interruptedOutcome,
  readDrainStep,
  type DrainLabel,
  type DrainStep,
  type FallbackEntry,
  type InboundEntry,
  type NotedCall,
  type OutboundEntry,
} from './astdb-entries.js';

/** How long the drain channel may take to hand over the next entry. */
const STEP_TIMEOUT_MS = 10_000;
/**
 * How often AstDB is looked at while connected: every call that went into the app leaves a note
 * when it ends (dropped here when the call was logged), and the fallback also runs for callers
 * the service sent there. A drain with nothing to do costs one Local channel.
 */
const EVERY_MS = 60_000;
/** After a failed drain, or one that left a call still in the fallback. */
const RETRY_MS = 30_000;
/** Entries per drain; the rest follow in the next one. */
const MAX_ENTRIES = 1_000;

export interface DrainDeps {
  readonly rest: () => AriRest;
  /** Our Stasis app: the drain context hands the entries to it. */
  readonly app: string;
  readonly config: () => Config;
  readonly store: CallbackStore;
  readonly status: StatusStore;
  readonly followUp: Pick<FollowUp, 'callbackRecorded' | 'closed' | 'outboundCallAnswered'>;
  readonly clock: Clock;
  readonly timers: Timers;
  readonly logger: Logger;
  /** Whether this instance may drain now (connected to ARI; the active instance). */
  readonly canRun: () => boolean;
  /** Whether a call of this instance's is still going on (it logs the call itself when it ends). */
  readonly isLive: (callId: string) => boolean;
  /** Counts the calls stored from the PBX's notes by outcome, as if they had ended live. */
  readonly metrics: Pick<Metrics, 'callEnded'>;
}

export interface DrainSummary {
  /** Fallback calls stored (call log, and a callback where one is due). */
  readonly calls: number;
  /** Calls that went into the app and were never logged (the service was away when they ended). */
  readonly interrupted: number;
  /** Outbound reports applied. */
  readonly outbound: number;
  /** Calls still in the fallback: left for the next drain. */
  readonly inProgress: number;
  /** Entries that could not be read: left in AstDB for a person to look at. */
  readonly unreadable: number;
}

export interface AstdbDrain {
  /** Drains now, unless a drain runs already or may not run; never rejects. */
  run(trigger: string): Promise<DrainSummary | null>;
  /** A StasisStart from the drain context (args after the app name). */
  stasisStart(channelId: string, args: readonly string[]): void;
  /** Starts draining every minute (and soon after a failure). */
  start(): void;
  stop(): void;
}

/** The steps one drain channel hands over, in order, for the drain loop to take one at a time. */
class DrainChannel {
  private readonly queue: DrainStep[] = [];
  private waiting: ((step: DrainStep | null) => void) | null = null;

  push(step: DrainStep): void {
    if (this.waiting) {
      const resolve = this.waiting;
      this.waiting = null;
      resolve(step);
    } else {
      this.queue.push(step);
    }
  }

  /** The next step, or null when none came within `ms`. */
  next(timers: Timers, ms: number): Promise<DrainStep | null> {
    const queued = this.queue.shift();
    if (queued) return Promise.resolve(queued);
    return new Promise((resolve) => {
      const timer = timers.set(ms, () => {
        this.waiting = null;
        resolve(null);
      });
      this.waiting = (step) => {
        timer.cancel();
        resolve(step);
      };
    });
  }
}

export function createAstdbDrain(deps: DrainDeps): AstdbDrain {
  const { store, clock, timers } = deps;
  const log = deps.logger.child({ component: 'astdb-drain' });
  const channels = new Map<string, DrainChannel>();
  const warnedUnreadable = new Set<string>();
  let running = false;
  let stopped = true;
  let failing = false;
  let next: { cancel(): void } | null = null;

  function schedule(ms: number): void {
    if (stopped) return;
    next?.cancel();
    next = timers.set(ms, () => {
      next = null;
      void drain.run('timer');
    });
  }

  /**
   * Stores a call the PBX noted: its callback when one is due (or the one already recorded for
   * that call id), else, when a person took it, closes the customer's callback from before it;
   * then its call-log entry. Idempotent by call id.
   */
  async function storeNoted(
    call: NotedCall,
    how: {
      readonly note: string;
      readonly takenBy: string | null;
      /** How the customer was reached when a person took the call (for the figures). */
      readonly reachedVia: ReachedVia;
      readonly outcome: (callbackId: string | null) => Outcome;
    },
  ): Promise<{ readonly callbackId: string | null; readonly logged: boolean; readonly outcome: Outcome }> {
    let callbackId: string | null = null;
    if (call.callback && call.caller !== null) {
      const recorded = await store.recordMissedCall({
        callId: call.callId,
        caller: call.caller,
        called: call.called,
        route: call.routeId,
        language: call.language,
        at: call.startedAt,
        dueAt: call.callback.dueAt,
        note: how.note,
        callerName: call.callerName,
      });
      callbackId = recorded.id;
      // A duplicate was stored before (an earlier or parallel drain, or the instance that died), with its follow-up.
      if (!recorded.duplicate) await deps.followUp.callbackRecorded(recorded);
    } else if (how.takenBy !== null && call.caller !== null) {
      // The customer got through to a person: a callback from before this call is kept.
      const closed = await store.closeByCaller(call.caller, 'done', how.takenBy, call.endedAt, `call ${call.callId}`, {
        lastCallAtMost: call.startedAt,
        reachedVia: how.reachedVia,
      });
      if (closed) await deps.followUp.closed(closed);
    }
    const outcome = how.outcome(callbackId);
    const logged = await store.logCall({
      callId: call.callId,
      caller: call.caller ?? '',
      called: call.called,
      route: call.routeId,
      startedAt: call.startedAt,
      endedAt: call.endedAt,
      outcome,
    });
    if (logged) deps.metrics.callEnded(outcome);
    return { callbackId, logged, outcome };
  }

  async function storeFallback(entry: FallbackEntry): Promise<void> {
    const owner = await deps.status.get(entry.startedAt);
    const call = fallbackCall(entry, deps.config(), { mode: owner.mode, until: owner.until });
    const { callbackId, logged } = await storeNoted(call, {
      note: `${DOWNTIME_NOTE} (fallback: ${call.dialStatus || 'rang nobody'})`,
      takenBy: call.answered ? 'answered at the dialplan fallback' : null,
      reachedVia: 'fallback',
      outcome: (id) => fallbackOutcome(call, id),
    });
    log.info('call from the dialplan fallback stored', {
      callId: call.callId,
      caller: call.caller ?? 'withheld',
      called: call.called,
      route: call.routeId,
      callerName: call.callerName,
      answered: call.answered,
      dialStatus: call.dialStatus,
      callbackId,
      dueAt: call.callback?.dueAt ?? null,
      startedAt: new Date(call.startedAt).toISOString(),
      alreadyLogged: !logged,
    });
  }

  /** An inbound entry: nothing to do when the call was logged; else the call as the PBX saw it. */
  async function storeInbound(entry: InboundEntry): Promise<boolean> {
    if (await store.getCall(entry.key)) return false;
    const owner = await deps.status.get(entry.startedAt);
    const call = interruptedCall(entry, await store.answeredCall(entry.key), deps.config(), { mode: owner.mode, until: owner.until });
    const { callbackId, logged, outcome } = await storeNoted(call, {
      note: INTERRUPTED_NOTE,
      takenBy: call.answered && `answered by ${call.answered.person}`,
      reachedVia: 'called-again',
      outcome: (id) => interruptedOutcome(call, id),
    });
    log.warn('a call that ended while nevermiss was away stored from the PBX\'s note', {
      callId: call.callId,
      caller: call.caller ?? 'withheld',
      called: call.called,
      route: call.routeId,
      outcome: outcome.kind,
      callbackId,
      dueAt: call.callback?.dueAt ?? null,
      startedAt: new Date(call.startedAt).toISOString(),
      alreadyLogged: !logged,
    });
    return true;
  }

  async function applyOutbound(entry: OutboundEntry): Promise<void> {
    const closed = await deps.followUp.outboundCallAnswered({ number: entry.number, answeredSec: entry.answeredSec, from: entry.from, at: entry.at });
    log.info('outbound call from AstDB applied', { callId: entry.key, number: entry.number, answeredSec: entry.answeredSec, closed: closed?.id ?? null });
  }

  type Counts = { calls: number; interrupted: number; outbound: number; inProgress: number; unreadable: number };

  /** Stores one step's entry (or decides it must wait) and says where the channel goes next. */
  async function handle(step: Exclude<DrainStep, { kind: 'done' }>, rereads: Set<string>, counts: Counts): Promise<DrainLabel> {
    switch (step.kind) {
      case 'gone':
        return 'keep';
      case 'unreadable':
        counts.unreadable += 1;
        if (!warnedUnreadable.has(`${step.family}/${step.key}`)) {
          warnedUnreadable.add(`${step.family}/${step.key}`);
          log.warn('an AstDB entry could not be read; it stays for a person to look at ("database show nevermiss" in the Asterisk CLI)', {
            entry: `nevermiss/${step.family}/${step.key}`,
            problem: step.problem,
          });
        }
        return 'keep';
      case 'entry': {
        const { entry } = step;
        if (entry.family === 'outbound') {
          await applyOutbound(entry);
          counts.outbound += 1;
          return 'delete';
        }
        if (entry.family === 'inbound') {
          // Ours and still being wound up: it logs itself; the entry goes at the next drain.
          if (deps.isLive(entry.key)) {
            counts.inProgress += 1;
            return 'keep';
          }
          if (await storeInbound(entry)) counts.interrupted += 1;
          return 'delete';
        }
        if (entry.ended === null) {
          // Still in the fallback: wait for its end. Gone without an end: its hangup handler may
          // have written the end since we read it, so read it once more before taking it as is.
          if (await deps.rest().channelExists(entry.key)) {
            counts.inProgress += 1;
            return 'keep';
          }
          if (!rereads.has(entry.key)) {
            rereads.add(entry.key);
            return 'read';
          }
        }
        await storeFallback(entry);
        counts.calls += 1;
        return 'delete';
      }
    }
  }

  async function drainOnce(): Promise<DrainSummary & { readonly more: boolean }> {
    const base = `drain-${randomUUID()}`;
    const holdId = `${base}-a`;
    const channelId = `${base}-b`;
    const channel = new DrainChannel();
    channels.set(channelId, channel);
    const counts: Counts = { calls: 0, interrupted: 0, outbound: 0, inProgress: 0, unreadable: 0 };
    const rereads = new Set<string>();
    const { context, extension } = DRAIN_DIALPLAN;
    try {
      await deps.rest().originateToDialplan({
        endpoint: `Local/${extension}@${context}`,
        channelId: holdId,
        otherChannelId: channelId,
        context,
        extension: DRAIN_DIALPLAN.holdExtension,
        priority: 1,
        variables: { [DRAIN_DIALPLAN.appVariable]: deps.app },
        timeoutSec: 10,
      });
      for (let steps = 0; steps < MAX_ENTRIES; steps += 1) {
        const step = await channel.next(timers, STEP_TIMEOUT_MS);
        if (step === null) {
          throw new NevermissError(
            ErrorCodes.ARI_TIMEOUT,
            `the AstDB drain channel ${channelId} handed over nothing for ${STEP_TIMEOUT_MS} ms; check that Asterisk loaded dialplan/nevermiss.conf ` +
              `with its [${context}] context ("dialplan show ${context}") and func_db ("module show like func_db")`,
            { channelId },
          );
        }
        if (step.kind === 'done') return { ...counts, more: false };
        const label = await handle(step, rereads, counts);
        await deps.rest().continueInDialplan(channelId, context, extension, label);
      }
      log.info(`the AstDB drain stopped after ${MAX_ENTRIES} entries; the next one goes on`, counts);
      return { ...counts, more: true };
    } finally {
      channels.delete(channelId);
      // Hanging up the ;2 half ends the ;1 half too; both, in case the originate got no further.
      for (const id of [channelId, holdId]) {
        await Promise.resolve()
          .then(() => deps.rest().hangup(id, 'normal'))
          .catch(() => undefined);
      }
    }
  }

  const drain: AstdbDrain = {
    async run(trigger) {
      if (running) return null;
      if (!deps.canRun()) {
        schedule(EVERY_MS);
        return null;
      }
      running = true;
      const startedAt = clock.now();
      try {
        const { more, ...summary } = await drainOnce();
        const found = summary.calls + summary.interrupted + summary.outbound + summary.inProgress + summary.unreadable;
        log.log(found > 0 || failing ? 'info' : 'debug', 'AstDB drained', { trigger, ...summary, ms: clock.now() - startedAt });
        failing = false;
        schedule(more || summary.inProgress > 0 ? RETRY_MS : EVERY_MS);
        return summary;
      } catch (err) {
        // Logged once per run of failures: ARI or Redis being down is reported elsewhere too.
        if (!failing) log.warn(`AstDB drain stopped; trying again in ${RETRY_MS / 1000} s or at the next connect`, { trigger, error: describeError(err) });
        else log.debug('AstDB drain failed again', { trigger, error: describeError(err) });
        failing = true;
        schedule(RETRY_MS);
        return null;
      } finally {
        running = false;
      }
    },

    stasisStart(channelId, args) {
      const channel = channels.get(channelId);
      if (channel) {
        channel.push(readDrainStep(args));
        return;
      }
      // A drain channel no running drain waits for (it timed out): end it, its entry stays in AstDB.
      log.warn('hanging up an AstDB drain channel that no drain waits for', { channelId });
      Promise.resolve()
        .then(() => deps.rest().hangup(channelId, 'normal'))
        .catch(() => undefined);
    },

    start() {
      stopped = false;
      schedule(EVERY_MS);
    },

    stop() {
      stopped = true;
      next?.cancel();
      next = null;
    },
  };
  return drain;
}

/**
 * The shell around the pure election (machine.ts): once a tick it looks at the lease, ARI and the
 * other instances, feeds what it saw through `transition`, logs every change of role with both
 * ends, and runs the effects. Every Redis request has a bounded wait: a Redis that hangs counts as
 * a Redis that didn't answer, and the active keeps its calls.
 */
import type { Logger } from 'winston';
import { describeError } from '../errors.js';
import type { Clock, Timers } from '../clock/clock.js';
import type { LeaseStore } from '../callbacks/lease.js';
import type { AriCheck } from '../ari/connection.js';
import {
  initialElection,
  isReady,
  roleOf,
  transition,
  type ElectionEffect,
  type ElectionEvent,
  type ElectionSettings,
  type ElectionState,
  type LeaseSeen,
  type Renewal,
  type Role,
  type StandDownReason,
} from './machine.js';

export interface ElectorDeps {
  /** Unique among the instances of the installation, e.g. `host:pid`. */
  readonly instanceId: string;
  readonly settings: ElectionSettings;
  readonly lease: LeaseStore;
  /** A plain HTTP request to ARI; never the app's WebSocket, which would take the app over. */
  readonly checkAri: () => Promise<AriCheck>;
  /** Whether the active's app WebSocket is up. */
  readonly ariConnected: () => boolean;
  /** Open the app's WebSocket; run calls and jobs. */
  readonly activate: () => void;
  /** Close the app's WebSocket at once; drop the calls in memory without acting on them. */
  readonly standDown: (reason: StandDownReason) => Promise<void>;
  readonly clock: Clock;
  readonly timers: Timers;
  readonly logger: Logger;
}

export interface ElectionView {
  readonly role: Role;
  readonly instance: string;
  /** Who holds the lease as last seen; null when it was free or never read. */
  readonly leaseHolder: string | null;
  /** A standby's last plain-HTTP check of ARI; null before the first one. */
  readonly ariReachable: boolean | null;
}

export interface Elector {
  start(): void;
  /** Releases the lease if held, and says goodbye to the other instances. */
  stop(): Promise<void>;
  /** Asterisk gave the app's WebSocket to someone else. */
  appReplaced(): void;
  view(): ElectionView;
}

/** Derived from the lease so that a lease survives several missed renewals. */
export function electionTiming(leaseMs: number): { readonly tickMs: number; readonly redisWaitMs: number; readonly heartbeatMaxAgeMs: number } {
  return {
    tickMs: Math.min(1_000, Math.max(100, Math.round(leaseMs / 5))),
    redisWaitMs: Math.round(leaseMs / 2),
    heartbeatMaxAgeMs: 2 * leaseMs,
  };
}

const STAND_DOWN_WHY: Record<StandDownReason, string> = {
  'lease-lost': 'another instance holds the lease',
  'ari-lost': 'ARI has been out of reach past the grace period and a standby reaches it',
  'app-replaced': 'another connection took over the Stasis app',
  stopping: 'this instance is stopping',
};

export function createElector(deps: ElectorDeps): Elector {
  const { instanceId, settings, lease, clock, timers } = deps;
  const log = deps.logger.child({ component: 'election', instance: instanceId });
  const timing = electionTiming(settings.leaseMs);
  let state: ElectionState = initialElection;
  let holder: string | null = null;
  let ariReachable: boolean | null = null;
  let next: { cancel(): void } | undefined;
  let running: Promise<void> = Promise.resolve();
  let stopping = false;

  /** A Redis request that didn't answer within the wait counts as failed. */
  async function bounded<T>(what: string, promise: Promise<T>): Promise<T | 'failed'> {
    let timer: { cancel(): void } | undefined;
    const timeout = new Promise<'failed'>((resolve) => {
      timer = timers.set(timing.redisWaitMs, () => resolve('failed'));
    });
    const answer = promise.catch((err: unknown) => {
      log.debug(`Redis failed to ${what}`, { error: describeError(err) });
      return 'failed' as const;
    });
    try {
      return await Promise.race([answer, timeout]);
    } finally {
      timer?.cancel();
    }
  }

  async function apply(event: ElectionEvent): Promise<void> {
    const from = state;
    const { state: to, effects } = transition(settings, from, event, clock.now());
    state = to;
    if (from.kind !== to.kind || effects.length > 0) {
      const level = to.kind === 'standby' && from.kind === 'active' ? 'warn' : 'info';
      log.log(level, `election ${from.kind} -> ${to.kind} on ${event.type}`, { from: from.kind, to: to.kind, event, effects: effects.map((e) => e.type) });
    }
    for (const effect of effects) await run(effect);
  }

  async function run(effect: ElectionEffect): Promise<void> {
    switch (effect.type) {
      case 'acquire': {
        const won = await bounded('take the lease', lease.acquire(instanceId, settings.leaseMs));
        if (won === true) holder = instanceId;
        await apply(won === true ? { type: 'acquired' } : { type: 'acquireRefused' });
        return;
      }
      case 'activate':
        log.info('this instance is now active: it opens the Stasis app and runs the calls');
        deps.activate();
        return;
      case 'standDown':
        log.warn(`no longer active: ${STAND_DOWN_WHY[effect.reason]}; calls in progress are left to the next active instance`, { reason: effect.reason });
        await deps.standDown(effect.reason);
        return;
      case 'release': {
        const released = await bounded('release the lease', lease.release(instanceId));
        if (released === true) holder = null;
        log.info(released === true ? 'lease released' : 'lease not released (not held, or Redis did not answer; it expires by itself)');
        return;
      }
    }
  }

  async function tick(): Promise<void> {
    if (state.kind === 'active') await activeTick();
    else if (state.kind === 'standby') await standbyTick();
  }

  async function activeTick(): Promise<void> {
    const renewed = await bounded('renew the lease', lease.renew(instanceId, settings.leaseMs));
    let renewal: Renewal = 'unknown';
    if (renewed !== 'failed') {
      renewal = renewed.kind === 'lost' ? 'lost' : 'renewed';
      holder = renewed.kind === 'lost' ? renewed.holder : instanceId;
      if (renewed.kind === 'reclaimed') log.warn('the lease was gone from Redis (restarted?); this instance took it again');
    }
    const ariConnected = deps.ariConnected();
    // The other instances matter only when this one has lost ARI.
    const standbyReady = !ariConnected && renewal === 'renewed' && (await anyStandbyReady());
    await bounded('write the heartbeat', lease.heartbeat(instanceId, { role: 'active', ready: false, at: clock.now() }, timing.heartbeatMaxAgeMs));
    await apply({ type: 'activeTick', renewal, ariConnected, standbyReady });
  }

  async function anyStandbyReady(): Promise<boolean> {
    const seen = await bounded('list the instances', lease.instances(clock.now(), timing.heartbeatMaxAgeMs));
    if (seen === 'failed') return false;
    return [...seen].some(([id, beat]) => id !== instanceId && beat.role === 'standby' && beat.ready);
  }

  async function standbyTick(): Promise<void> {
    const check = await deps.checkAri().catch((err: unknown): AriCheck => ({ reachable: false, problem: describeError(err) }));
    const reachable = check.reachable;
    if (reachable !== ariReachable) {
      if (check.reachable) log.info('ARI is reachable from this standby');
      else log.warn(`ARI is not reachable from this standby, so it would not take over: ${check.problem}`);
    }
    ariReachable = reachable;
    const read = await bounded('read the lease', lease.holder());
    const seen: LeaseSeen = read === 'failed' ? 'unknown' : { holder: read };
    if (read !== 'failed') holder = read;
    const ready = isReady(state, reachable, clock.now());
    await bounded('write the heartbeat', lease.heartbeat(instanceId, { role: 'standby', ready, at: clock.now() }, timing.heartbeatMaxAgeMs));
    await apply({ type: 'standbyTick', ariReachable: reachable, lease: seen });
  }

  /** One step at a time: a tick, or an event from ARI, waits for the one in progress. */
  function serially(step: () => Promise<void>): Promise<void> {
    running = running.then(step).catch((err: unknown) => {
      log.error('election step failed', { error: describeError(err) });
    });
    return running;
  }

  function loop(): void {
    void serially(tick).finally(() => {
      if (!stopping) next = timers.set(timing.tickMs, loop);
    });
  }

  return {
    start() {
      stopping = false;
      log.info('standing by until this instance holds the lease', { leaseMs: settings.leaseMs, ariLossGraceMs: settings.ariLossGraceMs });
      loop();
    },
    async stop() {
      stopping = true;
      next?.cancel();
      await serially(() => apply({ type: 'stop' }));
      await bounded('remove the heartbeat', lease.forget(instanceId));
    },
    appReplaced() {
      // At once, not behind a tick that may be waiting on Redis: the socket must close before
      // ari-client's reconnect could take the app back. A tick still running finds the new state
      // and its news is ignored as late.
      const now = apply({ type: 'appReplaced' }).catch((err: unknown) => {
        log.error('election step failed', { error: describeError(err) });
      });
      running = Promise.all([running, now]).then(() => undefined);
    },
    view: () => ({ role: roleOf(state), instance: instanceId, leaseHolder: holder, ariReachable: state.kind === 'active' ? null : ariReachable }),
  };
}

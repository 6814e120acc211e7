/**
 * Which instance of an installation is active, as a pure function: (state, event, now) -> (next
 * state, effects). See docs/decisions/0014-active-and-standby.md.
 *
 * Instances of one installation (same Redis key prefix, same Stasis app) share one lease in Redis.
 * Its holder is active: it alone opens the app's WebSocket (a second one would take the app over)
 * and runs the calls. The others stand by: they keep the HTTP API up, check with a plain HTTP
 * request that they could reach ARI, and take the lease when it is free.
 *
 * It never performs I/O and never reads the clock. The shell (elector.ts) looks at Redis and ARI
 * once a tick, feeds what it saw in as events and runs the effects; the result of an acquisition
 * comes back as an event too.
 */

export interface ElectionSettings {
  /** How long the lease lives without renewal: a dead active is replaced after about this long. */
  readonly leaseMs: number;
  /** How long the active may be without ARI before it hands over to a standby that reaches it. */
  readonly ariLossGraceMs: number;
  /** How long an instance that gave the lease away waits before it competes again. */
  readonly coolDownMs: number;
}

export type Role = 'active' | 'standby';

/** An instance that gave the lease away (ARI lost, app taken over) waits this long before competing again. */
export const COOL_DOWN_MS = 30_000;

export type ElectionState =
  | {
      readonly kind: 'standby';
      /**
       * When this standby first saw the lease free, on an earlier tick; null while it is held or
       * unknown. A standby acquires only a lease it has seen free twice, so after a Redis restart
       * that lost the key the active, which re-claims it on its next renewal, keeps it.
       */
      readonly leaseFreeSince: number | null;
      /** Until then it does not compete (it gave the lease away); null when it may. */
      readonly coolDownUntil: number | null;
    }
  | {
      readonly kind: 'active';
      readonly since: number;
      /** Since when the app's WebSocket has been down (or not yet up); null while connected. */
      readonly ariLostSince: number | null;
    }
  | { readonly kind: 'stopped' };

/** What a standby saw of the lease: its holder (null: free), or unknown when Redis didn't answer. */
export type LeaseSeen = { readonly holder: string | null } | 'unknown';

/** What the active's renewal found: still its own, gone to another holder, or Redis didn't answer. */
export type Renewal = 'renewed' | 'lost' | 'unknown';

export type ElectionEvent =
  /** A standby's look around, once a tick: its own plain-HTTP check of ARI, and the lease. */
  | { readonly type: 'standbyTick'; readonly ariReachable: boolean; readonly lease: LeaseSeen }
  | { readonly type: 'acquired' }
  /** Someone else was faster, or Redis didn't answer. */
  | { readonly type: 'acquireRefused' }
  /**
   * The active's tick: its renewal, whether its app WebSocket is up, and whether some standby
   * would take over now (it reaches ARI and is not cooling down).
   */
  | { readonly type: 'activeTick'; readonly renewal: Renewal; readonly ariConnected: boolean; readonly standbyReady: boolean }
  /** Asterisk said another WebSocket took the app (ApplicationReplaced). */
  | { readonly type: 'appReplaced' }
  | { readonly type: 'stop' };

export type StandDownReason = 'lease-lost' | 'ari-lost' | 'app-replaced' | 'stopping';

export type ElectionEffect =
  /** Try to take the free lease (SET NX); the shell answers with acquired or acquireRefused. */
  | { readonly type: 'acquire' }
  /** Open the app's WebSocket and run calls and jobs. */
  | { readonly type: 'activate' }
  /** Close the app's WebSocket at once and drop the calls in memory without acting on them. */
  | { readonly type: 'standDown'; readonly reason: StandDownReason }
  /** Delete the lease if this instance still holds it, so a standby takes it at once. */
  | { readonly type: 'release' };

export interface ElectionTransition {
  readonly state: ElectionState;
  readonly effects: readonly ElectionEffect[];
}

/** Every instance starts as a standby; the lease decides. */
export const initialElection: ElectionState = { kind: 'standby', leaseFreeSince: null, coolDownUntil: null };

export function transition(settings: ElectionSettings, state: ElectionState, event: ElectionEvent, now: number): ElectionTransition {
  if (event.type === 'stop') {
    return { state: { kind: 'stopped' }, effects: state.kind === 'active' ? [{ type: 'standDown', reason: 'stopping' }, { type: 'release' }] : [] };
  }
  switch (state.kind) {
    case 'standby':
      return whileStandingBy(state, event, now);
    case 'active':
      return whileActive(settings, state, event, now);
    case 'stopped':
      return stay(state);
  }
}

/** Whether a standby would take a free lease now; the active hands over only to such a one. */
export function isReady(state: ElectionState, ariReachable: boolean, now: number): boolean {
  return state.kind === 'standby' && ariReachable && !coolingDown(state, now);
}

export function roleOf(state: ElectionState): Role {
  return state.kind === 'active' ? 'active' : 'standby';
}

type Standby = Extract<ElectionState, { kind: 'standby' }>;
type Active = Extract<ElectionState, { kind: 'active' }>;
type RunningEvent = Exclude<ElectionEvent, { type: 'stop' }>;

function whileStandingBy(state: Standby, event: RunningEvent, now: number): ElectionTransition {
  switch (event.type) {
    case 'standbyTick': {
      if (event.lease === 'unknown' || event.lease.holder !== null) return stay({ ...state, leaseFreeSince: null });
      const seenFreeBefore = state.leaseFreeSince !== null;
      const next: Standby = { ...state, leaseFreeSince: state.leaseFreeSince ?? now };
      // Without ARI it could not serve a call; cooling down, it would flap.
      if (!seenFreeBefore || !isReady(state, event.ariReachable, now)) return stay(next);
      return { state: next, effects: [{ type: 'acquire' }] };
    }
    case 'acquired':
      // Counted as lost until the WebSocket is up, so an active that never gets ARI hands over.
      return { state: { kind: 'active', since: now, ariLostSince: now }, effects: [{ type: 'activate' }] };
    case 'acquireRefused':
      return stay({ ...state, leaseFreeSince: null });
    case 'activeTick':
    case 'appReplaced':
      // Late news from before this instance stood down.
      return stay(state);
  }
}

function whileActive(settings: ElectionSettings, state: Active, event: RunningEvent, now: number): ElectionTransition {
  switch (event.type) {
    case 'activeTick': {
      // Another instance holds the lease: it is active, so this one must not touch a call again.
      if (event.renewal === 'lost') return standDown('lease-lost', null, []);
      if (event.ariConnected) return stay({ ...state, ariLostSince: null });
      const lostSince = state.ariLostSince ?? now;
      // While Redis doesn't answer no standby can take over either (nor be seen): keep the calls.
      const handOver = event.renewal === 'renewed' && event.standbyReady && now - lostSince >= settings.ariLossGraceMs;
      if (!handOver) return stay({ ...state, ariLostSince: lostSince });
      return standDown('ari-lost', now + settings.coolDownMs, [{ type: 'release' }]);
    }
    case 'appReplaced':
      // Someone else opened the app's WebSocket: step aside instead of reconnecting and fighting.
      return standDown('app-replaced', now + settings.coolDownMs, [{ type: 'release' }]);
    case 'standbyTick':
    case 'acquired':
    case 'acquireRefused':
      return stay(state);
  }
}

/** The WebSocket closes before the lease is released, so two instances never hold the app at once. */
function standDown(reason: StandDownReason, coolDownUntil: number | null, then: readonly ElectionEffect[]): ElectionTransition {
  return {
    state: { kind: 'standby', leaseFreeSince: null, coolDownUntil },
    effects: [{ type: 'standDown', reason }, ...then],
  };
}

function coolingDown(state: Standby, now: number): boolean {
  return state.coolDownUntil !== null && now < state.coolDownUntil;
}

function stay(state: ElectionState): ElectionTransition {
  return { state, effects: [] };
}

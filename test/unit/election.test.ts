import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  initialElection,
  isReady,
  transition,
  type ElectionEffect,
  type ElectionEvent,
  type ElectionSettings,
  type ElectionState,
} from '../../src/election/machine.js';

const settings: ElectionSettings = { leaseMs: 5_000, ariLossGraceMs: 10_000, coolDownMs: 30_000 };
const T = 1_000_000;

const standby = (over: Partial<Extract<ElectionState, { kind: 'standby' }>> = {}): ElectionState => ({ kind: 'standby', leaseFreeSince: null, coolDownUntil: null, ...over });
const active = (over: Partial<Extract<ElectionState, { kind: 'active' }>> = {}): ElectionState => ({ kind: 'active', since: T - 60_000, ariLostSince: null, ...over });

const free = { holder: null } as const;
const heldBy = (holder: string) => ({ holder }) as const;
const standbyTick = (lease: Extract<ElectionEvent, { type: 'standbyTick' }>['lease'], ariReachable = true): ElectionEvent => ({ type: 'standbyTick', ariReachable, lease });
const activeTick = (renewal: 'renewed' | 'lost' | 'unknown', ariConnected: boolean, standbyReady = false): ElectionEvent => ({ type: 'activeTick', renewal, ariConnected, standbyReady });

interface Row {
  readonly name: string;
  readonly state: ElectionState;
  readonly event: ElectionEvent;
  readonly now?: number;
  readonly next: ElectionState;
  readonly effects: readonly ElectionEffect[];
}

const rows: readonly Row[] = [
  // A standby takes a lease it has seen free on two ticks, if it reaches ARI and is not cooling down.
  { name: 'standby: lease free for the first time -> only noted', state: standby(), event: standbyTick(free), next: standby({ leaseFreeSince: T }), effects: [] },
  {
    name: 'standby: lease free again on the next tick -> acquire',
    state: standby({ leaseFreeSince: T - 1_000 }),
    event: standbyTick(free),
    next: standby({ leaseFreeSince: T - 1_000 }),
    effects: [{ type: 'acquire' }],
  },
  { name: 'standby: lease held -> wait', state: standby({ leaseFreeSince: T - 1_000 }), event: standbyTick(heldBy('b:2')), next: standby(), effects: [] },
  { name: 'standby: Redis did not answer -> wait, and the lease must be seen free twice again', state: standby({ leaseFreeSince: T - 1_000 }), event: standbyTick('unknown'), next: standby(), effects: [] },
  {
    name: 'standby: lease free but ARI unreachable from here -> wait (it could not serve a call)',
    state: standby({ leaseFreeSince: T - 1_000 }),
    event: standbyTick(free, false),
    next: standby({ leaseFreeSince: T - 1_000 }),
    effects: [],
  },
  {
    name: 'standby: lease free but cooling down -> wait',
    state: standby({ leaseFreeSince: T - 1_000, coolDownUntil: T + 1 }),
    event: standbyTick(free),
    next: standby({ leaseFreeSince: T - 1_000, coolDownUntil: T + 1 }),
    effects: [],
  },
  {
    name: 'standby: cool-down over -> acquire',
    state: standby({ leaseFreeSince: T - 1_000, coolDownUntil: T }),
    event: standbyTick(free),
    next: standby({ leaseFreeSince: T - 1_000, coolDownUntil: T }),
    effects: [{ type: 'acquire' }],
  },
  { name: 'standby: acquired -> active, ARI counted as lost until the WebSocket is up', state: standby({ leaseFreeSince: T - 1_000 }), event: { type: 'acquired' }, next: active({ since: T, ariLostSince: T }), effects: [{ type: 'activate' }] },
  { name: 'standby: another instance was faster -> wait', state: standby({ leaseFreeSince: T - 1_000 }), event: { type: 'acquireRefused' }, next: standby(), effects: [] },
  { name: 'standby: a late active tick changes nothing', state: standby(), event: activeTick('lost', false), next: standby(), effects: [] },
  { name: 'standby: a late ApplicationReplaced changes nothing', state: standby({ coolDownUntil: T + 5 }), event: { type: 'appReplaced' }, next: standby({ coolDownUntil: T + 5 }), effects: [] },

  // The active renews; it gives the lease up only for another holder, or to a standby that reaches ARI.
  { name: 'active: renewed with ARI up -> stays', state: active(), event: activeTick('renewed', true), next: active(), effects: [] },
  { name: 'active: ARI back -> the loss is forgotten', state: active({ ariLostSince: T - 9_000 }), event: activeTick('renewed', true, true), next: active(), effects: [] },
  {
    name: 'active: another instance holds the lease -> stands down at once, no release, no cool-down',
    state: active(),
    event: activeTick('lost', true),
    next: standby(),
    effects: [{ type: 'standDown', reason: 'lease-lost' }],
  },
  { name: 'active: Redis does not answer -> keeps serving its calls', state: active(), event: activeTick('unknown', true), next: active(), effects: [] },
  { name: 'active: ARI just lost -> the loss is noted', state: active(), event: activeTick('renewed', false, true), next: active({ ariLostSince: T }), effects: [] },
  {
    name: 'active: ARI lost within the grace period, a standby ready -> stays',
    state: active({ ariLostSince: T - 9_999 }),
    event: activeTick('renewed', false, true),
    next: active({ ariLostSince: T - 9_999 }),
    effects: [],
  },
  {
    name: 'active: ARI lost past the grace period, a standby ready -> hands over (WebSocket closed first, then the lease released), cools down',
    state: active({ ariLostSince: T - 10_000 }),
    event: activeTick('renewed', false, true),
    next: standby({ coolDownUntil: T + 30_000 }),
    effects: [{ type: 'standDown', reason: 'ari-lost' }, { type: 'release' }],
  },
  {
    name: 'active: ARI lost past the grace period, no standby ready -> keeps the lease and its calls',
    state: active({ ariLostSince: T - 60_000 }),
    event: activeTick('renewed', false, false),
    next: active({ ariLostSince: T - 60_000 }),
    effects: [],
  },
  {
    name: 'active: ARI lost past the grace period and Redis down -> keeps the lease (nobody can take it)',
    state: active({ ariLostSince: T - 60_000 }),
    event: activeTick('unknown', false, true),
    next: active({ ariLostSince: T - 60_000 }),
    effects: [],
  },
  {
    name: 'active: ARI never came up after acquiring, past the grace period, a standby ready -> hands over',
    state: active({ since: T - 10_000, ariLostSince: T - 10_000 }),
    event: activeTick('renewed', false, true),
    next: standby({ coolDownUntil: T + 30_000 }),
    effects: [{ type: 'standDown', reason: 'ari-lost' }, { type: 'release' }],
  },
  {
    name: 'active: ApplicationReplaced -> stands down instead of fighting, releases if still held, cools down',
    state: active(),
    event: { type: 'appReplaced' },
    next: standby({ coolDownUntil: T + 30_000 }),
    effects: [{ type: 'standDown', reason: 'app-replaced' }, { type: 'release' }],
  },
  { name: 'active: a late standby tick changes nothing', state: active(), event: standbyTick(free), next: active(), effects: [] },
  { name: 'active: a late acquisition reply changes nothing', state: active(), event: { type: 'acquired' }, next: active(), effects: [] },

  // Stopping.
  { name: 'stop while active -> WebSocket closed, lease released', state: active(), event: { type: 'stop' }, next: { kind: 'stopped' }, effects: [{ type: 'standDown', reason: 'stopping' }, { type: 'release' }] },
  { name: 'stop while standing by -> nothing to give up', state: standby(), event: { type: 'stop' }, next: { kind: 'stopped' }, effects: [] },
  { name: 'stopped: a late acquisition changes nothing', state: { kind: 'stopped' }, event: { type: 'acquired' }, next: { kind: 'stopped' }, effects: [] },
];

for (const row of rows) {
  test(row.name, () => {
    const result = transition(settings, row.state, row.event, row.now ?? T);
    assert.deepEqual(result.state, row.next);
    assert.deepEqual(result.effects, row.effects);
  });
}

test('ready: a standby that reaches ARI and is not cooling down; never the active', () => {
  assert.equal(isReady(standby(), true, T), true);
  assert.equal(isReady(standby(), false, T), false);
  assert.equal(isReady(standby({ coolDownUntil: T + 1 }), true, T), false);
  assert.equal(isReady(active(), true, T), false);
});

/** Two instances stepped through the same lease: an in-memory Redis of one key, for the sequence only. */
test('two instances, one lease: the active dies, the standby takes over after the lease ends; no flapping when the dead one returns', () => {
  let lease: { holder: string; until: number } | null = null;
  const holder = (now: number): string | null => (lease && lease.until > now ? lease.holder : null);
  const states: Record<string, ElectionState> = { a: initialElection, b: initialElection };
  const alive: Record<string, boolean> = { a: true, b: true };
  const roles: string[] = [];

  const step = (id: string, event: ElectionEvent, now: number): void => {
    const { state, effects } = transition(settings, states[id]!, event, now);
    states[id] = state;
    for (const effect of effects) {
      if (effect.type === 'acquire') {
        const won = holder(now) === null;
        if (won) lease = { holder: id, until: now + settings.leaseMs };
        step(id, { type: won ? 'acquired' : 'acquireRefused' }, now);
      }
    }
  };
  const tick = (id: string, now: number): void => {
    if (!alive[id]) return;
    const state = states[id]!;
    if (state.kind === 'active') {
      const mine = holder(now) === id;
      if (mine) lease = { holder: id, until: now + settings.leaseMs };
      step(id, activeTick(mine ? 'renewed' : 'lost', true), now);
    } else {
      step(id, standbyTick({ holder: holder(now) }), now);
    }
  };

  for (let now = T; now < T + 60_000; now += 1_000) {
    if (now === T + 20_000) alive['a'] = false;
    if (now === T + 40_000) {
      alive['a'] = true; // restarted: a new process, standing by
      states['a'] = initialElection;
    }
    tick('a', now);
    tick('b', now + 500);
    const active = Object.entries(states).filter(([id, s]) => alive[id] && s.kind === 'active').map(([id]) => id);
    assert.ok(active.length <= 1, `two active at ${now - T}: ${active.join(', ')}`);
    roles.push(active.join('') || '-');
  }
  assert.equal(roles[5], 'a', 'a started first and took the lease');
  const takeover = roles.indexOf('b');
  assert.ok(takeover > 20 && takeover <= 20 + settings.leaseMs / 1_000 + 2, `b took over ${takeover - 20} s after a died`);
  assert.ok(roles.slice(takeover).every((r) => r === 'b'), 'b stays active');
});

/**
 * Calling a customer back in one step, as a pure state machine: ring the person's phones; the one
 * who answers hears who they are calling back and presses 1; then the customer is dialled with the
 * firm's number and both are bridged. It counts as reached only when the customer's leg lasted at
 * least `minTalkMs` (a voicemail that picks up and ends quickly is an attempt, not a success).
 */
import type { Language } from '../config/types.js';

export interface OwnerLeg {
  readonly legId: string;
  readonly dial: string;
}

export interface DialBackPlan {
  readonly sessionId: string;
  readonly callbackId: string;
  /** Who calls back (a person id) and their phones, rung at once. */
  readonly person: string;
  readonly ownerLegs: readonly OwnerLeg[];
  readonly ownerRingMs: number;
  /** How long the person has to press 1 after the whisper started. */
  readonly confirmMs: number;
  readonly customer: { readonly legId: string; readonly number: string; readonly dial: string; readonly callerId: string };
  readonly customerRingMs: number;
  readonly minTalkMs: number;
  readonly language: Language;
  /** When the customer rang, for the whisper. */
  readonly calledAt: number;
}

/**
 * reached: the customer talked long enough; not-reached: an attempt that failed; aborted: the
 * person never confirmed; not-started: no phone of the person could even be rung (ARI unreachable
 * or refusing), so nothing happened at all.
 */
export type DialBackResult = 'reached' | 'not-reached' | 'aborted' | 'not-started';

export type DialBackState =
  | {
      readonly kind: 'ringing-owner';
      readonly live: readonly string[];
      /** Why legs could not be rung, one per leg whose originate failed. */
      readonly failures: readonly string[];
    }
  | { readonly kind: 'confirming'; readonly owner: string }
  | { readonly kind: 'dialing-customer'; readonly owner: string }
  | { readonly kind: 'talking'; readonly owner: string; readonly answeredAt: number }
  | { readonly kind: 'ended'; readonly result: DialBackResult; readonly talkMs: number; readonly detail: string };

export type DialBackEvent =
  | { readonly type: 'started' }
  | { readonly type: 'ownerAnswered'; readonly legId: string }
  | { readonly type: 'ownerEnded'; readonly legId: string }
  /** A person's phone could not be rung at all (the originate request failed). */
  | { readonly type: 'ownerFailed'; readonly legId: string; readonly error: string }
  | { readonly type: 'ownerTimedOut' }
  | { readonly type: 'dtmf'; readonly legId: string; readonly digit: string }
  | { readonly type: 'confirmTimedOut' }
  | { readonly type: 'customerAnswered' }
  | { readonly type: 'customerEnded'; readonly cause: number }
  | { readonly type: 'customerFailed'; readonly error: string };

export type DialBackEffect =
  | { readonly type: 'originateOwner'; readonly leg: OwnerLeg }
  | { readonly type: 'hangup'; readonly channelId: string; readonly reason: 'normal' | 'answered_elsewhere' }
  | { readonly type: 'whisper'; readonly legId: string }
  | { readonly type: 'ringback'; readonly legId: string }
  | { readonly type: 'originateCustomer'; readonly owner: string }
  | { readonly type: 'bridge'; readonly owner: string }
  | { readonly type: 'startTimer'; readonly key: 'owner' | 'confirm'; readonly ms: number; readonly event: DialBackEvent }
  | { readonly type: 'cancelTimer'; readonly key: 'owner' | 'confirm' }
  | { readonly type: 'finish'; readonly result: DialBackResult; readonly talkMs: number; readonly detail: string };

export interface DialBackTransition {
  readonly state: DialBackState;
  readonly effects: readonly DialBackEffect[];
}

export function initialDialBackState(plan: DialBackPlan): DialBackState {
  return { kind: 'ringing-owner', live: plan.ownerLegs.map((leg) => leg.legId), failures: [] };
}

export function dialBackTransition(plan: DialBackPlan, state: DialBackState, event: DialBackEvent, now: number): DialBackTransition {
  switch (state.kind) {
    case 'ringing-owner':
      return whileRingingOwner(plan, state, event);
    case 'confirming':
      return whileConfirming(plan, state, event);
    case 'dialing-customer':
      return whileDialingCustomer(plan, state, event, now);
    case 'talking':
      return whileTalking(plan, state, event, now);
    case 'ended':
      // A phone that answers after the end is released.
      return { state, effects: event.type === 'ownerAnswered' ? [{ type: 'hangup', channelId: event.legId, reason: 'normal' }] : [] };
  }
}

type RingingOwner = Extract<DialBackState, { kind: 'ringing-owner' }>;

function whileRingingOwner(plan: DialBackPlan, state: RingingOwner, event: DialBackEvent): DialBackTransition {
  switch (event.type) {
    case 'started':
      if (plan.ownerLegs.length === 0) return end('aborted', 0, `${plan.person} has no phone to ring`, []);
      return {
        state,
        effects: [
          ...plan.ownerLegs.map((leg): DialBackEffect => ({ type: 'originateOwner', leg })),
          { type: 'startTimer', key: 'owner', ms: plan.ownerRingMs, event: { type: 'ownerTimedOut' } },
        ],
      };
    case 'ownerAnswered': {
      if (!state.live.includes(event.legId)) return { state, effects: [{ type: 'hangup', channelId: event.legId, reason: 'normal' }] };
      const others = state.live.filter((legId) => legId !== event.legId);
      return {
        state: { kind: 'confirming', owner: event.legId },
        effects: [
          { type: 'cancelTimer', key: 'owner' },
          ...others.map((channelId): DialBackEffect => ({ type: 'hangup', channelId, reason: 'answered_elsewhere' })),
          { type: 'whisper', legId: event.legId },
          { type: 'startTimer', key: 'confirm', ms: plan.confirmMs, event: { type: 'confirmTimedOut' } },
        ],
      };
    }
    case 'ownerEnded':
    case 'ownerFailed': {
      if (!state.live.includes(event.legId)) return { state, effects: [] };
      const live = state.live.filter((legId) => legId !== event.legId);
      const failures = event.type === 'ownerFailed' ? [...state.failures, event.error] : state.failures;
      if (live.length > 0) return { state: { kind: 'ringing-owner', live, failures }, effects: [] };
      // Not one phone rang: the dial never started, which is not an attempt of anyone's.
      if (failures.length === plan.ownerLegs.length) {
        return end('not-started', 0, `could not ring ${plan.person}'s phones: ${failures[0] ?? 'no reason given'}`, [{ type: 'cancelTimer', key: 'owner' }]);
      }
      return end('aborted', 0, `${plan.person} did not answer`, [{ type: 'cancelTimer', key: 'owner' }]);
    }
    case 'ownerTimedOut':
      return end(
        'aborted',
        0,
        `${plan.person} did not answer`,
        state.live.map((channelId): DialBackEffect => ({ type: 'hangup', channelId, reason: 'normal' })),
      );
    case 'dtmf':
    case 'confirmTimedOut':
    case 'customerAnswered':
    case 'customerEnded':
    case 'customerFailed':
      return { state, effects: [] };
  }
}

type Confirming = Extract<DialBackState, { kind: 'confirming' }>;

function whileConfirming(plan: DialBackPlan, state: Confirming, event: DialBackEvent): DialBackTransition {
  switch (event.type) {
    case 'dtmf':
      if (event.legId !== state.owner) return { state, effects: [] };
      if (event.digit !== '1') {
        return end('aborted', 0, `${plan.person} declined`, [{ type: 'cancelTimer', key: 'confirm' }, { type: 'hangup', channelId: state.owner, reason: 'normal' }]);
      }
      return {
        state: { kind: 'dialing-customer', owner: state.owner },
        effects: [{ type: 'cancelTimer', key: 'confirm' }, { type: 'ringback', legId: state.owner }, { type: 'originateCustomer', owner: state.owner }],
      };
    case 'confirmTimedOut':
      return end('aborted', 0, `${plan.person} did not press 1`, [{ type: 'hangup', channelId: state.owner, reason: 'normal' }]);
    case 'ownerEnded':
      if (event.legId !== state.owner) return { state, effects: [] };
      return end('aborted', 0, `${plan.person} hung up before pressing 1`, [{ type: 'cancelTimer', key: 'confirm' }]);
    case 'ownerAnswered':
      return { state, effects: [{ type: 'hangup', channelId: event.legId, reason: 'normal' }] };
    case 'started':
    case 'ownerFailed':
    case 'ownerTimedOut':
    case 'customerAnswered':
    case 'customerEnded':
    case 'customerFailed':
      return { state, effects: [] };
  }
}

type DialingCustomer = Extract<DialBackState, { kind: 'dialing-customer' }>;

function whileDialingCustomer(plan: DialBackPlan, state: DialingCustomer, event: DialBackEvent, now: number): DialBackTransition {
  switch (event.type) {
    case 'customerAnswered':
      return { state: { kind: 'talking', owner: state.owner, answeredAt: now }, effects: [{ type: 'bridge', owner: state.owner }] };
    case 'customerEnded':
      return end('not-reached', 0, `the customer did not answer (cause ${event.cause})`, [{ type: 'hangup', channelId: state.owner, reason: 'normal' }]);
    case 'customerFailed':
      return end('not-reached', 0, `the customer could not be dialled: ${event.error}`, [{ type: 'hangup', channelId: state.owner, reason: 'normal' }]);
    case 'ownerEnded':
      if (event.legId !== state.owner) return { state, effects: [] };
      return end('aborted', 0, `${plan.person} hung up while the customer rang`, [{ type: 'hangup', channelId: plan.customer.legId, reason: 'normal' }]);
    case 'ownerAnswered':
      return { state, effects: [{ type: 'hangup', channelId: event.legId, reason: 'normal' }] };
    case 'started':
    case 'ownerFailed':
    case 'ownerTimedOut':
    case 'dtmf':
    case 'confirmTimedOut':
      return { state, effects: [] };
  }
}

type Talking = Extract<DialBackState, { kind: 'talking' }>;

function whileTalking(plan: DialBackPlan, state: Talking, event: DialBackEvent, now: number): DialBackTransition {
  const talkMs = now - state.answeredAt;
  const result: DialBackResult = talkMs >= plan.minTalkMs ? 'reached' : 'not-reached';
  const detail = result === 'reached' ? `talked ${Math.round(talkMs / 1000)} s` : `answered but only ${Math.round(talkMs / 1000)} s (a voicemail?)`;
  switch (event.type) {
    case 'customerEnded':
      return end(result, talkMs, detail, [{ type: 'hangup', channelId: state.owner, reason: 'normal' }]);
    case 'ownerEnded':
      if (event.legId !== state.owner) return { state, effects: [] };
      return end(result, talkMs, detail, [{ type: 'hangup', channelId: plan.customer.legId, reason: 'normal' }]);
    case 'ownerAnswered':
      return { state, effects: [{ type: 'hangup', channelId: event.legId, reason: 'normal' }] };
    case 'started':
    case 'ownerFailed':
    case 'ownerTimedOut':
    case 'dtmf':
    case 'confirmTimedOut':
    case 'customerAnswered':
    case 'customerFailed':
      return { state, effects: [] };
  }
}

function end(result: DialBackResult, talkMs: number, detail: string, before: readonly DialBackEffect[]): DialBackTransition {
  return { state: { kind: 'ended', result, talkMs, detail }, effects: [...before, { type: 'finish', result, talkMs, detail }] };
}

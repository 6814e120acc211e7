/**
 * The shell around the dial-back machine: holds one session's state, logs each transition and
 * runs the effects through its port. Results come back as events.
 */
import type { Logger } from 'winston';
import { describeError } from '../errors.js';
import { KeyedTimers, type Clock, type Timers } from '../clock/clock.js';
import {
  dialBackTransition,
  initialDialBackState,
  type DialBackEffect,
  type DialBackEvent,
  type DialBackPlan,
  type DialBackResult,
  type DialBackState,
} from './machine.js';

/** Every method rejects on failure, never throws: the session runs them without waiting. */
export interface DialBackControl {
  originateOwner(plan: DialBackPlan, legId: string, dial: string): Promise<void>;
  whisper(plan: DialBackPlan, legId: string): Promise<void>;
  ringback(legId: string): Promise<void>;
  /** Dials the customer for `owner` (whose channel lends its codecs and linked id). */
  originateCustomer(plan: DialBackPlan, owner: string): Promise<void>;
  bridge(plan: DialBackPlan, owner: string): Promise<void>;
  hangup(channelId: string, reason: 'normal' | 'answered_elsewhere'): Promise<void>;
  release(plan: DialBackPlan): Promise<void>;
}

export interface DialBackDeps {
  readonly control: DialBackControl;
  readonly clock: Clock;
  readonly timers: Timers;
  readonly logger: Logger;
  /** A phone of the person rings: ARI took the dial-back. */
  readonly onRinging?: (session: DialBackSession) => void;
  readonly onFinished: (session: DialBackSession, result: DialBackResult, talkMs: number, detail: string) => void;
}

export class DialBackSession {
  private state: DialBackState;
  private readonly timers: KeyedTimers;
  private ringing = false;
  private firstFailure: unknown;

  constructor(
    readonly plan: DialBackPlan,
    private readonly deps: DialBackDeps,
  ) {
    this.state = initialDialBackState(plan);
    this.timers = new KeyedTimers(deps.timers);
  }

  get current(): DialBackState {
    return this.state;
  }

  /** Why the first of the person's phones could not be rung (the coded ARI error), if one could not. */
  get startError(): unknown {
    return this.firstFailure;
  }

  channelIds(): string[] {
    return [...this.plan.ownerLegs.map((leg) => leg.legId), this.plan.customer.legId];
  }

  dispatch(event: DialBackEvent): void {
    const from = this.state;
    const { state, effects } = dialBackTransition(this.plan, from, event, this.deps.clock.now());
    this.state = state;
    if (from.kind !== state.kind || effects.length > 0) {
      this.deps.logger.info(`dial-back ${from.kind} -> ${state.kind} on ${event.type}`, { from: from.kind, to: state.kind, event, effects: effects.map((e) => e.type) });
    }
    for (const effect of effects) this.run(effect);
  }

  private run(effect: DialBackEffect): void {
    const { control } = this.deps;
    switch (effect.type) {
      case 'originateOwner':
        control.originateOwner(this.plan, effect.leg.legId, effect.leg.dial).then(
          () => {
            if (this.ringing) return;
            this.ringing = true;
            this.deps.onRinging?.(this);
          },
          (err: unknown) => {
            this.deps.logger.warn('could not ring phone', { leg: effect.leg.legId, error: describeError(err) });
            this.firstFailure ??= err;
            this.dispatch({ type: 'ownerFailed', legId: effect.leg.legId, error: describeError(err) });
          },
        );
        return;
      case 'whisper':
        this.attempt(effect, control.whisper(this.plan, effect.legId));
        return;
      case 'ringback':
        this.attempt(effect, control.ringback(effect.legId));
        return;
      case 'originateCustomer':
        control.originateCustomer(this.plan, effect.owner).catch((err: unknown) => this.dispatch({ type: 'customerFailed', error: describeError(err) }));
        return;
      case 'bridge':
        control.bridge(this.plan, effect.owner).catch((err: unknown) => {
          this.deps.logger.error('could not bridge the callback', { error: describeError(err) });
          this.dispatch({ type: 'customerEnded', cause: 38 });
        });
        return;
      case 'hangup':
        this.attempt(effect, control.hangup(effect.channelId, effect.reason));
        return;
      case 'startTimer':
        this.timers.start(effect.key, effect.ms, () => this.dispatch(effect.event));
        return;
      case 'cancelTimer':
        this.timers.cancel(effect.key);
        return;
      case 'finish':
        this.timers.cancelAll();
        this.deps.logger.info(`dial-back ended: ${effect.result}`, { result: effect.result, talkMs: effect.talkMs, detail: effect.detail });
        void control
          .release(this.plan)
          .catch(() => undefined)
          .finally(() => this.deps.onFinished(this, effect.result, effect.talkMs, effect.detail));
        return;
    }
  }

  private attempt(effect: DialBackEffect, promise: Promise<void>): void {
    promise.catch((err: unknown) => this.deps.logger.debug('effect failed', { effect: effect.type, error: describeError(err) }));
  }
}

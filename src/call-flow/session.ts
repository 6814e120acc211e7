/**
 * The shell around the pure call flow: holds one call's state, feeds events through
 * `transition`, logs every transition with both ends, and runs the effects through the ports.
 * Effect results come back as events, so all decisions stay in the machine.
 */
import type { Logger } from 'winston';
import { describeError as message } from '../errors.js';
import { initialState, transition, type CallContext } from './machine.js';
import { KeyedTimers, type CallControl, type CallRecords, type Clock, type Timers } from './ports.js';
import type { CallEvent, CallFacts, CallState, Effect, HuntPlan, Outcome } from './types.js';

export interface SessionDeps {
  readonly control: CallControl;
  readonly records: CallRecords;
  readonly clock: Clock;
  readonly timers: Timers;
  readonly logger: Logger;
  /** Called once, after the outcome is recorded. */
  readonly onEnded: (session: CallSession) => void;
}

export class CallSession {
  readonly facts: CallFacts;
  readonly plan: HuntPlan;
  private state: CallState;
  private readonly timers: KeyedTimers;
  private readonly ctx: CallContext;
  /** Another instance runs the call now (this one stood by): nothing here acts on it again. */
  private handedOver = false;

  constructor(facts: CallFacts, plan: HuntPlan, private readonly deps: SessionDeps) {
    this.facts = facts;
    this.plan = plan;
    this.ctx = { facts, plan };
    this.state = initialState(plan);
    this.timers = new KeyedTimers(deps.timers);
  }

  get current(): CallState {
    return this.state;
  }

  /** Channel ids this call owns: the caller and every planned leg. */
  channelIds(): string[] {
    return [this.facts.callId, ...this.plan.steps.flatMap((step) => step.legs.map((leg) => leg.legId))];
  }

  dispatch(event: CallEvent): void {
    if (this.handedOver) return;
    const from = this.state;
    const { state, effects } = transition(this.ctx, from, event, this.deps.clock.now());
    this.state = state;
    if (from.kind !== state.kind || effects.length > 0) {
      this.deps.logger.info(`call ${from.kind} -> ${state.kind} on ${event.type}`, {
        from: from.kind,
        to: state.kind,
        event,
        effects: effects.map((effect) => effect.type),
      });
    }
    for (const effect of effects) this.run(effect);
  }

  private run(effect: Effect): void {
    const { control, records } = this.deps;
    const callId = this.facts.callId;
    switch (effect.type) {
      case 'indicateRinging':
        this.attempt(effect, control.indicateRinging(callId));
        return;
      case 'originate':
        this.deps.logger.debug(`ringing ${effect.leg.person}.${effect.leg.phone}`, { leg: effect.leg.legId, dial: effect.leg.dial });
        control.originate(this.facts, effect.leg).catch((err: unknown) => {
          // A leg that can't even be created (unregistered phone, bad dial string) failed like a busy one.
          this.deps.logger.warn('could not ring phone', { leg: effect.leg.legId, dial: effect.leg.dial, error: message(err) });
          this.dispatch({ type: 'legEnded', legId: effect.leg.legId, cause: 3 });
        });
        return;
      case 'hangupLeg':
        this.attempt(effect, control.hangup(effect.legId, effect.reason));
        return;
      case 'startTimer':
        this.timers.start(effect.key, effect.ms, () => this.dispatch(effect.event));
        return;
      case 'cancelTimer':
        this.timers.cancel(effect.key);
        return;
      case 'screen':
        this.attempt(effect, control.screen(this.facts, effect.leg, this.plan.language));
        return;
      case 'releaseTaken':
        this.attempt(effect, control.releaseTaken(effect.legId, this.plan.language));
        return;
      case 'connect':
        control.connect(callId, effect.leg.legId).catch((err: unknown) => this.dispatch({ type: 'connectFailed', error: message(err) }));
        return;
      case 'recordCallback': {
        const caller = this.facts.caller;
        if (caller === null) return;
        records
          .recordMissedCall({ ...this.facts, caller }, this.plan, effect.reason, effect.dueAt, this.deps.clock.now())
          .then(
            (cb) => this.dispatch({ type: 'callbackRecorded', callbackId: cb.id, dueAt: cb.dueAt, attempts: cb.attempts }),
            (err: unknown) => {
              this.deps.logger.error('could not record the callback', { error: message(err) });
              this.dispatch({ type: 'callbackFailed', error: message(err) });
            },
          );
        return;
      }
      case 'play':
        control.play(callId, effect.prompt).then(
          () => this.dispatch({ type: 'promptFinished' }),
          (err: unknown) => {
            this.deps.logger.warn('could not play prompt', { prompt: effect.prompt.kind, error: message(err) });
            this.dispatch({ type: 'promptFinished' });
          },
        );
        return;
      case 'takeMessage':
        control
          .recordMessage(callId)
          .then(async (recording) => {
            if (recording !== null) await records.storeMessage(this.facts, this.plan, recording, this.deps.clock.now());
            return recording;
          })
          .then(
            (recording) => this.dispatch({ type: 'messageTaken', recording }),
            (err: unknown) => {
              this.deps.logger.error('could not record or keep the caller\'s message', { error: message(err) });
              this.dispatch({ type: 'messageTaken', recording: null });
            },
          );
        return;
      case 'hangupCaller':
        this.attempt(effect, control.hangup(callId, 'normal'));
        return;
      case 'finish':
        this.finish(effect.outcome);
        return;
    }
  }

  /**
   * This instance stood by: the active instance finds the call in the app and settles it, so
   * this one forgets it without an effect, an outcome or a log entry (its timers stop; replies
   * to requests already sent are ignored).
   */
  handOver(): void {
    this.handedOver = true;
    this.timers.cancelAll();
    this.deps.logger.info(`call handed over in state ${this.state.kind}; the active instance settles it`, { state: this.state.kind });
  }

  private finish(outcome: Outcome): void {
    this.timers.cancelAll();
    const endedAt = this.deps.clock.now();
    this.deps.logger.info(`call ended: ${outcome.kind}`, { outcome, durationMs: endedAt - this.facts.startedAt });
    const release = this.deps.control.release(this.facts.callId).catch((err: unknown) => {
      this.deps.logger.warn('could not release call resources', { error: message(err) });
    });
    const log = this.deps.records.logOutcome(this.facts, this.plan, outcome, endedAt).catch((err: unknown) => {
      this.deps.logger.error('could not record the call outcome', { outcome, error: message(err) });
    });
    void Promise.all([release, log]).finally(() => this.deps.onEnded(this));
  }

  /** Effects whose failure changes nothing in the flow: logged, then forgotten. */
  private attempt(effect: Effect, promise: Promise<void>): void {
    promise.catch((err: unknown) => this.deps.logger.debug('effect failed', { effect: effect.type, error: message(err) }));
  }
}

/**
 * The shell around the pure call flow: holds one call's state, feeds events through
 * `transition`, logs every transition with both ends, and runs the effects through the ports.
 * Effect results come back as events, so all decisions stay in the machine.
 *
 * Failures of effects are handled here and only here (`perform`), each logged once:
 * - when the PBX is out of reach (ARI disconnected, or a request timed out), an effect is owed,
 *   not failed: the call keeps its state, its timers keep running, and `resume` (after ARI is
 *   back) first brings the state up to date from what the PBX reports, then runs what is owed
 *   and still wanted;
 * - any other failure becomes the event the machine expects for it (a leg that can't ring ended,
 *   a prompt that can't play finished, a callback that can't be recorded failed).
 */
import type { Logger } from 'winston';
import { ErrorCodes, describeError as message, isNevermissError } from '../errors.js';
import { initialState, transition, type CallContext } from './machine.js';
import type { CallControl, CallRecords } from './ports.js';
import { KeyedTimers, type Clock, type Timers } from '../clock/clock.js';
import type { CallEvent, CallFacts, CallState, Effect, HuntPlan, LegStatus, Outcome, PlannedLeg } from './types.js';

export interface SessionDeps {
  readonly control: CallControl;
  readonly records: CallRecords;
  readonly clock: Clock;
  readonly timers: Timers;
  readonly logger: Logger;
  /** Called once, after the outcome is recorded and every hang-up of the call was sent (or given up on as gone). */
  readonly onEnded: (session: CallSession) => void;
  /** Called after each event that changed the call's state (a leg rang, answered, ended, ...). */
  readonly onChanged?: (session: CallSession) => void;
}

/** An effect run against a port: the event its result brings, and the event its failure brings. */
interface Action {
  readonly run: () => Promise<CallEvent | null>;
  readonly failed: (err: unknown) => CallEvent | null;
  /** How a failure is logged: 'warn' where the caller notices, 'debug' where nothing changes. */
  readonly level: 'error' | 'warn' | 'debug';
}

/** Effects carried out on the PBX: owed, not failed, while it is out of reach. */
type PbxEffect = Exclude<Effect, { type: 'startTimer' | 'cancelTimer' | 'recordCallback' | 'finish' }>;

export class CallSession {
  readonly facts: CallFacts;
  readonly plan: HuntPlan;
  private state: CallState;
  private readonly timers: KeyedTimers;
  private readonly ctx: CallContext;
  private readonly ids: readonly string[];
  /** PBX effects that could not be sent because ARI was out of reach, oldest first. */
  private readonly owed: PbxEffect[] = [];
  /** The caller was put in a bridge at some point: its bridge goes when the call ends. */
  private connected = false;
  /** Another instance runs the call now (this one stood by): nothing here acts on it again. */
  private handedOver = false;
  /** Hang-ups sent and not answered yet: the call is not forgotten before they are (or are owed). */
  private hangingUp = 0;
  /** The outcome is logged and the call's resources released. */
  private released = false;
  /** onEnded was called. */
  private forgotten = false;

  constructor(facts: CallFacts, plan: HuntPlan, private readonly deps: SessionDeps, state: CallState = initialState(plan)) {
    this.facts = facts;
    this.plan = plan;
    this.ctx = { facts, plan };
    this.state = state;
    this.connected = state.kind === 'bridged';
    const planned = plan.steps.flatMap((step) => step.legs.map((leg) => leg.legId));
    this.ids = [...new Set([facts.callId, ...planned, ...(state.kind === 'bridged' ? [state.winner.legId] : [])])];
    this.timers = new KeyedTimers(deps.timers);
  }

  get current(): CallState {
    return this.state;
  }

  get owesEffects(): boolean {
    return this.owed.length > 0;
  }

  /** Channel ids this call owns: the caller, every planned leg, and the phone it was found talking to. */
  channelIds(): readonly string[] {
    return this.ids;
  }

  dispatch(event: CallEvent): void {
    if (this.handedOver) return;
    const from = this.state;
    const { state, effects } = transition(this.ctx, from, event, this.deps.clock.now());
    this.state = state;
    this.connected ||= state.kind === 'bridged';
    if (from.kind !== state.kind || effects.length > 0) {
      this.deps.logger.info(`call ${from.kind} -> ${state.kind} on ${event.type}`, {
        from: from.kind,
        to: state.kind,
        event,
        effects: effects.map((effect) => effect.type),
      });
    }
    for (const effect of effects) this.run(effect);
    if (state !== from) this.deps.onChanged?.(this);
  }

  /**
   * After ARI was away (or a request to it timed out): learns what happened meanwhile from the
   * PBX (the caller hung up, a leg ended or answered), then runs the owed effects still wanted.
   */
  async resume(): Promise<void> {
    const { control } = this.deps;
    const callId = this.facts.callId;
    if (this.state.kind === 'ended' && this.owed.length === 0) return;
    if (this.state.kind !== 'ended') {
      if ((await control.probe(callId)) === 'gone') this.dispatch({ type: 'callerHungUp' });
      // A leg whose originate is still owed was never created: it isn't gone, it is yet to ring.
      const notSent = new Set(this.owed.flatMap((effect) => (effect.type === 'originate' ? [effect.leg.legId] : [])));
      for (const [legId, status] of this.trackedLegs()) {
        if (notSent.has(legId)) continue;
        const presence = await control.probe(legId);
        if (presence === 'gone') this.dispatch({ type: 'legEnded', legId, cause: 16 });
        else if (presence === 'answered' && status === 'ringing') this.dispatch({ type: 'legAnswered', legId });
      }
      await control.resync(callId);
    }
    const owed = this.owed.splice(0);
    if (owed.length > 0) this.deps.logger.info('running what could not be sent while ARI was away', { effects: owed.map((effect) => effect.type) });
    for (const effect of owed) if (this.stillWanted(effect)) this.run(effect);
    this.forgetIfDone();
  }

  /** Legs the call still counts on, with their status: ringing or screening ones while hunting, the winner once bridged. */
  private trackedLegs(): Array<[string, LegStatus | 'winner']> {
    const state = this.state;
    if (state.kind === 'hunting') return Object.entries(state.legs).filter(([, status]) => status === 'ringing' || status === 'screening');
    if (state.kind === 'bridged') return [[state.winner.legId, 'winner']];
    return [];
  }

  /** An owed effect whose moment passed (a leg no longer rung, a prompt for a state left) is dropped. */
  private stillWanted(effect: PbxEffect): boolean {
    const state = this.state;
    switch (effect.type) {
      case 'indicateRinging':
        return state.kind === 'hunting';
      case 'originate':
        return state.kind === 'hunting' && state.legs[effect.leg.legId] === 'ringing';
      case 'screen':
        return state.kind === 'hunting' && state.legs[effect.leg.legId] === 'screening';
      case 'connect':
        return state.kind === 'bridged' && state.winner.legId === effect.leg.legId;
      case 'play':
      case 'takeMessage':
        return state.kind !== 'ended';
      case 'hangupLeg':
      case 'releaseTaken':
      case 'hangupCaller':
        return true;
    }
  }

  private run(effect: Effect): void {
    switch (effect.type) {
      case 'startTimer':
        this.timers.start(effect.key, effect.ms, () => this.dispatch(effect.event));
        return;
      case 'cancelTimer':
        this.timers.cancel(effect.key);
        return;
      case 'finish':
        this.finish(effect.outcome);
        return;
      case 'recordCallback':
        this.perform(effect, this.recordCallback(effect.reason, effect.dueAt));
        return;
      default:
        this.perform(effect, this.pbxAction(effect));
    }
  }

  private recordCallback(reason: Extract<Effect, { type: 'recordCallback' }>['reason'], dueAt: number): Action {
    const caller = this.facts.caller;
    return {
      run: async () => {
        if (caller === null) return null;
        const cb = await this.deps.records.recordMissedCall({ ...this.facts, caller }, this.plan, reason, dueAt, this.deps.clock.now());
        return { type: 'callbackRecorded', callbackId: cb.id, dueAt: cb.dueAt, attempts: cb.attempts };
      },
      failed: (err) => ({ type: 'callbackFailed', error: message(err) }),
      level: 'error',
    };
  }

  private pbxAction(effect: PbxEffect): Action {
    const { control, records } = this.deps;
    const callId = this.facts.callId;
    const language = this.plan.language;
    const quiet = (run: () => Promise<void>): Action => ({ run: () => run().then(() => null), failed: () => null, level: 'debug' });
    switch (effect.type) {
      case 'indicateRinging':
        return quiet(() => control.indicateRinging(callId));
      case 'originate':
        this.deps.logger.debug(`ringing ${effect.leg.person}.${effect.leg.phone}`, { leg: effect.leg.legId, dial: effect.leg.dial });
        // A leg that can't even be created (unregistered phone, bad dial string, busy) failed like a busy one.
        return { run: () => control.originate(this.facts, effect.leg).then(() => null), failed: () => ({ type: 'legEnded', legId: effect.leg.legId, cause: 3 }), level: 'warn' };
      case 'hangupLeg':
        return quiet(() => control.hangup(effect.legId, effect.reason));
      case 'screen':
        return quiet(() => control.screen(this.facts, effect.leg, language));
      case 'releaseTaken':
        return quiet(() => control.releaseTaken(effect.legId, language));
      case 'connect':
        return {
          run: async () => {
            try {
              await control.connect(callId, effect.leg.legId);
            } catch (err) {
              if (pbxOutOfReach(err)) throw err;
              // A caller who hangs up just as the phone is taken makes the bridge fail: a caller who left.
              const caller = await control.probe(callId).catch(() => 'present' as const);
              if (caller !== 'gone') throw err;
              return { type: 'connectFailed', error: message(err), callerGone: true };
            }
            this.deps.logger.info(`caller put through to ${effect.leg.person}.${effect.leg.phone}`, { leg: effect.leg.legId });
            this.noteAnswered(effect.leg);
            return { type: 'connected' };
          },
          failed: (err) => ({ type: 'connectFailed', error: message(err), callerGone: false }),
          level: 'error',
        };
      case 'play':
        // A prompt that can't play is over: the call goes on rather than waiting for it.
        return { run: () => control.play(callId, effect.prompt).then(() => ({ type: 'promptFinished' })), failed: () => ({ type: 'promptFinished' }), level: 'warn' };
      case 'takeMessage':
        return {
          run: async () => {
            const recording = await control.recordMessage(callId);
            if (recording !== null) await records.storeMessage(this.facts, this.plan, recording, this.deps.clock.now());
            return { type: 'messageTaken', recording };
          },
          failed: () => ({ type: 'messageTaken', recording: null }),
          level: 'error',
        };
      case 'hangupCaller':
        return quiet(() => control.hangup(callId, 'normal'));
    }
  }

  /** Who took the call, kept beside the call while it lasts; its failure changes nothing for the call. */
  private noteAnswered(leg: PlannedLeg): void {
    attempt(() => this.deps.records.noteAnswered(this.facts, leg, this.deps.clock.now())).catch((err: unknown) => {
      this.deps.logger.warn('could not note who took the call (only needed if this process dies during it)', { leg: leg.legId, error: message(err) });
    });
  }

    /** The one place an effect's failure is handled: owed while the PBX is out of reach, else its failure event. */
  private perform(effect: Effect, action: Action): void {
    // A phone left ringing or a caller left waiting is what a lost hang-up costs: the call stays
    // registered (and resumable) until its hang-ups were answered or are owed.
    const hangup = effect.type === 'hangupLeg' || effect.type === 'hangupCaller';
    if (hangup) this.hangingUp += 1;
    attempt(action.run).then(
      (event) => {
        if (event) this.dispatch(event);
      },
      (err: unknown) => {
        if (isPbxEffect(effect) && pbxOutOfReach(err)) {
          this.owed.push(effect);
          this.deps.logger.debug('owed until ARI is back', { effect: effect.type, error: message(err) });
          return;
        }
        this.deps.logger.log(action.level, `${effect.type} failed`, { effect: describeEffect(effect), error: message(err) });
        const event = action.failed(err);
        if (event) this.dispatch(event);
      },
    ).finally(() => {
      if (!hangup) return;
      this.hangingUp -= 1;
      this.forgetIfDone();
    });
  }

  /**
   * The registry forgets an ended call once nothing is left to send for it: a hang-up that timed
   * out while the call ended is owed, and sent by `resume` like any other, rather than lost with
   * the call (which would leave a phone ringing until its own timeout).
   */
  private forgetIfDone(): void {
    if (!this.released || this.forgotten || this.owed.length > 0 || this.hangingUp > 0) return;
    this.forgotten = true;
    this.deps.onEnded(this);
  }

  /**
   * This instance stood by: the active instance finds the call in the app and settles it, so
   * this one forgets it without an effect, an outcome or a log entry (its timers stop; replies
   * to requests already sent are ignored).
   */
  handOver(): void {
    this.handedOver = true;
    this.timers.cancelAll();
    this.owed.length = 0;
    this.deps.logger.info(`call handed over in state ${this.state.kind}; the active instance settles it`, { state: this.state.kind });
  }

  private finish(outcome: Outcome): void {
    this.timers.cancelAll();
    const endedAt = this.deps.clock.now();
    this.deps.logger.info(`call ended: ${outcome.kind}`, { outcome, durationMs: endedAt - this.facts.startedAt });
    const release = this.release();
    const log = attempt(() => this.deps.records.logOutcome(this.facts, this.plan, outcome, endedAt)).catch((err: unknown) => {
      this.deps.logger.error('could not record the call outcome', { outcome, error: message(err) });
    });
    void Promise.all([release, log]).finally(() => {
      this.released = true;
      this.forgetIfDone();
    });
  }

  private async release(): Promise<void> {
    await attempt(() => this.deps.control.release(this.facts.callId, this.connected)).catch((err: unknown) => {
      this.deps.logger.warn('could not release call resources', { error: message(err) });
    });
  }
}

const PBX_EFFECTS = new Set<Effect['type']>(['indicateRinging', 'originate', 'hangupLeg', 'screen', 'releaseTaken', 'connect', 'play', 'takeMessage', 'hangupCaller']);

function isPbxEffect(effect: Effect): effect is PbxEffect {
  return PBX_EFFECTS.has(effect.type);
}

/** ARI disconnected, or it did not answer in time: the request may be sent again once it is back. */
function pbxOutOfReach(err: unknown): boolean {
  return isNevermissError(err, ErrorCodes.ARI_UNREACHABLE) || isNevermissError(err, ErrorCodes.ARI_TIMEOUT);
}

/** Runs a port call so that a synchronous throw becomes a rejection like any other failure. */
function attempt<T>(run: () => Promise<T>): Promise<T> {
  try {
    return run();
  } catch (err) {
    return Promise.reject(err instanceof Error ? err : new Error(String(err)));
  }
}

function describeEffect(effect: Effect): Record<string, unknown> {
  switch (effect.type) {
    case 'originate':
    case 'screen':
    case 'connect':
      return { type: effect.type, leg: effect.leg.legId, dial: effect.leg.dial };
    case 'hangupLeg':
    case 'releaseTaken':
      return { type: effect.type, leg: effect.legId };
    case 'play':
      return { type: effect.type, prompt: effect.prompt.kind };
    default:
      return { type: effect.type };
  }
}

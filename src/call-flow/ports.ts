/**
 * What a call session needs from the outside world, as interfaces. The ARI and Redis adapters
 * implement them; the session never imports an I/O library.
 */
import type { CallbackReason, CallFacts, HangupReason, HuntPlan, Outcome, PlannedLeg, Prompt } from './types.js';

export interface CallControl {
  indicateRinging(callId: string): Promise<void>;
  originate(facts: CallFacts, leg: PlannedLeg, timeoutMs: number): Promise<void>;
  hangup(channelId: string, reason: HangupReason): Promise<void>;
  /** Answers the caller and bridges it with the answered leg. */
  connect(callId: string, legId: string): Promise<void>;
  /** Answers the caller if needed and plays the prompt; resolves when it finished or the caller left. */
  play(callId: string, prompt: Prompt): Promise<void>;
  /** Releases what the call still holds (its bridge). */
  release(callId: string): Promise<void>;
}

export interface CallRecords {
  recordMissedCall(facts: CallFacts & { readonly caller: string }, plan: HuntPlan, reason: CallbackReason, now: number): Promise<{ readonly id: string; readonly dueAt: number; readonly attempts: number }>;
  logOutcome(facts: CallFacts, plan: HuntPlan, outcome: Outcome, endedAt: number): Promise<void>;
}

export interface Clock {
  now(): number;
}

export interface Timers {
  set(ms: number, fire: () => void): { cancel(): void };
}

export const systemClock: Clock = { now: () => Date.now() };

export const systemTimers: Timers = {
  set(ms, fire) {
    const timer = setTimeout(fire, ms);
    return { cancel: () => clearTimeout(timer) };
  },
};

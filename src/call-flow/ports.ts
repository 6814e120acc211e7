/**
 * What a call session needs from the outside world, as interfaces. The ARI and Redis adapters
 * implement them; the session never imports an I/O library.
 */
import type { CallbackReason, CallFacts, HangupReason, HuntPlan, Outcome, PlannedLeg, Prompt } from './types.js';

export interface CallControl {
  indicateRinging(callId: string): Promise<void>;
  /** Rings a phone for leg.ringMs; rejects when it can't (unreachable, or busy and skipWhenBusy). */
  originate(facts: CallFacts, leg: PlannedLeg): Promise<void>;
  hangup(channelId: string, reason: HangupReason): Promise<void>;
  /** Plays the screening prompt to an answered leg: who is calling, "press 1". */
  screen(facts: CallFacts, leg: PlannedLeg, language: string): Promise<void>;
  /** Tells a leg that another phone took the call, then hangs it up. */
  releaseTaken(legId: string, language: string): Promise<void>;
  /** Answers the caller and bridges it with the answered leg. */
  connect(callId: string, legId: string): Promise<void>;
  /** Answers the caller if needed and plays the prompt; resolves when it finished or the caller left. */
  play(callId: string, prompt: Prompt): Promise<void>;
  /** Records the caller's message (beep, until silence, # or hangup); the recording's name, or null. */
  recordMessage(callId: string): Promise<string | null>;
  /** Releases what the call still holds: its waits, and its bridge if it was connected. */
  release(callId: string, connected: boolean): Promise<void>;
  /**
   * What the PBX says of a channel now, after events may have been missed (ARI was away):
   * gone, answered (up), or still there and not answered.
   */
  probe(channelId: string): Promise<ChannelPresence>;
  /** After events may have been missed: ends the call's waits (playbacks, recordings) that ended meanwhile. */
  resync(callId: string): Promise<void>;
}

export type ChannelPresence = 'gone' | 'answered' | 'present';

export interface CallRecords {
  recordMissedCall(
    facts: CallFacts & { readonly caller: string },
    plan: HuntPlan,
    reason: CallbackReason,
    dueAt: number,
    now: number,
  ): Promise<{ readonly id: string; readonly dueAt: number; readonly attempts: number }>;
  storeMessage(facts: CallFacts, plan: HuntPlan, recording: string, now: number): Promise<void>;
  logOutcome(facts: CallFacts, plan: HuntPlan, outcome: Outcome, endedAt: number): Promise<void>;
  /** Notes who took the call while it goes on, so that the call is logged right if this process dies. */
  noteAnswered(facts: CallFacts, leg: PlannedLeg, at: number): Promise<void>;
}

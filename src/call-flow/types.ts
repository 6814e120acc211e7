/**
 * The vocabulary of one inbound call: the facts it arrived with, the plan it follows,
 * the closed union of states it moves through, the events that move it and the effects
 * it asks the adapters to carry out. Nothing here performs I/O.
 */
import type { Language } from '../config/types.js';

/** What the PBX told us about the call when it entered the app. */
export interface CallFacts {
  /** The caller's channel id; also the call's id everywhere (logs, Redis, leg ids). */
  readonly callId: string;
  /** The caller's number as it arrived, or null when withheld/anonymous (can't be called back). */
  readonly caller: string | null;
  readonly callerName: string;
  /** The dialled number (DID) the call came in on. */
  readonly called: string;
  readonly startedAt: number;
}

/** One phone to ring within a step, with the channel id its leg will get. */
export interface PlannedLeg {
  readonly legId: string;
  readonly person: string;
  readonly phone: string;
  readonly dial: string;
}

export interface PlannedStep {
  readonly legs: readonly PlannedLeg[];
  readonly timeoutMs: number;
}

/** The hunt a call will follow, decided once when it arrives (calls keep their plan across reloads). */
export interface HuntPlan {
  readonly routeId: string;
  readonly language: Language;
  readonly steps: readonly PlannedStep[];
  readonly deadlineMs: number;
}

export type LegStatus = 'ringing' | 'failed' | 'cancelled';

export type CallbackReason = 'no-answer' | 'caller-hung-up';

export type CallState =
  | { readonly kind: 'hunting'; readonly step: number; readonly stepStartedAt: number; readonly legs: Readonly<Record<string, LegStatus>> }
  | { readonly kind: 'bridged'; readonly winner: PlannedLeg; readonly answeredAt: number }
  | { readonly kind: 'recording'; readonly reason: CallbackReason; readonly callerPresent: boolean }
  | { readonly kind: 'promising'; readonly callbackId: string }
  | { readonly kind: 'withheld'; readonly reason: CallbackReason }
  | { readonly kind: 'ended'; readonly outcome: Outcome };

export type CallStateKind = CallState['kind'];

export type Outcome =
  | { readonly kind: 'answered'; readonly by: { readonly person: string; readonly phone: string }; readonly ringMs: number; readonly talkMs: number }
  | { readonly kind: 'callback-pending'; readonly callbackId: string; readonly reason: CallbackReason }
  | { readonly kind: 'withheld-no-callback'; readonly reason: CallbackReason }
  | { readonly kind: 'failed'; readonly error: string };

export type CallEvent =
  | { readonly type: 'started' }
  | { readonly type: 'legAnswered'; readonly legId: string }
  | { readonly type: 'legEnded'; readonly legId: string; readonly cause: number }
  | { readonly type: 'stepTimedOut'; readonly step: number }
  | { readonly type: 'callerHungUp' }
  | { readonly type: 'connectFailed'; readonly error: string }
  | { readonly type: 'callbackRecorded'; readonly callbackId: string; readonly dueAt: number; readonly attempts: number }
  | { readonly type: 'callbackFailed'; readonly error: string }
  | { readonly type: 'promptFinished' };

export type HangupReason = 'answered_elsewhere' | 'normal' | 'no_answer';

export type Prompt =
  | { readonly kind: 'promise'; readonly minutes: number; readonly language: Language }
  | { readonly kind: 'withheld'; readonly language: Language }
  | { readonly kind: 'sorry'; readonly language: Language };

export type Effect =
  | { readonly type: 'indicateRinging' }
  | { readonly type: 'originate'; readonly leg: PlannedLeg; readonly timeoutMs: number }
  | { readonly type: 'hangupLeg'; readonly legId: string; readonly reason: HangupReason }
  | { readonly type: 'startStepTimer'; readonly step: number; readonly ms: number }
  | { readonly type: 'cancelStepTimer' }
  | { readonly type: 'connect'; readonly leg: PlannedLeg }
  | { readonly type: 'recordCallback'; readonly reason: CallbackReason }
  | { readonly type: 'play'; readonly prompt: Prompt }
  | { readonly type: 'hangupCaller' }
  | { readonly type: 'finish'; readonly outcome: Outcome };

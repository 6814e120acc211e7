/**
 * The vocabulary of one inbound call: the facts it arrived with, the plan it follows,
 * the closed union of states it moves through, the events that move it and the effects
 * it asks the adapters to carry out. Nothing here performs I/O.
 */
import type { Language } from '../config/types.js';
import type { PromiseKind, PromisePolicy, PromiseWords } from '../schedule/promise.js';

/** What the PBX told us about the call when it entered the app. */
export interface CallFacts {
  /** The caller's channel id; also the call's id everywhere (logs, Redis, leg ids). */
  readonly callId: string;
  /** The caller's number (E.164 where it could be normalised), or null when withheld. */
  readonly caller: string | null;
  readonly callerName: string;
  /** The dialled number (DID) the call came in on. */
  readonly called: string;
  readonly startedAt: number;
}

/** One phone to ring, with the channel id its leg will get and how it rings. */
export interface PlannedLeg {
  readonly legId: string;
  readonly person: string;
  readonly phone: string;
  readonly dial: string;
  /** How long this leg rings at most: the step's timeout, or the phone's own if shorter. */
  readonly ringMs: number;
  /** The callee must press 1 before the caller is put through (mobile voicemail can't). */
  readonly screen: boolean;
  /** What the phone shows, as `"Name" <number>`. */
  readonly callerId: string;
  /** A phone already in a call is not rung. */
  readonly skipWhenBusy: boolean;
}

export interface PlannedStep {
  readonly legs: readonly PlannedLeg[];
  readonly timeoutMs: number;
  /** Start this long after the hunt began (overlapping earlier steps); null: when the previous step is over. */
  readonly delayMs: number | null;
}

/** The plan a call follows, decided once when it arrives (calls keep their plan across reloads). */
export interface HuntPlan {
  readonly routeId: string;
  readonly language: Language;
  /** `blocked`: a polite message, no hunt, no callback. */
  readonly treatment: 'hunt' | 'blocked';
  readonly steps: readonly PlannedStep[];
  readonly promise: PromisePolicy;
  /**
   * Why the caller's number can't be called back (callable: in the config: 112, *70, premium
   * rate, another country...), or null when it can. Such a missed call is recorded all the same,
   * and the caller hears that we can't call back instead of a promise.
   */
  readonly uncallable: string | null;
  /** How long a screened callee has to press 1. */
  readonly screenTimeoutMs: number;
}

export type LegStatus = 'ringing' | 'screening' | 'failed' | 'cancelled';

/** Why a caller gets a callback: nobody answered, they hung up first, or the service lost the call (restart) and found them again. */
export type CallbackReason = 'no-answer' | 'caller-hung-up' | 'interrupted';

export type CallState =
  | {
      readonly kind: 'hunting';
      /** Which steps have started (their legs are in `legs`). */
      readonly started: readonly boolean[];
      readonly legs: Readonly<Record<string, LegStatus>>;
    }
  /** A phone took the call; `connected` once the caller is in the bridge with it. */
  | { readonly kind: 'bridged'; readonly winner: PlannedLeg; readonly answeredAt: number; readonly connected: boolean }
  | {
      readonly kind: 'recording';
      readonly reason: CallbackReason;
      readonly callerPresent: boolean;
      readonly promise: { readonly kind: PromiseKind; readonly dueAt: number; readonly words: PromiseWords };
      /** The number can be called back (else nothing is promised). */
      readonly callable: boolean;
    }
  | { readonly kind: 'promising'; readonly outcome: Outcome }
  /** A withheld caller can't be called back: told so, then may leave a recorded message. */
  | { readonly kind: 'message'; readonly phase: 'prompt' | 'recording'; readonly reason: CallbackReason }
  | { readonly kind: 'announcing'; readonly outcome: Outcome }
  | { readonly kind: 'ended'; readonly outcome: Outcome };

export type CallStateKind = CallState['kind'];

export type Outcome =
  | {
      readonly kind: 'answered';
      readonly by: { readonly person: string; readonly phone: string };
      /** The hunt step (0-based, as in hunt[0]) whose phone answered; absent in outcomes logged before it was kept. */
      readonly step?: number;
      readonly ringMs: number;
      readonly talkMs: number;
    }
  | {
      readonly kind: 'callback-pending';
      readonly callbackId: string;
      readonly reason: CallbackReason;
      /** none: the number can't be called back, so the caller was promised nothing. */
      readonly promise: PromiseKind | 'none';
      readonly dueAt: number;
    }
  | { readonly kind: 'withheld-no-callback'; readonly reason: CallbackReason; readonly message: string | null }
  | { readonly kind: 'blocked' }
  | { readonly kind: 'failed'; readonly error: string }
  /**
   * nevermiss was down: the dialplan snippet's fallback handled the call and kept it in AstDB,
   * and the service read it back later (src/app/drain.ts). No hunt ran.
   */
  | {
      readonly kind: 'fallback';
      /** A person answered the fallback's Dial (DIALSTATUS ANSWER). */
      readonly answered: boolean;
      /** The fallback Dial's DIALSTATUS; "" when it rang nobody or the call ended before. */
      readonly dialStatus: string;
      readonly talkMs: number;
      /** Why a callback was due; null when answered. */
      readonly reason: CallbackReason | null;
      /** The callback the call went to; null when answered, withheld or blocked. */
      readonly callbackId: string | null;
    };

export type CallEvent =
  | { readonly type: 'started' }
  | { readonly type: 'stepDue'; readonly step: number }
  | { readonly type: 'stepTimedOut'; readonly step: number }
  | { readonly type: 'legAnswered'; readonly legId: string }
  | { readonly type: 'legDtmf'; readonly legId: string; readonly digit: string }
  | { readonly type: 'screenTimedOut'; readonly legId: string }
  | { readonly type: 'legEnded'; readonly legId: string; readonly cause: number }
  | { readonly type: 'callerHungUp' }
  /**
   * The call was found again after the service lost it (a crash or restart): the caller is still
   * there, nobody answered, and the hunt it was in is gone. It ends as a missed call.
   */
  | { readonly type: 'interrupted' }
  /** The caller and the phone that took the call are bridged. */
  | { readonly type: 'connected' }
  /** Bridging them failed; callerGone: because the caller had just hung up. */
  | { readonly type: 'connectFailed'; readonly error: string; readonly callerGone: boolean }
  | { readonly type: 'callbackRecorded'; readonly callbackId: string; readonly dueAt: number; readonly attempts: number }
  | { readonly type: 'callbackFailed'; readonly error: string }
  | { readonly type: 'promptFinished' }
  /** The caller's recorded message is stored (recording name), or there is none. */
  | { readonly type: 'messageTaken'; readonly recording: string | null };

export type HangupReason = 'answered_elsewhere' | 'normal' | 'no_answer';

/** What the caller hears. */
export type Prompt =
  /** "We will call you back within 1 hour and 30 minutes", or "… tomorrow morning". */
  | { readonly kind: 'promise'; readonly words: PromiseWords; readonly language: Language }
  /** "We cannot call this number back, so please call us again later." */
  | { readonly kind: 'cannot-call-back'; readonly language: Language }
  | { readonly kind: 'withheld'; readonly language: Language }
  | { readonly kind: 'message-thanks'; readonly language: Language }
  | { readonly kind: 'blocked'; readonly language: Language }
  | { readonly kind: 'sorry'; readonly language: Language }
  | { readonly kind: 'status'; readonly mode: 'normal' | 'away' | 'closed' | 'unknown'; readonly language: Language };

export type Effect =
  | { readonly type: 'indicateRinging' }
  | { readonly type: 'originate'; readonly leg: PlannedLeg }
  | { readonly type: 'hangupLeg'; readonly legId: string; readonly reason: HangupReason }
  | { readonly type: 'startTimer'; readonly key: string; readonly ms: number; readonly event: CallEvent }
  | { readonly type: 'cancelTimer'; readonly key: string }
  /** Tell the answering callee who is calling and ask for a 1; DTMF comes back as legDtmf. */
  | { readonly type: 'screen'; readonly leg: PlannedLeg }
  /** A callee still deciding when another phone won: "the call was taken", then hang up. */
  | { readonly type: 'releaseTaken'; readonly legId: string }
  | { readonly type: 'connect'; readonly leg: PlannedLeg }
  | { readonly type: 'recordCallback'; readonly reason: CallbackReason; readonly dueAt: number }
  | { readonly type: 'play'; readonly prompt: Prompt }
  | { readonly type: 'hangupCaller' }
  /** Record the caller's message and keep a reference to it; messageTaken comes back. */
  | { readonly type: 'takeMessage' }
  | { readonly type: 'finish'; readonly outcome: Outcome };

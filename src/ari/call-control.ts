/**
 * Effects -> ARI requests: the CallControl port implemented on the current ARI connection.
 */
import type { Logger } from 'winston';
import type { CallControl } from '../call-flow/ports.js';
import type { CallFacts, HangupReason, PlannedLeg, Prompt } from '../call-flow/types.js';
import { ErrorCodes, isNevermissError } from '../errors.js';
import type { AriRest } from './rest.js';
import { promptMedia, type PromptSource } from './prompts.js';

/** A prompt never holds a call longer than this, even if its PlaybackFinished event is lost. */
const PLAYBACK_GUARD_MS = 120_000;

export interface PlaybackWaiters {
  /** Feed PlaybackFinished events here. */
  finished(playbackId: string): void;
}

export function createCallControl(
  rest: () => AriRest,
  app: string,
  prompts: PromptSource,
  logger: Logger,
): CallControl & PlaybackWaiters {
  const waiting = new Map<string, { callId: string; done: () => void }>();
  const bridged = new Set<string>();
  let playbackSeq = 0;

  const ignoreGone = async (request: Promise<void>): Promise<void> => {
    try {
      await request;
    } catch (err) {
      // The channel already hung up: what we wanted (it gone) is true.
      if (!isNevermissError(err, ErrorCodes.ARI_NOT_FOUND)) throw err;
    }
  };

  const settle = (playbackId: string): void => {
    const waiter = waiting.get(playbackId);
    if (!waiter) return;
    waiting.delete(playbackId);
    waiter.done();
  };

  return {
    indicateRinging: (callId) => rest().ring(callId),

    originate: (facts: CallFacts, leg: PlannedLeg, timeoutMs: number) =>
      rest().originate({
        endpoint: leg.dial,
        channelId: leg.legId,
        app,
        appArgs: `leg,${facts.callId}`,
        callerId: callerIdFor(facts),
        timeoutSec: Math.max(1, Math.ceil(timeoutMs / 1000)),
        originator: facts.callId,
      }),

    hangup: (channelId: string, reason: HangupReason) => ignoreGone(rest().hangup(channelId, reason)),

    async connect(callId, legId) {
      const ari = rest();
      const bridgeId = `${callId}-br`;
      bridged.add(callId);
      await Promise.all([ari.answer(callId), ari.createBridge(bridgeId)]);
      await ari.addToBridge(bridgeId, [callId, legId]);
    },

    async play(callId: string, prompt: Prompt) {
      const ari = rest();
      await ari.answer(callId);
      playbackSeq += 1;
      const playbackId = `${callId}-pb-${playbackSeq}`;
      const finished = new Promise<void>((resolve) => {
        const guard = setTimeout(() => settle(playbackId), PLAYBACK_GUARD_MS);
        waiting.set(playbackId, { callId, done: () => (clearTimeout(guard), resolve()) });
      });
      try {
        await ari.play(callId, playbackId, promptMedia(prompt, prompts), prompt.language);
      } catch (err) {
        settle(playbackId);
        throw err;
      }
      await finished;
    },

    async release(callId) {
      for (const [playbackId, waiter] of waiting) if (waiter.callId === callId) settle(playbackId);
      if (!bridged.delete(callId)) return;
      try {
        await rest().destroyBridge(`${callId}-br`);
      } catch (err) {
        if (!isNevermissError(err, ErrorCodes.ARI_NOT_FOUND)) logger.debug('bridge not destroyed', { callId, error: String(err) });
      }
    },

    finished: settle,
  };
}

/** The phones see who is calling; a withheld caller shows as such. */
function callerIdFor(facts: CallFacts): string {
  const name = facts.callerName.replace(/["\\]/g, '').trim();
  const number = facts.caller ?? 'anonymous';
  return name ? `"${name}" <${number}>` : `<${number}>`;
}

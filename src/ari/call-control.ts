/**
 * Effects -> ARI requests: the CallControl port implemented on the current ARI connection.
 */
import type { Logger } from 'winston';
import type { CallControl } from '../call-flow/ports.js';
import type { CallFacts, HangupReason, PlannedLeg, Prompt } from '../call-flow/types.js';
import { ErrorCodes, NevermissError, describeError, isNevermissError } from '../errors.js';
import type { AriRest } from './rest.js';
import type { DeviceStates } from './device-states.js';
import { legPromptMedia, promptMedia, type PromptSource } from './prompts.js';

/** A prompt never holds a call longer than this, even if its PlaybackFinished event is lost. */
const PLAYBACK_GUARD_MS = 120_000;
/** The longest message a caller can leave. */
const MESSAGE_MAX_SECONDS = 120;

export interface AriSignals {
  /** Feed PlaybackFinished events here. */
  playbackFinished(playbackId: string): void;
  /** Feed RecordingFinished/RecordingFailed events here. */
  recordingFinished(name: string, durationSec: number, failed: boolean): void;
}

export function createCallControl(rest: () => AriRest, app: string, prompts: PromptSource, devices: DeviceStates, logger: Logger): CallControl & AriSignals {
  const playbacks = new Map<string, { owner: string; done: () => void }>();
  const recordings = new Map<string, { owner: string; done: (name: string | null) => void }>();
  /** Screened legs: leg id -> its prompt's playback, and the call it belongs to. */
  const screenings = new Map<string, { playbackId: string; owner: string }>();
  let playbackSeq = 0;

  const ignoreGone = async (request: Promise<void>): Promise<void> => {
    try {
      await request;
    } catch (err) {
      // The channel already hung up: what we wanted (it gone) is true.
      if (!isNevermissError(err, ErrorCodes.ARI_NOT_FOUND)) throw err;
    }
  };

  const settlePlayback = (playbackId: string): void => {
    const waiter = playbacks.get(playbackId);
    if (!waiter) return;
    playbacks.delete(playbackId);
    waiter.done();
  };

  /** Starts a playback on a channel; the promise resolves when it finished (or the channel left). */
  async function play(channelId: string, media: readonly string[], language: string, owner: string): Promise<{ id: string; finished: Promise<void> }> {
    playbackSeq += 1;
    const playbackId = `${channelId}-pb-${playbackSeq}`;
    const finished = new Promise<void>((resolve) => {
      const guard = setTimeout(() => settlePlayback(playbackId), PLAYBACK_GUARD_MS);
      playbacks.set(playbackId, { owner, done: () => (clearTimeout(guard), resolve()) });
    });
    try {
      await rest().play(channelId, playbackId, media, language);
    } catch (err) {
      settlePlayback(playbackId);
      throw err;
    }
    return { id: playbackId, finished };
  }

  return {
    // Every method is async: a disconnected ARI (rest() throws) rejects like any other failure.
    indicateRinging: async (callId) => rest().ring(callId),

    async originate(facts: CallFacts, leg: PlannedLeg) {
      // One device (PJSIP/owner-desk), not a Local/ channel or a dial string with options: it has a state.
      if (leg.skipWhenBusy && /^[A-Za-z0-9]+\/[^/@&,]+$/.test(leg.dial) && (await devices.inUse(leg.dial))) {
        throw new NevermissError(ErrorCodes.ARI_REQUEST, `${leg.dial} is already in a call; skipped`, { leg: leg.legId });
      }
      try {
        await rest().originate({
          endpoint: leg.dial,
          channelId: leg.legId,
          app,
          appArgs: `leg,${facts.callId}`,
          callerId: leg.callerId,
          timeoutSec: Math.max(1, Math.ceil(leg.ringMs / 1000)),
          originator: facts.callId,
        });
      } catch (err) {
        // Sent again after a timeout, and the first one went through: the leg rings (its id is ours alone).
        if (!isNevermissError(err, ErrorCodes.ARI_CONFLICT)) throw err;
        logger.debug('the leg was already created by an earlier attempt', { leg: leg.legId });
      }
    },

    hangup: async (channelId: string, reason: HangupReason) => ignoreGone(rest().hangup(channelId, reason)),

    async screen(facts, leg, language) {
      const { id } = await play(leg.legId, legPromptMedia({ kind: 'screen', caller: facts.caller }, language, prompts), language, facts.callId);
      screenings.set(leg.legId, { playbackId: id, owner: facts.callId });
    },

    async releaseTaken(legId, language) {
      await stopScreening(legId);
      try {
        const { finished } = await play(legId, legPromptMedia({ kind: 'taken' }, language, prompts), language, legId);
        await finished;
      } finally {
        await ignoreGone(rest().hangup(legId, 'normal'));
      }
    },

    async connect(callId, legId) {
      const ari = rest();
      const bridgeId = `${callId}-br`;
      // Run again after a reconnect, the bridge may exist already.
      const bridge = ari.createBridge(bridgeId).catch((err: unknown) => {
        if (!isNevermissError(err, ErrorCodes.ARI_CONFLICT)) throw err;
      });
      try {
        await Promise.all([ari.answer(callId), bridge, stopScreening(legId)]);
        await ari.addToBridge(bridgeId, [callId, legId]);
      } catch (err) {
        // The caller or the phone left meanwhile: the call may already have released its bridge
        // (before it existed), so remove it here. ARI out of reach: the connect is sent again.
        const outOfReach = isNevermissError(err, ErrorCodes.ARI_UNREACHABLE) || isNevermissError(err, ErrorCodes.ARI_TIMEOUT);
        if (!outOfReach) await ari.destroyBridge(bridgeId).catch(() => undefined);
        throw err;
      }
    },

    async play(callId: string, prompt: Prompt) {
      await rest().answer(callId);
      const { finished } = await play(callId, promptMedia(prompt, prompts), prompt.language, callId);
      await finished;
    },

    async recordMessage(callId) {
      const name = `message-${callId.replace(/[^A-Za-z0-9._-]/g, '_')}`;
      const finished = new Promise<string | null>((resolve) => {
        const guard = setTimeout(() => finish(null), (MESSAGE_MAX_SECONDS + 30) * 1000);
        function finish(result: string | null): void {
          clearTimeout(guard);
          recordings.delete(name);
          resolve(result);
        }
        recordings.set(name, { owner: callId, done: finish });
      });
      try {
        await rest().record(callId, name, MESSAGE_MAX_SECONDS);
      } catch (err) {
        recordings.get(name)?.done(null);
        throw err;
      }
      return finished;
    },

    async release(callId, connected) {
      for (const [playbackId, waiter] of playbacks) if (waiter.owner === callId) settlePlayback(playbackId);
      for (const [legId, screening] of screenings) if (screening.owner === callId) screenings.delete(legId);
      for (const waiter of recordings.values()) if (waiter.owner === callId) waiter.done(null);
      if (!connected) return;
      try {
        await rest().destroyBridge(`${callId}-br`);
      } catch (err) {
        if (!isNevermissError(err, ErrorCodes.ARI_NOT_FOUND)) logger.debug('bridge not destroyed', { callId, error: describeError(err) });
      }
    },

    async probe(channelId) {
      const channel = await rest().channel(channelId);
      if (channel === null) return 'gone';
      return channel.state === 'Up' ? 'answered' : 'present';
    },

    async resync(callId) {
      const ari = rest();
      for (const [playbackId, waiter] of [...playbacks]) {
        if (waiter.owner === callId && !(await ari.playbackExists(playbackId))) settlePlayback(playbackId);
      }
      for (const [name, waiter] of [...recordings]) {
        if (waiter.owner !== callId) continue;
        const state = await ari.recordingState(name);
        if (state !== 'recording') waiter.done(state === 'stored' ? name : null);
      }
    },

    playbackFinished: settlePlayback,

    recordingFinished(name, durationSec, failed) {
      // A recording with no sound at all is no message.
      recordings.get(name)?.done(failed || durationSec <= 0 ? null : name);
    },
  };

  async function stopScreening(legId: string): Promise<void> {
    const screening = screenings.get(legId);
    if (screening === undefined) return;
    screenings.delete(legId);
    settlePlayback(screening.playbackId);
    await rest().stopPlayback(screening.playbackId).catch(() => undefined);
  }
}

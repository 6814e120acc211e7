/**
 * The VoicePort of the firm's own voice (src/voice/session.ts) on the current ARI connection:
 * playbacks that can be cut short, a take recorded as an Asterisk recording, and a kept take
 * copied over the prompt's stored recording.
 */
import type { VoicePort } from '../voice/session.js';
import { storedPromptName } from '../voice/recorded.js';
import type { AriSignals } from './call-control.js';
import type { AriRest } from './rest.js';

/** A playback never holds the walk longer than this, even if its PlaybackFinished is lost. */
const PLAYBACK_GUARD_MS = 120_000;
/** The longest take. */
const TAKE_MAX_SECONDS = 60;

export function createVoiceControl(rest: () => AriRest): VoicePort & AriSignals {
  const playbacks = new Map<string, () => void>();
  const recordings = new Map<string, (ok: boolean) => void>();
  let seq = 0;

  const settlePlayback = (playbackId: string): void => {
    const done = playbacks.get(playbackId);
    playbacks.delete(playbackId);
    done?.();
  };

  return {
    answer: async (channelId) => rest().answer(channelId),

    async play(channelId, media, language) {
      seq += 1;
      const playbackId = `${channelId}-voice-${seq}`;
      const finished = new Promise<void>((resolve) => {
        const guard = setTimeout(() => settlePlayback(playbackId), PLAYBACK_GUARD_MS);
        playbacks.set(playbackId, () => (clearTimeout(guard), resolve()));
      });
      try {
        await rest().play(channelId, playbackId, media, language);
      } catch (err) {
        settlePlayback(playbackId);
        throw err;
      }
      return {
        finished,
        stop: async () => {
          await rest().stopPlayback(playbackId).catch(() => undefined);
          settlePlayback(playbackId);
        },
      };
    },

    async record(channelId, take) {
      const finished = new Promise<boolean>((resolve) => {
        const guard = setTimeout(() => done(false), (TAKE_MAX_SECONDS + 30) * 1000);
        function done(ok: boolean): void {
          clearTimeout(guard);
          recordings.delete(take);
          resolve(ok);
        }
        recordings.set(take, done);
      });
      try {
        await rest().record(channelId, take, TAKE_MAX_SECONDS);
      } catch (err) {
        recordings.get(take)?.(false);
        throw err;
      }
      return finished;
    },

    keep: async (take, language, prompt) => rest().copyStoredRecording(take, storedPromptName(language, prompt)),
    discard: async (take) => rest().deleteStoredRecording(take),
    hangup: async (channelId) => rest().hangup(channelId, 'normal'),

    playbackFinished: settlePlayback,
    recordingFinished(name, durationSec, failed) {
      recordings.get(name)?.(!failed && durationSec > 0);
    },
  };
}

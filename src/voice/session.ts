/**
 * The shell of the firm's own voice: one walk per desk-phone call that dialled prompts.recordCode.
 * It feeds ARI's events to the pure machine (machine.ts), logs every transition, and runs the
 * effects through a VoicePort (src/ari/voice-control.ts).
 */
import type { Logger } from 'winston';

import { toMedia, type PromptSource } from '../ari/prompts.js';
import { describeError } from '../errors.js';
import { promptTextsOf } from '../languages/languages.js';
import {
  initialVoiceState,
  voiceTransition,
  walkablePrompts,
  type VoiceEffect,
  type VoiceEvent,
  type VoiceMedia,
  type VoiceState,
  type VoiceWalk,
} from './machine.js';
import type { RecordedPrompts } from './recorded.js';

export interface VoicePort {
  answer(channelId: string): Promise<void>;
  /** Starts playing; `finished` resolves when it ended, was stopped, or the channel left. */
  play(channelId: string, media: readonly string[], language: string): Promise<{ finished: Promise<void>; stop(): Promise<void> }>;
  /** Records a take (a beep first; # ends it); true when something was recorded. */
  record(channelId: string, take: string): Promise<boolean>;
  /** Makes the take the prompt's recording, replacing an earlier one. */
  keep(take: string, language: string, prompt: string): Promise<void>;
  discard(take: string): Promise<void>;
  hangup(channelId: string): Promise<void>;
}

export interface VoiceDeps {
  readonly port: VoicePort;
  readonly prompts: PromptSource;
  readonly recorded: RecordedPrompts;
  readonly logger: Logger;
  /** How long the owner has to press 1, 2 or # (default 10 s). */
  readonly choiceMs?: number;
  /** The prompt files (default prompts/src of this installation). */
  readonly promptTextsDir?: string;
}

export interface VoiceWalks {
  start(channelId: string, language: string, by: string): Promise<void>;
  dtmf(channelId: string, digit: string): void;
  channelGone(channelId: string): void;
}

interface Walk {
  readonly channelId: string;
  readonly language: string;
  readonly take: string;
  readonly walk: VoiceWalk;
  readonly log: Logger;
  state: VoiceState;
  playing: { stop(): Promise<void> } | null;
  timer: NodeJS.Timeout | undefined;
}

export function createVoiceWalks(deps: VoiceDeps): VoiceWalks {
  const walks = new Map<string, Walk>();
  const { port } = deps;

  function dispatch(walk: Walk, event: VoiceEvent): void {
    if (walks.get(walk.channelId) !== walk) return;
    const from = walk.state;
    const { state, effects } = voiceTransition(walk.walk, from, event);
    walk.state = state;
    if (from.phase !== state.phase || from.index !== state.index) {
      walk.log.debug('voice walk', { from: from.phase, to: state.phase, event: event.type, prompt: walk.walk.prompts[state.index] ?? null });
    }
    if (state.phase === 'ended') {
      walks.delete(walk.channelId);
      clearTimeout(walk.timer);
      walk.log.info('voice walk ended', { kept: state.kept, skipped: state.skipped.length });
    }
    for (const effect of effects) run(walk, effect);
  }

  function run(walk: Walk, effect: VoiceEffect): void {
    const failed = (what: string) => (err: unknown): void => {
      walk.log.warn(`voice walk: could not ${what}`, { error: describeError(err) });
    };
    switch (effect.kind) {
      case 'play': {
        const media = effect.media.map((item) => mediaOf(walk, item));
        port
          .play(walk.channelId, media, walk.language)
          .then((handle) => {
            walk.playing = handle;
            return handle.finished;
          })
          .then(() => dispatch(walk, { type: 'played', seq: effect.seq }))
          .catch((err: unknown) => {
            failed('play')(err);
            dispatch(walk, { type: 'hungUp' });
          });
        return;
      }
      case 'stopPlaying': {
        const playing = walk.playing;
        walk.playing = null;
        playing?.stop().catch(failed('stop a playback'));
        return;
      }
      case 'record':
        port
          .record(walk.channelId, walk.take)
          .then((ok) => dispatch(walk, { type: 'recorded', ok }))
          .catch((err: unknown) => {
            failed('record')(err);
            dispatch(walk, { type: 'recorded', ok: false });
          });
        return;
      case 'wait':
        clearTimeout(walk.timer);
        walk.timer = setTimeout(() => dispatch(walk, { type: 'waited', seq: effect.seq }), effect.ms);
        return;
      case 'keep': {
        const prompt = effect.prompt;
        port
          .keep(walk.take, walk.language, prompt)
          .then(() => {
            deps.recorded.add(walk.language, prompt);
            walk.log.info('prompt recorded in the firm\'s own voice', { language: walk.language, prompt });
            return port.discard(walk.take).catch(failed('delete the take'));
          })
          .then(() => dispatch(walk, { type: 'keptTake', ok: true }))
          .catch((err: unknown) => {
            failed(`keep the recording of ${prompt}`)(err);
            dispatch(walk, { type: 'keptTake', ok: false });
          });
        return;
      }
      case 'discardTake':
        port.discard(walk.take).catch(failed('delete the take'));
        return;
      case 'hangup':
        port.hangup(walk.channelId).catch(failed('hang up'));
        return;
    }
  }

  function mediaOf(walk: Walk, item: VoiceMedia): string {
    if ('take' in item) return `recording:${walk.take}`;
    return toMedia([item.prompt], walk.language, { ...deps.prompts, recorded: deps.recorded })[0] ?? '';
  }

  return {
    async start(channelId, language, by) {
      const log = deps.logger.child({ channelId, voice: language });
      const texts = promptTextsOf(language, deps.promptTextsDir);
      const prompts = walkablePrompts(texts === null ? [] : [...texts.texts.keys()]);
      const take = `nevermiss-take-${channelId.replace(/[^A-Za-z0-9._-]/g, '_')}`;
      const walk: Walk = {
        channelId,
        language,
        take,
        walk: { prompts, choiceMs: deps.choiceMs ?? 10_000 },
        log,
        state: initialVoiceState(),
        playing: null,
        timer: undefined,
      };
      walks.set(channelId, walk);
      log.info('voice walk started', { by, prompts: prompts.length });
      await deps.recorded.refresh().catch(() => undefined);
      await port.answer(channelId);
      dispatch(walk, { type: 'started' });
    },
    dtmf(channelId, digit) {
      const walk = walks.get(channelId);
      if (walk) dispatch(walk, { type: 'digit', digit });
    },
    channelGone(channelId) {
      const walk = walks.get(channelId);
      if (walk) dispatch(walk, { type: 'hungUp' });
    },
  };
}

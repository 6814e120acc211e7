/**
 * The firm's own voice, as a pure state machine: from a desk phone, the owner walks through the
 * prompts of a language. For each: the current version plays, then "say it after the tone"; the
 * new take is recorded (# ends it), played back, and the owner presses 1 to keep it, 2 to record
 * again, or # to skip the prompt. A key pressed while something plays cuts it short.
 *
 * Each playback and wait carries a number (`seq`); an event of an older one (a playback that
 * was cut short, a wait that was overtaken) is stale and changes nothing.
 */

/** What the shell plays: a prompt as callers hear it now (recorded or generated), or the new take. */
export type VoiceMedia = { readonly prompt: string } | { readonly take: true };

export type VoicePhase =
  /** The greeting that says what happens. */
  | 'intro'
  /** The prompt's current version, then "after the tone". */
  | 'current'
  | 'recording'
  /** The new take, then "1 keeps, 2 again, # skips". */
  | 'review'
  /** Waiting for 1, 2 or #. */
  | 'choosing'
  /** The take is being copied over the prompt. */
  | 'keeping'
  /** "Kept." */
  | 'kept'
  /** The goodbye; then hang up. */
  | 'ending'
  | 'ended';

export interface VoiceState {
  readonly phase: VoicePhase;
  /** Index into the walk's prompt names. */
  readonly index: number;
  /** The number of the playback or wait whose end the machine waits for. */
  readonly seq: number;
  /** Whether a take of the current prompt exists (recorded, not yet kept or thrown away). */
  readonly take: boolean;
  /** Waits for a choice that ran out, for the current take. */
  readonly unanswered: number;
  readonly kept: readonly string[];
  readonly skipped: readonly string[];
}

export type VoiceEvent =
  | { readonly type: 'started' }
  | { readonly type: 'played'; readonly seq: number }
  | { readonly type: 'recorded'; readonly ok: boolean }
  | { readonly type: 'digit'; readonly digit: string }
  | { readonly type: 'waited'; readonly seq: number }
  | { readonly type: 'keptTake'; readonly ok: boolean }
  | { readonly type: 'hungUp' };

export type VoiceEffect =
  | { readonly kind: 'play'; readonly seq: number; readonly media: readonly VoiceMedia[] }
  /** Cut the playing media short (a key was pressed); its 'played' comes, stale. */
  | { readonly kind: 'stopPlaying' }
  | { readonly kind: 'record' }
  | { readonly kind: 'wait'; readonly seq: number; readonly ms: number }
  | { readonly kind: 'keep'; readonly prompt: string }
  | { readonly kind: 'discardTake' }
  | { readonly kind: 'hangup' };

export interface VoiceWalk {
  /** The prompts to walk, in order. */
  readonly prompts: readonly string[];
  /** How long to wait for 1, 2 or # after the choice was said. */
  readonly choiceMs: number;
}

/** The walk's own words: prompts of every language (prompts/src/<lang>.txt), never walked themselves. */
export const VOICE_PROMPTS = {
  intro: 'voice-intro',
  afterTone: 'voice-after-tone',
  choose: 'voice-choose',
  kept: 'voice-kept',
  done: 'voice-done',
} as const;

/** After this many unanswered waits for a choice, the take is thrown away and the walk ends. */
const MAX_UNANSWERED = 2;

export function initialVoiceState(): VoiceState {
  return { phase: 'intro', index: 0, seq: 0, take: false, unanswered: 0, kept: [], skipped: [] };
}

export function voiceTransition(walk: VoiceWalk, state: VoiceState, event: VoiceEvent): { state: VoiceState; effects: VoiceEffect[] } {
  if (state.phase === 'ended') return { state, effects: [] };
  if (event.type === 'hungUp') return { state: { ...state, phase: 'ended' }, effects: state.take ? [{ kind: 'discardTake' }] : [] };

  switch (event.type) {
    case 'started':
      return play(state, 'intro', [{ prompt: VOICE_PROMPTS.intro }]);

    case 'played':
      if (event.seq !== state.seq) return unchanged(state);
      return afterPlayed(walk, state);

    case 'waited':
      if (event.seq !== state.seq || state.phase !== 'choosing') return unchanged(state);
      if (state.unanswered + 1 >= MAX_UNANSWERED) return finish({ ...state, take: false }, [{ kind: 'discardTake' }]);
      return play({ ...state, unanswered: state.unanswered + 1 }, 'review', [{ prompt: VOICE_PROMPTS.choose }]);

    case 'recorded':
      if (state.phase !== 'recording') return unchanged(state);
      // Nothing was recorded (hung up, silence, a failure): ask for it again.
      if (!event.ok) return play(state, 'current', [{ prompt: VOICE_PROMPTS.afterTone }]);
      return play({ ...state, take: true, unanswered: 0 }, 'review', [{ take: true }, { prompt: VOICE_PROMPTS.choose }]);

    case 'keptTake': {
      if (state.phase !== 'keeping') return unchanged(state);
      const prompt = walk.prompts[state.index] ?? '';
      if (!event.ok) return next(walk, { ...state, take: false, skipped: [...state.skipped, prompt] }, [{ kind: 'discardTake' }]);
      return play({ ...state, take: false, kept: [...state.kept, prompt] }, 'kept', [{ prompt: VOICE_PROMPTS.kept }]);
    }

    case 'digit':
      return onDigit(walk, state, event.digit);
  }
}

function onDigit(walk: VoiceWalk, state: VoiceState, digit: string): { state: VoiceState; effects: VoiceEffect[] } {
  const playing = state.phase === 'intro' || state.phase === 'current' || state.phase === 'review';
  const cut: VoiceEffect[] = playing ? [{ kind: 'stopPlaying' }] : [];
  const prompt = walk.prompts[state.index] ?? '';
  switch (state.phase) {
    case 'intro':
    case 'current':
      // Skip this prompt; other keys are for later.
      if (digit !== '#') return unchanged(state);
      return next(walk, { ...state, skipped: [...state.skipped, prompt] }, cut);
    case 'review':
    case 'choosing':
      if (digit === '1') return { state: { ...state, phase: 'keeping', seq: state.seq + 1 }, effects: [...cut, { kind: 'keep', prompt }] };
      if (digit === '2') return play({ ...state, take: false }, 'current', [{ prompt: VOICE_PROMPTS.afterTone }], [...cut, { kind: 'discardTake' }]);
      if (digit === '#') return next(walk, { ...state, take: false, skipped: [...state.skipped, prompt] }, [...cut, { kind: 'discardTake' }]);
      return unchanged(state);
    case 'recording': // the recording ends on # by itself
    case 'keeping':
    case 'kept':
    case 'ending':
    case 'ended':
      return unchanged(state);
  }
}

function afterPlayed(walk: VoiceWalk, state: VoiceState): { state: VoiceState; effects: VoiceEffect[] } {
  switch (state.phase) {
    case 'intro':
      return startPrompt(walk, state, []);
    case 'current':
      return { state: { ...state, phase: 'recording', seq: state.seq + 1 }, effects: [{ kind: 'record' }] };
    case 'review': {
      const seq = state.seq + 1;
      return { state: { ...state, phase: 'choosing', seq }, effects: [{ kind: 'wait', seq, ms: walk.choiceMs }] };
    }
    case 'kept':
      return next(walk, state, []);
    case 'ending':
      return { state: { ...state, phase: 'ended' }, effects: [{ kind: 'hangup' }] };
    case 'recording':
    case 'choosing':
    case 'keeping':
    case 'ended':
      return unchanged(state);
  }
}

/** On to the next prompt, or the goodbye after the last. */
function next(walk: VoiceWalk, state: VoiceState, before: VoiceEffect[]): { state: VoiceState; effects: VoiceEffect[] } {
  const moved = { ...state, index: state.index + 1, unanswered: 0 };
  return startPrompt(walk, moved, before);
}

function startPrompt(walk: VoiceWalk, state: VoiceState, before: VoiceEffect[]): { state: VoiceState; effects: VoiceEffect[] } {
  const prompt = walk.prompts[state.index];
  if (prompt === undefined) return finish(state, before);
  return play(state, 'current', [{ prompt }, { prompt: VOICE_PROMPTS.afterTone }], before);
}

function finish(state: VoiceState, before: VoiceEffect[]): { state: VoiceState; effects: VoiceEffect[] } {
  return play(state, 'ending', [{ prompt: VOICE_PROMPTS.done }], before);
}

function play(state: VoiceState, phase: VoicePhase, media: readonly VoiceMedia[], before: VoiceEffect[] = []): { state: VoiceState; effects: VoiceEffect[] } {
  const seq = state.seq + 1;
  return { state: { ...state, phase, seq }, effects: [...before, { kind: 'play', seq, media }] };
}

function unchanged(state: VoiceState): { state: VoiceState; effects: VoiceEffect[] } {
  return { state, effects: [] };
}

/** The prompts a walk offers: the lines of the language's file, without the walk's own words. */
export function walkablePrompts(lines: readonly string[]): string[] {
  const own = new Set<string>(Object.values(VOICE_PROMPTS));
  return lines.filter((name) => !own.has(name));
}

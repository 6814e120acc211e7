/**
 * Which media URIs play a prompt. With `sound` the files live in the PBX's sound folder
 * (sounds/<lang>/nevermiss/<name>.wav); with `http` Asterisk (18+) fetches them from this
 * service, which also works when Asterisk runs on another host. A prompt the firm recorded in its own
 * voice (src/voice/) is played from Asterisk's stored recordings instead, in both cases.
 */
import type { Prompt } from '../call-flow/types.js';
import { MAX_SPOKEN_NUMBER, spokenDuration, type PromiseWords, type SpokenDuration } from '../schedule/promise.js';
import { storedPromptName } from '../voice/recorded.js';

export interface PromptSource {
  readonly source: 'sound' | 'http';
  /** Base URL of this service as Asterisk reaches it, for `http`. */
  readonly baseUrl?: string;
  /** Prompts the firm recorded itself (src/voice/): played from Asterisk's stored recordings, whatever `source` says. */
  readonly recorded?: { has(language: string, prompt: string): boolean };
}

/** What a phone's user hears: the screening question, or that the call was taken. */
export type LegPrompt =
  | { readonly kind: 'screen'; readonly caller: string | null }
  | { readonly kind: 'taken' }
  /** "Callback to <number>, who rang <N> minutes ago. Press 1 to call now." */
  | { readonly kind: 'callback'; readonly number: string; readonly minutesAgo: number };

export function promptNames(prompt: Prompt): string[] {
  switch (prompt.kind) {
    case 'promise':
      return promiseNames(prompt.words);
    case 'cannot-call-back':
      return ['cannot-call-back'];
    case 'withheld':
      return ['withheld'];
    case 'message-thanks':
      return ['withheld-thanks'];
    case 'blocked':
      return ['blocked'];
    case 'sorry':
      return ['fallback-sorry'];
    case 'status':
      return [`status-${prompt.mode}`];
  }
}

export function legPromptNames(prompt: LegPrompt): string[] {
  switch (prompt.kind) {
    case 'screen':
      if (prompt.caller === null) return ['screen-withheld', 'screen-press-1'];
      return ['screen-call-from', ...spellNumber(prompt.caller), 'screen-press-1'];
    case 'taken':
      return ['taken'];
    case 'callback':
      return ['callback-to', ...spellNumber(prompt.number), 'callback-rang', ...sayDuration(prompt.minutesAgo), 'callback-ago', 'callback-press-1'];
  }
}

/**
 * The promise, from prompts that exist (test/unit/prompts.test.ts proves it for every deadline
 * the config accepts):
 *   within:    promise-intro, [one-hour | num-H hours], [and], [num-M minute(s)], promise-outro
 *   when open: promise-closed-intro | promise-later-intro, then when-<day>-<part>
 *              | within num-N days | within num-N weeks | when-we-open, then promise-outro
 */
export function promiseNames(words: PromiseWords): string[] {
  if (words.kind === 'within') return ['promise-intro', ...sayHoursAndMinutes(words.within), 'promise-outro'];
  const intro = words.closedNow ? 'promise-closed-intro' : 'promise-later-intro';
  const due = words.due;
  switch (due.kind) {
    case 'day':
      return [intro, `when-${due.day}-${due.part}`, 'promise-outro'];
    case 'days':
      return [intro, 'within', `num-${due.days}`, 'days', 'promise-outro'];
    case 'weeks':
      return [intro, 'within', `num-${Math.min(due.weeks, MAX_SPOKEN_NUMBER)}`, 'weeks', 'promise-outro'];
    case 'unknown':
      return [intro, 'when-we-open', 'promise-outro'];
  }
}

/** "1 hour and 30 minutes", "3 hours", "45 minutes": hours up to 24 and minutes up to 59 are all prompts. */
function sayHoursAndMinutes({ hours, minutes }: SpokenDuration): string[] {
  const h = hours === 0 ? [] : hours === 1 ? ['one-hour'] : [`num-${hours}`, 'hours'];
  const m = minutes === 0 ? [] : [`num-${minutes}`, minutes === 1 ? 'minute' : 'minutes'];
  return h.length > 0 && m.length > 0 ? [...h, 'and', ...m] : [...h, ...m];
}

/** How long ago a call was, as our prompts can say it (hours beyond 120 are said as 120). */
function sayDuration(minutes: number): string[] {
  const spoken = spokenDuration(Math.max(1, Math.round(minutes)) * 60_000);
  if (spoken.hours > MAX_SPOKEN_NUMBER) return [`num-${MAX_SPOKEN_NUMBER}`, 'hours'];
  return sayHoursAndMinutes(spoken);
}

/** "+4520111111" -> digit-plus, digit-4, digit-5, ... (our own digit prompts exist in every language). */
function spellNumber(number: string): string[] {
  return (number.match(/[0-9+]/g) ?? []).map((char) => (char === '+' ? 'digit-plus' : `digit-${char}`));
}

export function promptMedia(prompt: Prompt, from: PromptSource): string[] {
  return toMedia(promptNames(prompt), prompt.language, from);
}

export function legPromptMedia(prompt: LegPrompt, language: string, from: PromptSource): string[] {
  return toMedia(legPromptNames(prompt), language, from);
}

export function toMedia(names: readonly string[], language: string, from: PromptSource): string[] {
  return names.map((name) => {
    if (from.recorded?.has(language, name) === true) return `recording:${storedPromptName(language, name)}`;
    if (from.source === 'http' && from.baseUrl) return `sound:${from.baseUrl.replace(/\/+$/, '')}/prompts/${language}/nevermiss/${name}.wav`;
    return `sound:nevermiss/${name}`;
  });
}

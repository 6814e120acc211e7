/**
 * Which media URIs play a prompt. With `sound` the files live in the PBX's sound folder
 * (sounds/<lang>/nevermiss/<name>.wav); with `http` Asterisk (18+) fetches them from this
 * service, which also works when Asterisk runs on another host. A prompt the firm recorded in its own
 * voice (src/voice/) is played from Asterisk's stored recordings instead, in both cases.
 */
import type { Prompt } from '../call-flow/types.js';
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
      return ['promise-intro', `num-${prompt.minutes}`, prompt.minutes === 1 ? 'minute' : 'minutes', 'promise-outro'];
    case 'promise-when-open':
      return ['promise-when-open'];
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

/** Minutes as our number prompts can say them: up to 120 minutes, then whole hours. */
function sayDuration(minutes: number): string[] {
  const m = Math.max(1, Math.round(minutes));
  if (m <= 120) return [`num-${m}`, m === 1 ? 'minute' : 'minutes'];
  const hours = Math.min(120, Math.round(m / 60));
  return [`num-${hours}`, 'hours'];
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

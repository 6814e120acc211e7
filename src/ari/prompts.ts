/**
 * Which media URIs play a prompt. With `sound` the files live in the PBX's sound folder
 * (sounds/<lang>/nevermiss/<name>.wav); with `http` Asterisk (18+) fetches them from this
 * service, which also works when Asterisk runs on another host.
 */
import type { Prompt } from '../call-flow/types.js';

export interface PromptSource {
  readonly source: 'sound' | 'http';
  /** Base URL of this service as Asterisk reaches it, for `http`. */
  readonly baseUrl?: string;
}

export function promptNames(prompt: Prompt): string[] {
  switch (prompt.kind) {
    case 'promise':
      return ['promise-intro', `num-${prompt.minutes}`, prompt.minutes === 1 ? 'minute' : 'minutes', 'promise-outro'];
    case 'withheld':
      return ['withheld'];
    case 'sorry':
      return ['fallback-sorry'];
  }
}

export function promptMedia(prompt: Prompt, from: PromptSource): string[] {
  const names = promptNames(prompt);
  if (from.source === 'http' && from.baseUrl) {
    const base = from.baseUrl.replace(/\/+$/, '');
    return names.map((name) => `sound:${base}/prompts/${prompt.language}/nevermiss/${name}.wav`);
  }
  return names.map((name) => `sound:nevermiss/${name}`);
}

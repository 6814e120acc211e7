/**
 * Which prompts the firm recorded in its own voice. A kept recording is an Asterisk stored
 * recording named `nevermiss-<lang>-<prompt>` (in Asterisk's recording folder, e.g.
 * /var/spool/asterisk/recording/, which no upgrade of nevermiss or Asterisk touches), and the
 * service plays it as `recording:<that name>` instead of the generated file, whether the generated
 * files come from the sound folder or over HTTP. This module keeps the list, read over ARI.
 */
import { LANGUAGE_PATTERN, PROMPT_NAME_PATTERN } from '../languages/prompt-texts.js';

const PREFIX = 'nevermiss-';

export function storedPromptName(language: string, prompt: string): string {
  return `${PREFIX}${language}-${prompt}`;
}

/** `nevermiss-de-promise-intro` -> { language: 'de', prompt: 'promise-intro' }; null for any other recording. */
export function parseStoredPromptName(name: string): { readonly language: string; readonly prompt: string } | null {
  if (!name.startsWith(PREFIX)) return null;
  const rest = name.slice(PREFIX.length);
  // The language is "xx", "xxx" or "xx_YY": never contains "-", so the first "-" ends it.
  const dash = rest.indexOf('-');
  if (dash < 0) return null;
  const language = rest.slice(0, dash);
  const prompt = rest.slice(dash + 1);
  return LANGUAGE_PATTERN.test(language) && PROMPT_NAME_PATTERN.test(prompt) ? { language, prompt } : null;
}

export interface RecordedPrompts {
  has(language: string, prompt: string): boolean;
  /** Reads the list again (after a connect); keeps the old list when ARI fails. */
  refresh(): Promise<void>;
  /** A recording just kept. */
  add(language: string, prompt: string): void;
  /** language -> the prompts recorded in it. */
  all(): ReadonlyMap<string, ReadonlySet<string>>;
}

/** `listStored` lists the names of Asterisk's stored recordings (GET /recordings/stored). */
export function createRecordedPrompts(listStored: () => Promise<readonly string[]>): RecordedPrompts {
  let byLanguage = new Map<string, Set<string>>();
  const add = (map: Map<string, Set<string>>, language: string, prompt: string): void => {
    const set = map.get(language) ?? new Set<string>();
    set.add(prompt);
    map.set(language, set);
  };
  return {
    has: (language, prompt) => byLanguage.get(language)?.has(prompt) ?? false,
    async refresh() {
      const fresh = new Map<string, Set<string>>();
      for (const name of await listStored()) {
        const parsed = parseStoredPromptName(name);
        if (parsed !== null) add(fresh, parsed.language, parsed.prompt);
      }
      byLanguage = fresh;
    },
    add: (language, prompt) => add(byLanguage, language, prompt),
    all: () => byLanguage,
  };
}

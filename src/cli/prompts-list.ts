/**
 * `nevermiss prompts list`: for each prompt of a language, whether callers hear the firm's own
 * recording (kept through the feature code, src/voice/) or the generated voice.
 */
import type { Config } from '../config/types.js';
import { listStoredRecordings } from '../ari/stored-recordings.js';
import { describeError } from '../errors.js';
import { languagesAvailable, promptNamesOf } from '../languages/languages.js';
import { createRecordedPrompts } from '../voice/recorded.js';

export interface PromptsListOptions {
  /** Only this language; default: the languages the config's routes use. */
  readonly lang?: string;
  readonly listStored?: () => Promise<readonly string[]>;
}

/** Prints the list; returns the exit code (1 for an unknown language or ARI out of reach). */
export async function runPromptsList(config: Config, options: PromptsListOptions, out: (line: string) => void): Promise<number> {
  const available = languagesAvailable();
  const languages = options.lang === undefined ? [...new Set(Object.values(config.routes).map((route) => route.language))].sort() : [options.lang];
  const unknown = languages.filter((lang) => !available.includes(lang));
  if (unknown.length > 0) {
    out(`no prompts for ${unknown.join(', ')}; languages with prompts: ${available.join(', ')}`);
    return 1;
  }
  const recorded = createRecordedPrompts(options.listStored ?? (() => listStoredRecordings(config.ari)));
  try {
    await recorded.refresh();
  } catch (err) {
    out(`cannot tell which prompts are recorded: ${describeError(err)}`);
    return 1;
  }
  for (const [index, language] of languages.entries()) {
    if (index > 0) out('');
    const names = promptNamesOf(language);
    const numbers = names.filter((name) => /^num-\d+$/.test(name));
    const rest = names.filter((name) => !numbers.includes(name));
    const width = Math.max(...rest.map((name) => name.length), 'num-1 … num-120'.length);
    const mine = names.filter((name) => recorded.has(language, name));
    out(`${language}: ${mine.length} of ${names.length} prompts recorded in your own voice, the rest generated`);
    for (const name of rest) out(`  ${name.padEnd(width)}  ${recorded.has(language, name) ? 'recorded' : 'generated'}`);
    const recordedNumbers = numbers.filter((name) => recorded.has(language, name));
    const first = numbers[0] ?? 'num-1';
    const last = numbers.at(-1) ?? first;
    out(`  ${`${first} … ${last}`.padEnd(width)}  ${recordedNumbers.length === 0 ? 'generated' : `recorded: ${recordedNumbers.join(', ')}; the others generated`}`);
  }
  return 0;
}

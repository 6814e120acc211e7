/**
 * The prompt texts of a language, `prompts/src/<lang>.txt`: one `name|text` per line, `#` for
 * comments, and a `# voice: <espeak-ng voice>` line. Parsed here the way scripts/make-prompts.sh
 * reads them, so that `check`, `doctor` and the tests judge the same files the script speaks.
 */
export interface PromptTexts {
  /** The espeak-ng voice, or null when the file names none (the script then uses the language code). */
  readonly voice: string | null;
  /** name -> text, in the order of the file. */
  readonly texts: ReadonlyMap<string, string>;
  /** Lines the script would refuse, with their line numbers. */
  readonly problems: readonly string[];
}

export const PROMPT_NAME_PATTERN = /^[a-z0-9][a-z0-9_-]*$/;
/** A language code as a folder name and an Asterisk channel language: "en", "de", "pt_BR". */
export const LANGUAGE_PATTERN = /^[a-z]{2,3}(?:_[A-Z]{2})?$/;
/** The numbers the script makes from the digits when a file has no num-N line of its own. */
export const MAX_NUMBER = 120;
/** Made by sox, with no words: in every language without a line of its own. */
export const TONE_PROMPTS: readonly string[] = ['beep'];

const VOICE_LINE = /^#\s*voice:\s*(\S+)/;

export function parsePromptTexts(content: string): PromptTexts {
  let voice: string | null = null;
  const texts = new Map<string, string>();
  const problems: string[] = [];
  content.split('\n').forEach((raw, index) => {
    const line = raw.replace(/\r$/, '');
    const at = `line ${index + 1}`;
    const voiceLine = VOICE_LINE.exec(line);
    if (voiceLine?.[1] !== undefined) {
      voice = voiceLine[1];
      return;
    }
    if (line.trim() === '' || line.startsWith('#')) return;
    const bar = line.indexOf('|');
    if (bar < 0) {
      problems.push(`${at}: expected name|text, got ${JSON.stringify(line.slice(0, 60))}`);
      return;
    }
    const name = line.slice(0, bar);
    const text = line.slice(bar + 1);
    if (!PROMPT_NAME_PATTERN.test(name)) problems.push(`${at}: bad prompt name ${JSON.stringify(name)} (use a-z, 0-9, - and _)`);
    else if (text.trim() === '') problems.push(`${at}: ${name} has no text`);
    else texts.set(name, text);
  });
  return { voice, texts, problems };
}

/** Every file the script makes from these texts: the lines, num-1 … num-120 and the tone. */
export function madePromptNames(parsed: PromptTexts): string[] {
  const names = new Set(parsed.texts.keys());
  for (let n = 1; n <= MAX_NUMBER; n += 1) names.add(`num-${n}`);
  for (const tone of TONE_PROMPTS) names.add(tone);
  return [...names];
}

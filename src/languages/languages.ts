/**
 * Which languages nevermiss can speak: those with a prompt file in prompts/src. English is the
 * reference: a language is complete when its file has every prompt English has. Used by the
 * config (a route's language must be one of these), `nevermiss check`, `doctor` and the tests.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { LANGUAGE_PATTERN, madePromptNames, parsePromptTexts, type PromptTexts } from './prompt-texts.js';

/** The language every other is compared with, and the one the service falls back to. */
export const REFERENCE_LANGUAGE = 'en';

/** prompts/src of this installation: two folders up from src/languages/ and dist/languages/ alike. */
export const PROMPT_TEXTS_DIR = fileURLToPath(new URL('../../prompts/src/', import.meta.url));

/** The language codes that have a prompt file, sorted. */
export function languagesAvailable(dir: string = PROMPT_TEXTS_DIR): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((file) => file.endsWith('.txt'))
    .map((file) => file.slice(0, -'.txt'.length))
    .filter((lang) => LANGUAGE_PATTERN.test(lang))
    .sort();
}

/** The parsed prompt file of a language, or null when there is none. */
export function promptTextsOf(lang: string, dir: string = PROMPT_TEXTS_DIR): PromptTexts | null {
  if (!LANGUAGE_PATTERN.test(lang)) return null;
  const file = `${dir.replace(/\/+$/, '')}/${lang}.txt`;
  if (!existsSync(file)) return null;
  return parsePromptTexts(readFileSync(file, 'utf8'));
}

/** The prompt names a language's files will hold (its lines, the numbers, the tone). */
export function promptNamesOf(lang: string, dir: string = PROMPT_TEXTS_DIR): string[] {
  const parsed = promptTextsOf(lang, dir);
  return parsed === null ? [] : madePromptNames(parsed);
}

/**
 * The prompts English has and `lang` lacks, in English's order: empty for a complete language,
 * every English prompt for a language with no file.
 */
export function missingPrompts(lang: string, dir: string = PROMPT_TEXTS_DIR): string[] {
  const have = new Set(promptNamesOf(lang, dir));
  return promptNamesOf(REFERENCE_LANGUAGE, dir).filter((name) => !have.has(name));
}

/** What is wrong with a language's prompt file, as sentences; empty when it is fine. */
export function promptFileProblems(lang: string, dir: string = PROMPT_TEXTS_DIR): string[] {
  const file = `prompts/src/${lang}.txt`;
  const parsed = promptTextsOf(lang, dir);
  if (parsed === null) return [`${file} does not exist; add it (prompts/README.md says how) or use one of: ${languagesAvailable(dir).join(', ')}`];
  const problems = parsed.problems.map((problem) => `${file} ${problem}`);
  if (parsed.voice === null) problems.push(`${file} names no espeak-ng voice; add a line "# voice: <voice>" (espeak-ng --voices lists them)`);
  const missing = missingPrompts(lang, dir);
  if (missing.length > 0) problems.push(`${file} lacks ${missing.length} prompt(s) that ${REFERENCE_LANGUAGE}.txt has: ${missing.join(', ')}`);
  return problems;
}

/**
 * The prompts a language must have: every name in prompts/src/<lang>.txt, and the numbers
 * num-1 ... num-120 that scripts/make-prompts.sh speaks from the digits, and the beep. The same
 * list the prompts build makes, so "missing" means a build that was not (fully) copied.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** prompts/src of this installation (the package ships it). */
export const PROMPT_TEXTS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'prompts', 'src');

const HIGHEST_NUMBER = 120;

/** Names in a prompts/src/<lang>.txt text: `name|text` lines; # starts a comment. */
export function promptNamesIn(text: string): string[] {
  const names: string[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const name = line.split('|')[0]?.trim() ?? '';
    if (name !== '') names.push(name);
  }
  return names;
}

/** Every prompt name of a language, sorted; throws (ENOENT) when there is no text for it. */
export function expectedPrompts(directory: string, language: string): string[] {
  const names = new Set(promptNamesIn(readFileSync(path.join(directory, `${language}.txt`), 'utf8')));
  for (let n = 1; n <= HIGHEST_NUMBER; n++) names.add(`num-${n}`);
  names.add('beep');
  return [...names].sort();
}

/**
 * The prompts of every language in use are where callers will hear them from: on the PBX
 * (prompts.source sound: ARI lists its sounds), or in prompts.directory, which nevermiss serves
 * to Asterisk (prompts.source http).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { ariMessage, type AriInspector } from '../../ari/inspect.js';
import type { Config } from '../../config/types.js';
import { expectedPrompts } from '../prompt-catalog.js';
import { finding, type Check, type Finding } from '../types.js';

const TITLE = 'Prompts';
const SHOWN = 12;

/** The languages callers and phones hear: every route's. */
export function languagesInUse(config: Pick<Config, 'routes'>): string[] {
  return [...new Set(Object.values(config.routes).map((route) => route.language))].sort();
}

export function judgePrompts(language: string, where: string, expected: readonly string[], present: ReadonlySet<string>, fix: string): Finding {
  const missing = expected.filter((name) => !present.has(name));
  if (missing.length === 0) return finding(TITLE, 'pass', `${language}: all ${expected.length} prompts ${where}`);
  const shown = missing.slice(0, SHOWN).join(', ') + (missing.length > SHOWN ? `, ... (${missing.length - SHOWN} more)` : '');
  return finding(TITLE, 'fail', `${language}: ${missing.length} of ${expected.length} prompts missing ${where}`, { details: [`missing: ${shown}`], fix });
}

/** The nevermiss/ sounds ARI lists in a language. */
async function soundsOnPbx(ari: AriInspector, language: string): Promise<Set<string>> {
  const answer = await ari.get(`/sounds?lang=${encodeURIComponent(language)}`);
  // Asterisk answers 404 "No sounds found that matched the query" for a language it has nothing in.
  if (answer.status === 404) return new Set();
  if (answer.status !== 200 || !Array.isArray(answer.body)) throw new Error(`GET /sounds?lang=${language}: ${ariMessage(answer)}`);
  const names = new Set<string>();
  for (const sound of answer.body as { id?: unknown; formats?: { language?: unknown }[] }[]) {
    if (typeof sound.id !== 'string' || !sound.id.startsWith('nevermiss/')) continue;
    if (!(sound.formats ?? []).some((format) => format.language === language)) continue;
    names.add(sound.id.slice('nevermiss/'.length));
  }
  return names;
}

export const promptsCheck: Check = {
  title: TITLE,
  needs: ['ari'],
  async run({ ari, config, promptTextsDirectory }) {
    const findings: Finding[] = [];
    for (const language of languagesInUse(config)) {
      let expected: string[];
      try {
        expected = expectedPrompts(promptTextsDirectory, language);
      } catch {
        findings.push(finding(TITLE, 'fail', `${language}: there are no prompt texts for this language (${path.join(promptTextsDirectory, `${language}.txt`)})`, { fix: 'add the text file of the language (prompts/README.md), or choose a language nevermiss has' }));
        continue;
      }
      if (config.prompts.source === 'sound') {
        const present = await soundsOnPbx(ari, language);
        findings.push(
          judgePrompts(language, 'on the PBX (sounds/' + language + '/nevermiss/)', expected, present, `make them with "npm run prompts" and copy prompts/build/${language}/nevermiss/ into the PBX's sound folder as sounds/${language}/nevermiss/ (Debian: /usr/share/asterisk/sounds/${language}/nevermiss/), or set prompts.source: http`),
        );
      } else {
        const folder = path.join(config.prompts.directory, language, 'nevermiss');
        const present = new Set(expected.filter((name) => existsSync(path.join(folder, `${name}.wav`))));
        findings.push(judgePrompts(language, `in ${folder} (served to Asterisk over HTTP)`, expected, present, `make them with "npm run prompts" into prompts.directory (${config.prompts.directory})`));
      }
    }
    return findings;
  },
};

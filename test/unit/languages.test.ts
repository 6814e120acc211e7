import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { formatProblem, parseConfig } from '../../src/config/load.js';
import { checkLanguages } from '../../src/config/language-checks.js';
import { legPromptNames, promptNames } from '../../src/ari/prompts.js';
import { TEXT_BACK_WORDING } from '../../src/follow-up/text-back.js';
import { NOTIFICATION_WORDING } from '../../src/notify/wording.js';
import { languagesAvailable, missingPrompts, PROMPT_TEXTS_DIR, promptFileProblems, promptNamesOf } from '../../src/languages/languages.js';
import { parsePromptTexts } from '../../src/languages/prompt-texts.js';
import type { Prompt } from '../../src/call-flow/types.js';

test('the shipped languages are English, Danish and German', () => {
  assert.deepEqual(languagesAvailable(), ['da', 'de', 'en']);
});

for (const language of languagesAvailable()) {
  test(`${language}: its prompt file is complete against English, names a voice and has no bad lines`, () => {
    assert.deepEqual(promptFileProblems(language), []);
    assert.deepEqual(missingPrompts(language), []);
  });

  test(`${language}: the text-back, the notifications and the phone page have words for it`, () => {
    assert.ok(TEXT_BACK_WORDING[language], `TEXT_BACK_WORDING has no ${language}`);
    assert.ok(NOTIFICATION_WORDING[language], `NOTIFICATION_WORDING has no ${language}`);
    const page = readFileSync(new URL('../../src/http/page/lib/i18n.js', import.meta.url), 'utf8');
    const listed = /const LANGUAGES = \[([^\]]*)\]/.exec(page)?.[1] ?? '';
    assert.match(listed, new RegExp(`'${language}'`), `the page's LANGUAGES has no ${language}`);
    assert.match(page, new RegExp(`^const ${language} = \\{`, 'm'), `the page has no word table ${language}`);
  });
}

test('every prompt the service plays is in English (and so, by the test above, in every language)', () => {
  const english = new Set(promptNamesOf('en'));
  const language = 'en';
  const prompts: Prompt[] = [
    ...[1, 2, 59, 60, 61, 90, 180].map((minutes): Prompt => ({
      kind: 'promise',
      words: { kind: 'within', within: { hours: Math.floor(minutes / 60), minutes: minutes % 60 } },
      language,
    })),
    ...[true, false].flatMap((closedNow): Prompt[] => [
      { kind: 'promise', words: { kind: 'when-open', closedNow, due: { kind: 'day', day: 'tomorrow', part: 'morning' } }, language },
      { kind: 'promise', words: { kind: 'when-open', closedNow, due: { kind: 'days', days: 12 } }, language },
      { kind: 'promise', words: { kind: 'when-open', closedNow, due: { kind: 'weeks', weeks: 30 } }, language },
      { kind: 'promise', words: { kind: 'when-open', closedNow, due: { kind: 'unknown' } }, language },
    ]),
    { kind: 'withheld', language },
    { kind: 'message-thanks', language },
    { kind: 'blocked', language },
    { kind: 'sorry', language },
    ...(['normal', 'away', 'closed', 'unknown'] as const).map((mode): Prompt => ({ kind: 'status', mode, language })),
  ];
  const played = [
    ...prompts.flatMap(promptNames),
    ...legPromptNames({ kind: 'screen', caller: '+4520111111' }),
    ...legPromptNames({ kind: 'screen', caller: null }),
    ...legPromptNames({ kind: 'taken' }),
    ...legPromptNames({ kind: 'callback', number: '+490123456789', minutesAgo: 1 }),
    ...legPromptNames({ kind: 'callback', number: '+4520111111', minutesAgo: 600 }),
  ];
  assert.deepEqual([...new Set(played)].filter((name) => !english.has(name)), []);
});

test('a language is added by adding its file: the config accepts it then, and not before', () => {
  const dir = mkdtempSync(join(tmpdir(), 'nevermiss-langs-'));
  for (const lang of ['en', 'da']) copyFileSync(join(PROMPT_TEXTS_DIR, `${lang}.txt`), join(dir, `${lang}.txt`));
  const raw = { routes: { main: { language: 'fr' }, other: {} } };
  assert.deepEqual(checkLanguages(raw, languagesAvailable(dir)), [
    { path: ['routes', 'main', 'language'], message: 'no prompts for the language "fr": add prompts/src/fr.txt (see prompts/README.md), or use one of da, en' },
  ]);
  assert.equal(missingPrompts('fr', dir).length, promptNamesOf('en', dir).length);

  const english = readFileSync(join(dir, 'en.txt'), 'utf8');
  writeFileSync(join(dir, 'fr.txt'), english.replace('# voice: en-gb', '# voice: fr').replace(/^withheld-thanks\|.*\n/m, ''));
  assert.deepEqual(checkLanguages(raw, languagesAvailable(dir)), []);
  assert.deepEqual(missingPrompts('fr', dir), ['withheld-thanks']);
  assert.deepEqual(promptFileProblems('fr', dir), ['prompts/src/fr.txt lacks 1 prompt(s) that en.txt has: withheld-thanks']);
});

test('the config takes German, and names the languages it could use for one without prompts', () => {
  const config = (language: string): string => `ari: { url: "http://127.0.0.1:8088", username: u, password: p }
prompts: { source: sound }
people: { owner: { phones: { desk: PJSIP/owner-desk } } }
routes:
  main:
    numbers: ["1"]
    language: ${language}
    hunt: [{ ring: [owner], timeout: 20s }]
defaultRoute: main
`;
  const german = parseConfig(config('de'), 'n.yaml', {});
  assert.equal(german.ok && german.config.routes.main?.language, 'de');
  const french = parseConfig(config('fr'), 'n.yaml', {});
  assert.deepEqual(!french.ok && french.problems.map(formatProblem), [
    'n.yaml:7:15 routes.main.language: no prompts for the language "fr": add prompts/src/fr.txt (see prompts/README.md), or use one of da, de, en',
  ]);
  const malformed = parseConfig(config('"German"'), 'n.yaml', {});
  assert.deepEqual(!malformed.ok && malformed.problems.map(formatProblem), [
    'n.yaml:7:15 routes.main.language: expected a language code like "en", "da" or "de", got "German"',
  ]);
});

test('prompt files are read as the script reads them: voice line, comments, bad lines with their numbers', () => {
  const parsed = parsePromptTexts('# voice: de\n# a comment\n\nhello|Hallo\r\nBad Name|x\nno-bar\nempty| \n');
  assert.equal(parsed.voice, 'de');
  assert.deepEqual([...parsed.texts], [['hello', 'Hallo']]);
  assert.deepEqual(parsed.problems, [
    'line 5: bad prompt name "Bad Name" (use a-z, 0-9, - and _)',
    'line 6: expected name|text, got "no-bar"',
    'line 7: empty has no text',
  ]);
});

// Every promise the config allows is spoken from prompt files that exist, in every language.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { legPromptNames, promiseNames } from '../../src/ari/prompts.js';
import { DURATION_LIMITS } from '../../src/config/schema.js';
import { MAX_SPOKEN_NUMBER, spokenDuration, type PromiseWords, type SpokenDue } from '../../src/schedule/promise.js';

const ROOT = join(import.meta.dirname, '..', '..');
const SOURCES = join(ROOT, 'prompts', 'src');
const MINUTE = 60_000;

/** The prompts scripts/make-prompts.sh makes for a language: its name|text lines, num-1 … num-max and beep. */
function promptsOf(file: string): Set<string> {
  const script = readFileSync(join(ROOT, 'scripts', 'make-prompts.sh'), 'utf8');
  const max = Number(/^max_number=(\d+)$/m.exec(script)?.[1]);
  assert.ok(max > 0, 'make-prompts.sh sets max_number');
  const names = readFileSync(join(SOURCES, file), 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.startsWith('#'))
    .map((line) => line.slice(0, line.indexOf('|')));
  return new Set([...names, ...Array.from({ length: max }, (_, i) => `num-${i + 1}`), 'beep']);
}

const languages = readdirSync(SOURCES).filter((file) => file.endsWith('.txt'));

function missing(names: readonly string[], available: ReadonlySet<string>): string[] {
  return names.filter((name) => !available.has(name));
}

test('the prompt texts are there: Danish, German and English', () => {
  assert.deepEqual(languages.toSorted(), ['da.txt', 'de.txt', 'en.txt']);
});

test('every deadline the config accepts is spoken from prompts that exist, and never shorter than it is', () => {
  const { min, max } = DURATION_LIMITS.promiseDeadline;
  // Every whole minute, and a little more than each (10m20s is spoken as 11 minutes).
  const deadlines: number[] = [];
  for (let ms = min; ms <= max; ms += MINUTE) deadlines.push(ms, ms + 1, ms + 20_000, ms + MINUTE - 1);
  for (const file of languages) {
    const available = promptsOf(file);
    for (const deadlineMs of deadlines.filter((ms) => ms <= max)) {
      const spoken = spokenDuration(deadlineMs);
      const spokenMs = (spoken.hours * 60 + spoken.minutes) * MINUTE;
      assert.ok(spokenMs >= deadlineMs && spokenMs - deadlineMs < MINUTE, `${deadlineMs} ms spoken as ${spokenMs} ms`);
      const names = promiseNames({ kind: 'within', within: spoken });
      assert.deepEqual(missing(names, available), [], `${file}: ${deadlineMs} ms -> ${names.join(' ')}`);
    }
  }
});

test('every "when we open" promise is spoken from prompts that exist', () => {
  const days = ['today', 'tomorrow', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
  const dues: SpokenDue[] = [
    ...days.flatMap((day) => (['morning', 'afternoon', 'evening'] as const).map((part): SpokenDue => ({ kind: 'day', day, part }))),
    ...Array.from({ length: MAX_SPOKEN_NUMBER - 6 }, (_, i): SpokenDue => ({ kind: 'days', days: i + 7 })),
    // The schedule looks 400 days ahead at most.
    ...Array.from({ length: 60 }, (_, i): SpokenDue => ({ kind: 'weeks', weeks: i + 1 })),
    { kind: 'unknown' },
  ];
  for (const file of languages) {
    const available = promptsOf(file);
    for (const due of dues) {
      for (const closedNow of [true, false]) {
        const words: PromiseWords = { kind: 'when-open', closedNow, due };
        assert.deepEqual(missing(promiseNames(words), available), [], `${file}: ${JSON.stringify(words)}`);
      }
    }
  }
});

test('the promise as played: 90 minutes, 3 hours, 61 minutes, 45 minutes', () => {
  const said = (ms: number) => promiseNames({ kind: 'within', within: spokenDuration(ms) }).join(' ');
  assert.equal(said(90 * MINUTE), 'promise-intro one-hour and num-30 minutes promise-outro');
  assert.equal(said(180 * MINUTE), 'promise-intro num-3 hours promise-outro');
  assert.equal(said(61 * MINUTE), 'promise-intro one-hour and num-1 minute promise-outro');
  assert.equal(said(45 * MINUTE), 'promise-intro num-45 minutes promise-outro');
  assert.equal(said(10 * MINUTE + 20_000), 'promise-intro num-11 minutes promise-outro');
  assert.equal(said(24 * 60 * MINUTE), 'promise-intro num-24 hours promise-outro');
});

test('a callback announced to a phone: how long ago, from prompts that exist', () => {
  const available = promptsOf('en.txt');
  for (const minutesAgo of [0, 1, 59, 60, 61, 119, 120, 121, 600, 100_000]) {
    const names = legPromptNames({ kind: 'callback', number: '+4520111111', minutesAgo });
    assert.deepEqual(missing(names, available), [], `${minutesAgo} minutes ago -> ${names.join(' ')}`);
  }
});

import { test } from 'node:test';
import assert from 'node:assert/strict';

import { toMedia } from '../../src/ari/prompts.js';
import { runPromptsList } from '../../src/cli/prompts-list.js';
import { parseConfig } from '../../src/config/load.js';
import { promptNamesOf } from '../../src/languages/languages.js';
import {
  initialVoiceState,
  VOICE_PROMPTS,
  voiceTransition,
  walkablePrompts,
  type VoiceEffect,
  type VoiceEvent,
  type VoiceState,
  type VoiceWalk,
} from '../../src/voice/machine.js';
import { createRecordedPrompts, parseStoredPromptName, storedPromptName } from '../../src/voice/recorded.js';

const WALK: VoiceWalk = { prompts: ['promise-intro', 'minutes'], choiceMs: 10_000 };

/** Runs events through the machine; each 'played' is for the playback or wait started last. */
function drive(events: readonly (VoiceEvent | 'played' | 'waited')[], walk: VoiceWalk = WALK): { state: VoiceState; effects: VoiceEffect[][] } {
  let state = initialVoiceState();
  const effects: VoiceEffect[][] = [];
  for (const item of events) {
    const event: VoiceEvent = item === 'played' ? { type: 'played', seq: state.seq } : item === 'waited' ? { type: 'waited', seq: state.seq } : item;
    const result = voiceTransition(walk, state, event);
    state = result.state;
    effects.push(result.effects);
  }
  return { state, effects };
}

const digit = (d: string): VoiceEvent => ({ type: 'digit', digit: d });
const plays = (effects: readonly VoiceEffect[]): unknown[] => effects.filter((e) => e.kind === 'play').map((e) => e.kind === 'play' && e.media);

test('the walk: intro, the current version and "after the tone", a take, its playback and the choice; 1 keeps it', () => {
  const { state, effects } = drive([{ type: 'started' }, 'played', 'played', { type: 'recorded', ok: true }, 'played', digit('1'), { type: 'keptTake', ok: true }]);
  assert.deepEqual(plays(effects[0] ?? []), [[{ prompt: VOICE_PROMPTS.intro }]]);
  assert.deepEqual(plays(effects[1] ?? []), [[{ prompt: 'promise-intro' }, { prompt: VOICE_PROMPTS.afterTone }]]);
  assert.deepEqual(effects[2], [{ kind: 'record' }]);
  assert.deepEqual(plays(effects[3] ?? []), [[{ take: true }, { prompt: VOICE_PROMPTS.choose }]]);
  assert.deepEqual(effects[4], [{ kind: 'wait', seq: 5, ms: 10_000 }]);
  assert.deepEqual(effects[5], [{ kind: 'keep', prompt: 'promise-intro' }]);
  assert.deepEqual(plays(effects[6] ?? []), [[{ prompt: VOICE_PROMPTS.kept }]]);
  assert.equal(state.phase, 'kept');
  assert.deepEqual(state.kept, ['promise-intro']);
});

test('1 while the take still plays cuts it short and keeps it; the cut playback\'s end changes nothing', () => {
  const { state, effects } = drive([{ type: 'started' }, 'played', 'played', { type: 'recorded', ok: true }, digit('1')]);
  assert.deepEqual(effects.at(-1), [{ kind: 'stopPlaying' }, { kind: 'keep', prompt: 'promise-intro' }]);
  assert.deepEqual(voiceTransition(WALK, state, { type: 'played', seq: state.seq - 1 }), { state, effects: [] });
  assert.equal(state.phase, 'keeping');
});

test('2 throws the take away and records again after the tone', () => {
  const { state, effects } = drive([{ type: 'started' }, 'played', 'played', { type: 'recorded', ok: true }, 'played', digit('2'), 'played']);
  assert.deepEqual(effects[5], [{ kind: 'discardTake' }, { kind: 'play', seq: 6, media: [{ prompt: VOICE_PROMPTS.afterTone }] }]);
  assert.deepEqual(effects[6], [{ kind: 'record' }]);
  assert.equal(state.phase, 'recording');
  assert.equal(state.take, false);
});

test('# skips: while the current version plays, and at the choice (the take is thrown away)', () => {
  const whilePlaying = drive([{ type: 'started' }, 'played', digit('#')]);
  assert.deepEqual(whilePlaying.effects[2], [
    { kind: 'stopPlaying' },
    { kind: 'play', seq: 3, media: [{ prompt: 'minutes' }, { prompt: VOICE_PROMPTS.afterTone }] },
  ]);
  assert.deepEqual(whilePlaying.state.skipped, ['promise-intro']);

  const atChoice = drive([{ type: 'started' }, 'played', 'played', { type: 'recorded', ok: true }, 'played', digit('#')]);
  assert.deepEqual(atChoice.effects[5], [
    { kind: 'discardTake' },
    { kind: 'play', seq: 6, media: [{ prompt: 'minutes' }, { prompt: VOICE_PROMPTS.afterTone }] },
  ]);
});

test('after the last prompt: the goodbye, then hang up', () => {
  const { state, effects } = drive([{ type: 'started' }, 'played', digit('#'), digit('#'), 'played']);
  assert.deepEqual(plays(effects[3] ?? []), [[{ prompt: VOICE_PROMPTS.done }]]);
  assert.deepEqual(effects[4], [{ kind: 'hangup' }]);
  assert.equal(state.phase, 'ended');
  assert.deepEqual(state.skipped, ['promise-intro', 'minutes']);
});

test('digits are ignored while recording (# ends the recording in Asterisk) and other keys at the choice', () => {
  const recording = drive([{ type: 'started' }, 'played', 'played', digit('#'), digit('1')]);
  assert.equal(recording.state.phase, 'recording');
  assert.deepEqual(recording.effects.slice(3), [[], []]);
  const choosing = drive([{ type: 'started' }, 'played', 'played', { type: 'recorded', ok: true }, 'played', digit('5')]);
  assert.deepEqual(choosing.effects[5], []);
});

test('an empty take asks again; no answer to the choice repeats it once, then the take goes and the walk ends', () => {
  const empty = drive([{ type: 'started' }, 'played', 'played', { type: 'recorded', ok: false }]);
  assert.deepEqual(plays(empty.effects[3] ?? []), [[{ prompt: VOICE_PROMPTS.afterTone }]]);
  assert.equal(empty.state.phase, 'current');

  const silent = drive([{ type: 'started' }, 'played', 'played', { type: 'recorded', ok: true }, 'played', 'waited', 'played', 'waited']);
  assert.deepEqual(plays(silent.effects[5] ?? []), [[{ prompt: VOICE_PROMPTS.choose }]]);
  assert.deepEqual(silent.effects[7], [{ kind: 'discardTake' }, { kind: 'play', seq: 8, media: [{ prompt: VOICE_PROMPTS.done }] }]);
});

test('a hang-up ends the walk and throws away a take not kept; a failed copy skips the prompt', () => {
  const hungUp = drive([{ type: 'started' }, 'played', 'played', { type: 'recorded', ok: true }, { type: 'hungUp' }]);
  assert.deepEqual(hungUp.effects[4], [{ kind: 'discardTake' }]);
  assert.equal(hungUp.state.phase, 'ended');
  assert.deepEqual(voiceTransition(WALK, hungUp.state, digit('1')).effects, []);

  const failed = drive([{ type: 'started' }, 'played', 'played', { type: 'recorded', ok: true }, digit('1'), { type: 'keptTake', ok: false }]);
  assert.deepEqual(failed.state.skipped, ['promise-intro']);
  assert.equal(failed.state.phase, 'current');
});

test('the walk offers every line of the language file but its own words, which every language has', () => {
  const english = promptNamesOf('en');
  for (const name of Object.values(VOICE_PROMPTS)) assert.ok(english.includes(name), name);
  const walked = walkablePrompts(['promise-intro', VOICE_PROMPTS.intro, 'minutes', VOICE_PROMPTS.done]);
  assert.deepEqual(walked, ['promise-intro', 'minutes']);
});

test('a kept recording plays instead of the generated prompt, from the sound folder or over HTTP alike', async () => {
  assert.equal(storedPromptName('de', 'promise-intro'), 'nevermiss-de-promise-intro');
  assert.deepEqual(parseStoredPromptName('nevermiss-pt_BR-num-1'), { language: 'pt_BR', prompt: 'num-1' });
  assert.equal(parseStoredPromptName('message-1700000000.12'), null);
  assert.equal(parseStoredPromptName('nevermiss-take-1700000000.12'), null);

  const recorded = createRecordedPrompts(() => Promise.resolve(['nevermiss-de-promise-intro', 'message-17.1', 'nevermiss-take-17_1']));
  await recorded.refresh();
  recorded.add('en', 'minutes');
  const names = ['promise-intro', 'minutes'];
  assert.deepEqual(toMedia(names, 'de', { source: 'sound', recorded }), ['recording:nevermiss-de-promise-intro', 'sound:nevermiss/minutes']);
  assert.deepEqual(toMedia(names, 'en', { source: 'http', baseUrl: 'http://nm:8080/', recorded }), [
    'sound:http://nm:8080/prompts/en/nevermiss/promise-intro.wav',
    'recording:nevermiss-en-minutes',
  ]);

  const failing = createRecordedPrompts(() => Promise.reject(new Error('ARI down')));
  await assert.rejects(failing.refresh());
  assert.equal(failing.has('de', 'promise-intro'), false);
});

test('prompts list: per prompt of each language in use, recorded or generated; the numbers on one line', async () => {
  const parsed = parseConfig(
    `ari: { url: "http://127.0.0.1:8088", username: u, password: p }
prompts: { source: sound }
people: { owner: { phones: { desk: PJSIP/owner-desk } } }
routes:
  main: { numbers: ["1"], language: de, hunt: [{ ring: [owner], timeout: 20s }] }
  other: { numbers: ["2"], language: en, hunt: [{ ring: [owner], timeout: 20s }] }
defaultRoute: main
`,
    'n.yaml',
    {},
  );
  assert.ok(parsed.ok);
  const lines: string[] = [];
  const stored = ['nevermiss-de-promise-intro', 'nevermiss-de-num-5', 'nevermiss-take-x', 'message-1'];
  const code = await runPromptsList(parsed.config, { listStored: () => Promise.resolve(stored) }, (line) => lines.push(line));
  assert.equal(code, 0);
  const total = promptNamesOf('de').length;
  assert.equal(lines[0], `de: 2 of ${total} prompts recorded in your own voice, the rest generated`);
  assert.match(lines.join('\n'), /^ {2}promise-intro +recorded$/m);
  assert.match(lines.join('\n'), /^ {2}minutes +generated$/m);
  assert.match(lines.join('\n'), /^ {2}num-1 … num-120 +recorded: num-5; the others generated$/m);
  assert.ok(lines.includes(`en: 0 of ${promptNamesOf('en').length} prompts recorded in your own voice, the rest generated`), lines.join('\n'));

  const unknown: string[] = [];
  assert.equal(await runPromptsList(parsed.config, { lang: 'fr', listStored: () => Promise.resolve([]) }, (line) => unknown.push(line)), 1);
  assert.deepEqual(unknown, ['no prompts for fr; languages with prompts: da, de, en']);

  const down: string[] = [];
  assert.equal(await runPromptsList(parsed.config, { listStored: () => Promise.reject(new Error('connect ECONNREFUSED')) }, (line) => down.push(line)), 1);
  assert.deepEqual(down, ['cannot tell which prompts are recorded: connect ECONNREFUSED']);
});

// The firm's own voice on the sandbox PBX: the owner dials *79 from the desk phone, hears the
// first prompt, speaks a new one after the tone (SIPp sends real speech from a pcap), ends it with
// #, keeps it with 1 while it plays back, and skips the next prompt with # (RFC 4733 digits from
// sip-tester's pcaps). The kept take is an Asterisk stored recording, `nevermiss prompts list`
// shows it recorded, the take itself is gone, and the next caller nobody answers hears the
// owner's recording in the promise.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';

import { useBench, until } from '../support/bench.js';
import { ARI_PASSWORD, ARI_URL, ARI_USER, CALLER_PORTS, TEST_DID, ariRequest, waitForNoChannels } from '../support/sandbox.js';
import { placeCall, startCall, summarizeCall } from '../support/sipp.js';

const ROOT = join(import.meta.dirname, '..', '..');
const KEPT = 'nevermiss-en-promise-intro';

const RULES = `
people:
  owner:
    phones:
      desk: PJSIP/owner-desk
routes:
  main:
    numbers: ["${TEST_DID}"]
    language: en
    hunt:
      - ring: [owner]
        timeout: 2s
defaultRoute: main
`;

/** Seconds of audio in one of our prompt files (8 kHz, 16-bit mono WAV: 16,000 bytes a second). */
function seconds(prompt: string): number {
  const wav = readFileSync(join(ROOT, 'prompts', 'build', 'en', 'nevermiss', `${prompt}.wav`));
  return (wav.length - 44) / 16_000;
}

async function storedRecordings(): Promise<string[]> {
  const { body } = await ariRequest('GET', '/recordings/stored');
  return (body as Array<{ name: string }>).map((recording) => recording.name);
}

/** The loudness of a WAV's samples (RMS of 16-bit PCM, 0..32767). */
function loudness(wav: Buffer): number {
  const data = wav.subarray(44);
  let sum = 0;
  for (let i = 0; i + 1 < data.length; i += 2) sum += data.readInt16LE(i) ** 2;
  return Math.sqrt(sum / Math.max(1, data.length / 2));
}

describe("the firm's own voice", { timeout: 180_000 }, () => {
  const bench = useBench();

  it('*79 walks through the prompts: a take recorded, played back, kept with 1; # skips; prompts list shows it; callers hear it', async () => {
    await ariRequest('DELETE', `/recordings/stored/${KEPT}`);
    bench.onCleanup(() => ariRequest('DELETE', `/recordings/stored/${KEPT}`));
    const service = await bench.service({ rules: RULES });
    await service.start();

    // The recording starts after the intro, the current prompt, "after the tone" and the beep.
    const recordingAt = (seconds('voice-intro') + seconds('promise-intro') + seconds('voice-after-tone')) * 1000 + 1_500;
    const call = await placeCall({
      to: '*79',
      from: '101',
      callerPort: CALLER_PORTS.deskOut,
      maxWaitMs: 20_000,
      afterAnswer: [
        { atMs: recordingAt + 500, send: 'speech' }, // 7 s of speech
        { atMs: recordingAt + 8_000, send: '#' }, // ends the take
        { atMs: recordingAt + 9_500, send: '1' }, // keeps it while it plays back
        { atMs: recordingAt + 12_500, send: '#' }, // skips "minutes" while it plays
      ],
      talkMs: 2_000,
    });
    assert.equal(call.status, 200, `the feature code is answered: ${JSON.stringify(summarizeCall(call))}`);

    const ended = await service.waitForLog((line) => line.message === 'voice walk ended', 15_000);
    assert.deepEqual(ended['kept'], ['promise-intro'], service.tail(40));
    assert.equal(ended['skipped'], 1, 'only "minutes" was skipped before the hang-up');

    const stored = await until('the kept recording', async () => ((await storedRecordings()).includes(KEPT) ? true : undefined), 5_000);
    assert.equal(stored, true);
    assert.deepEqual((await storedRecordings()).filter((name) => name.startsWith('nevermiss-take-')), [], 'the take is deleted once kept');

    const file = await fetch(`${ARI_URL}/ari/recordings/stored/${KEPT}/file`, {
      headers: { authorization: `Basic ${Buffer.from(`${ARI_USER}:${ARI_PASSWORD}`).toString('base64')}` },
    });
    assert.equal(file.status, 200);
    const wav = Buffer.from(await file.arrayBuffer());
    assert.ok(wav.length > 44 + 16_000 * 3, `at least 3 s of audio, got ${wav.length} bytes`);
    assert.ok(loudness(wav) > 300, `the take holds the speech, not silence (RMS ${loudness(wav).toFixed(0)})`);

    const list = await promisify(execFile)(process.execPath, ['--import', 'tsx', join(ROOT, 'src', 'cli', 'main.ts'), 'prompts', 'list', '-c', service.configFile], { cwd: ROOT });
    assert.match(list.stdout, /^en: 1 of \d+ prompts recorded in your own voice/m);
    assert.match(list.stdout, /^ {2}promise-intro +recorded$/m);
    assert.match(list.stdout, /^ {2}minutes +generated$/m);

    // A caller nobody answers hears the promise: its first part is now the owner's recording.
    const caller = await startCall({ to: TEST_DID, from: '4520111111', maxWaitMs: 30_000 });
    const arrived = await service.waitForLog((line) => line.message === 'call arrived', 15_000);
    const callId = String(arrived['callId']);
    const heard = await until('a playback of the kept recording on the caller', async () => {
      for (let n = 1; n <= 4; n += 1) {
        const { status, body } = await ariRequest('GET', `/playbacks/${encodeURIComponent(`${callId}-pb-${n}`)}`);
        const media = status === 200 ? (body as { media_uri?: string }).media_uri : undefined;
        if (media?.startsWith('recording:') === true) return media;
      }
      return undefined;
    }, 25_000);
    assert.equal(heard, `recording:${KEPT}`);
    // SIPp killed sends no BYE: the caller's channel is hung up on the PBX, or it would wait in
    // Stasis (up to the snippet's 4-hour limit) after the service of this test is gone.
    await caller.kill();
    const hangup = await ariRequest('DELETE', `/channels/${encodeURIComponent(callId)}`);
    assert.ok(hangup.status === 204 || hangup.status === 404, `hang up the caller: HTTP ${hangup.status}`);
    await waitForNoChannels(10_000);
  });
});

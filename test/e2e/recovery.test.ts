// Prompts fetched over HTTP by Asterisk from the service. (What survives a crash: call-faults.test.ts.)
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PHONES, TEST_DID } from '../support/sandbox.js';
import { placeCall } from '../support/sipp.js';
import { useBench } from '../support/bench.js';

const RULES = `
people:
  owner:
    phones:
      desk: PJSIP/owner-desk
routes:
  main:
    numbers: ["${TEST_DID}"]
    language: da
    hunt:
      - ring: [owner]
        timeout: 2s
defaultRoute: main
`;

describe('remote prompts', { timeout: 300_000 }, () => {
  const bench = useBench();

  it('with prompts.source http, Asterisk fetches the prompts from the service and plays them', async () => {
    const remote = await bench.service({ rules: RULES, promptsSource: 'http' });
    await remote.start();
    await bench.phone({ port: PHONES['owner-desk'], behavior: 'ring' });

    const call = await placeCall({ to: TEST_DID, from: '4520123123', maxWaitMs: 40_000 });
    assert.equal(call.status, 200);
    assert.equal(call.hungUpBy, 'asterisk');
    assert.ok((call.talkMs ?? 0) > 3_000, `the Danish promise played for ${call.talkMs} ms`);
    const served = remote.logs.filter((line) => line.message === 'prompt served').map((line) => `${String(line['lang'])}/${String(line['file'])}`);
    assert.ok(served.includes('da/promise-intro.wav') && served.includes('da/num-10.wav'), `served: ${served.join(', ')}`);
    const failed = remote.logs.filter((line) => line.message === 'play failed');
    assert.deepEqual(failed, []);
    const ended = await remote.waitForLog((line) => line.message === 'call ended: callback-pending');
    assert.equal(ended['called'], TEST_DID);
  });
});

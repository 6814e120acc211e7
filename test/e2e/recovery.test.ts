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

const RULES_90_MINUTES = `
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
    promise: { deadline: 90m }
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

  it('a 90-minute deadline is spoken as "within one hour and 30 minutes", from prompts that exist, in that order', async (t) => {
    const remote = await bench.service({ rules: RULES_90_MINUTES, promptsSource: 'http' });
    await remote.start();
    await bench.phone({ port: PHONES['owner-desk'], behavior: 'ring' });

    const call = await placeCall({ to: TEST_DID, from: '4520123124', maxWaitMs: 60_000 });
    assert.equal(call.status, 200);
    assert.equal(call.hungUpBy, 'asterisk', 'the promise played to its end');
    await remote.waitForLog((line) => line.message === 'call ended: callback-pending');
    const served = remote.logs.filter((line) => line.message === 'prompt served').map((line) => `${String(line['lang'])}/${String(line['file'])}`);
    t.diagnostic(`spoken, in the order Asterisk fetched them: ${served.join(' ')}`);
    assert.deepEqual(served, ['en/promise-intro.wav', 'en/one-hour.wav', 'en/and.wav', 'en/num-30.wav', 'en/minutes.wav', 'en/promise-outro.wav']);
    assert.deepEqual(remote.logs.filter((line) => line.message === 'play failed' || line.message === 'prompt requested but not found'), []);
    const callback = (await bench.redis.keys(`{${remote.keyPrefix}}:callback:*`)).filter((key) => !key.endsWith(':history'));
    assert.equal(callback.length, 1);
    const dueAt = Number(await bench.redis.hget(callback[0] ?? '', 'dueAt'));
    const createdAt = Number(await bench.redis.hget(callback[0] ?? '', 'createdAt'));
    assert.ok(Math.abs(dueAt - createdAt - 90 * 60_000) < 2_000, `due 90 minutes after the call was recorded: ${dueAt - createdAt} ms`);
  });

  it('a caller whose number we don\'t call back (112) hears so instead of a promise; the missed call is kept with the reason', async () => {
    const remote = await bench.service({ rules: RULES_90_MINUTES, promptsSource: 'http' });
    await remote.start();
    await bench.phone({ port: PHONES['owner-desk'], behavior: 'ring' });

    const call = await placeCall({ to: TEST_DID, from: '112', maxWaitMs: 60_000 });
    assert.equal(call.status, 200);
    assert.equal(call.hungUpBy, 'asterisk');
    await remote.waitForLog((line) => line.message === 'call ended: callback-pending');
    const served = remote.logs.filter((line) => line.message === 'prompt served').map((line) => `${String(line['lang'])}/${String(line['file'])}`);
    assert.deepEqual(served, ['en/cannot-call-back.wav']);
    const [key] = (await bench.redis.keys(`{${remote.keyPrefix}}:callback:*`)).filter((k) => !k.endsWith(':history'));
    assert.equal(await bench.redis.hget(key ?? '', 'caller'), '112');
    const history = (await bench.redis.lrange(`${key ?? ''}:history`, 0, -1)).map((entry) => JSON.parse(entry) as { event: string; detail?: string });
    assert.deepEqual(history.map((entry) => [entry.event, entry.detail]), [['created', 'can\'t call back: "112" is not a phone number that can be called']]);
  });
});

// Busy-skip from device states (docs/decisions/0025): the service watches each phone's state
// through ARI events instead of asking per call, and sees calls it did not make itself.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { useBench, until } from '../support/bench.js';
import { ariRequest, CALLER_PORTS, PHONES, TEST_DID } from '../support/sandbox.js';
import { placeCall, startCall } from '../support/sipp.js';

const RULES = `
people:
  owner:
    phones:
      desk: PJSIP/owner-desk
      mobile: PJSIP/owner-mobile
  colleague:
    phones:
      mobile: PJSIP/colleague
routes:
  main:
    numbers: ["${TEST_DID}"]
    hunt:
      - ring: [owner]
        timeout: 6s
      - ring: [colleague]
        timeout: 6s
defaultRoute: main
`;

describe('busy state from device-state events', { timeout: 300_000 }, () => {
  const bench = useBench();

  it('a call the PBX carries without nevermiss makes the phones busy: the next hunt skips them at once', async () => {
    const service = await bench.service({ rules: RULES });
    await service.start();
    const desk = await bench.phone({ port: PHONES['owner-desk'], behavior: 'answer', ringMs: 300 });
    const mobile = await bench.phone({ port: PHONES['owner-mobile'], behavior: 'ring' });
    const colleague = await bench.phone({ port: PHONES.colleague, behavior: 'answer', ringMs: 300 });

    // A first call through nevermiss: the owner's phones are watched from now on.
    const first = await placeCall({ to: TEST_DID, from: '4520111130', talkMs: 300, maxWaitMs: 20_000 });
    assert.equal(first.status, 200);
    const app = await until('the app to watch the owner\'s phones', async () => {
      const found = await ariRequest('GET', '/applications/nevermiss');
      const names = (found.body as { device_names?: string[] }).device_names ?? [];
      return names.includes('PJSIP/owner-desk') && names.includes('PJSIP/owner-mobile') ? names : undefined;
    });
    assert.ok(app.includes('PJSIP/owner-desk'));

    // The desk takes a call from plain dialplan (no nevermiss): only an event can tell the service.
    const plain = await startCall({ to: TEST_DID, from: '4520111131', callerPort: CALLER_PORTS.plain, talkMs: 8_000, maxWaitMs: 20_000 });
    await desk.waitFor((calls) => calls.filter((call) => call.answered).length === 2, 10_000);
    await mobile.waitFor((calls) => calls.every((call) => call.cancelled), 5_000);
    const mobileBefore = mobile.calls().length;

    // The owner's step rings the idle mobile only (it never answers), then the colleague takes the call.
    const second = await placeCall({ to: TEST_DID, from: '4520111132', callerPort: CALLER_PORTS.caller2, talkMs: 300, maxWaitMs: 20_000 });
    assert.equal(second.status, 200);
    assert.equal(desk.calls().length, 2, 'the desk, in the plain call, was not rung by the second hunt');
    assert.equal(mobile.calls().length, mobileBefore + 1, 'the idle mobile rang');
    assert.equal(colleague.calls().length, 1, 'the colleague took the second call');
    assert.equal((await plain.done).status, 200);

    // Known from events, not asked per call: no fallback to the endpoint's channels was needed.
    const fallbacks = service.logs.filter((line) => line.message.startsWith('device state not known'));
    assert.deepEqual(fallbacks, [], 'every question was answered from the watched states');
  });
});

// Prompts fetched over HTTP by Asterisk from the service (what survives a crash: call-faults.test.ts).
import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { PHONES, TEST_DID, ensureSandbox, stasisAppConnected, waitForNoChannels } from '../support/sandbox.js';
import { ensureRedis, deleteNevermissKeys } from '../support/redis.js';
import { placeCall, startPhone, type PhoneHandle } from '../support/sipp.js';
import { Service } from '../support/service.js';

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

describe('recovery and remote prompts', { timeout: 300_000 }, () => {
  const services: Service[] = [];
  let phones: PhoneHandle[] = [];
  const redis = new Redis('redis://127.0.0.1:6379/0');

  before(async () => {
    await Promise.all([ensureSandbox(), ensureRedis()]);
    assert.equal(await stasisAppConnected(), false, 'another process holds the Stasis app "nevermiss"; stop it first');
  });

  beforeEach(async () => {
    await waitForNoChannels(15_000);
  });

  afterEach(async () => {
    await Promise.all(phones.map((phone) => phone.stop()));
    phones = [];
    for (const service of services.splice(0)) {
      await service.stop();
      await deleteNevermissKeys(redis, service.keyPrefix);
      service.cleanup();
    }
  });

  after(() => redis.disconnect());

  async function service(options: Parameters<typeof Service.create>[0]): Promise<Service> {
    const created = await Service.create(options);
    services.push(created);
    return created;
  }

  it('with prompts.source http, Asterisk fetches the prompts from the service and plays them', async () => {
    const remote = await service({ rules: RULES, promptsSource: 'http' });
    await remote.start();
    const desk = await startPhone({ port: PHONES['owner-desk'], behavior: 'ring' });
    phones = [desk];

    const call = await placeCall({ to: TEST_DID, from: '4520123123', maxWaitMs: 40_000 });
    assert.equal(call.status, 200);
    assert.equal(call.hungUpBy, 'asterisk');
    assert.ok((call.talkMs ?? 0) > 3_000, `the Danish promise played for ${call.talkMs} ms`);
    const served = remote.logs.filter((line) => line.message === 'prompt served').map((line) => `${String(line['lang'])}/${String(line['file'])}`);
    assert.ok(served.includes('da/promise-intro.wav') && served.includes('da/num-10.wav'), `served: ${served.join(', ')}`);
    const failed = remote.logs.filter((line) => line.message === 'could not play prompt');
    assert.deepEqual(failed, []);
    const ended = await remote.waitForLog((line) => line.message === 'call ended: callback-pending');
    assert.equal(ended['called'], TEST_DID);
  });
});

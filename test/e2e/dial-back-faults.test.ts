// A dial-back never leaves its callback stuck in `dialing`: not when ARI is unreachable as it
// starts (a TCP fault proxy between the service and Asterisk, cut), and not when the service is
// killed in the middle of it (the dialing lease runs out; the restarted service's sweep finds it).
import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { PHONES, ensureSandbox, stasisAppConnected, waitForNoChannels } from '../support/sandbox.js';
import { ensureRedis, deleteNevermissKeys } from '../support/redis.js';
import { startPhone, type PhoneHandle, type PhoneOptions } from '../support/sipp.js';
import { Service } from '../support/service.js';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { createCallbackStore, type CallbackStore } from '../../src/callbacks/store.js';
import type { Callback } from '../../src/callbacks/types.js';

const RULES = `
firm:
  name: Hansen VVS
  number: "+4530123456"
people:
  owner:
    phones:
      desk: PJSIP/owner-desk
routes:
  main:
    numbers: ["4530123456"]
    hunt:
      - ring: [owner]
        timeout: 2s
callbacks:
  minTalk: 2s
  dialLease: 5s
  dial: "Local/{number}@sandbox-customers/n"
defaultRoute: main
`;

describe('dial-back faults', { timeout: 300_000 }, () => {
  const redis = new Redis('redis://127.0.0.1:6379/0');
  let services: Service[] = [];
  let phones: PhoneHandle[] = [];
  let proxies: FaultProxy[] = [];

  before(async () => {
    await Promise.all([ensureSandbox(), ensureRedis()]);
    assert.equal(await stasisAppConnected(), false, 'another process holds the Stasis app "nevermiss"; stop it first');
  });

  beforeEach(async () => {
    await waitForNoChannels(40_000);
  });

  afterEach(async () => {
    await Promise.all(phones.map((phone) => phone.stop()));
    phones = [];
    for (const service of services) {
      await service.stop();
      await deleteNevermissKeys(redis, service.keyPrefix);
      service.cleanup();
    }
    services = [];
    for (const proxy of proxies) await proxy.close();
    proxies = [];
  });

  after(() => redis.disconnect());

  async function serve(options: { ariUrl?: string } = {}): Promise<{ service: Service; store: CallbackStore }> {
    const service = await Service.create({ rules: RULES, ...options });
    services.push(service);
    await service.start();
    return { service, store: createCallbackStore(redis, service.keyPrefix) };
  }

  async function phone(name: keyof typeof PHONES, options: Omit<PhoneOptions, 'port'>): Promise<PhoneHandle> {
    const handle = await startPhone({ port: PHONES[name], ...options });
    phones.push(handle);
    return handle;
  }

  /** A missed call from +4520410001, as the call flow records it. */
  async function missedCall(store: CallbackStore, caller: string): Promise<Callback> {
    const now = Date.now();
    const { id } = await store.recordMissedCall({ callId: `e2e-${caller}-${now}`, caller, called: '+4530123456', route: 'main', language: 'en', at: now, dueAt: now + 600_000 });
    const callback = await store.get(id);
    assert.ok(callback);
    return callback;
  }

  const dial = (service: Service, id: string): Promise<Response> =>
    fetch(`${service.url}/api/callbacks/${id}/dial`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ by: 'owner' }) });

  async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const found = await probe();
      if (found !== undefined) return found;
      if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
      await sleep(200);
    }
  }

  it('a dial-back started while ARI is unreachable: 503 with the coded error, the callback pending again, and after heal a dial-back works', async () => {
    const proxy = await startFaultProxy({ host: '127.0.0.1', port: 8088 });
    proxies.push(proxy);
    const { service, store } = await serve({ ariUrl: `http://${proxy.address}` });
    const callback = await missedCall(store, '+4520410001');

    proxy.cut(120_000);
    await service.waitForHealth(false, 15_000);
    const refused = await dial(service, callback.id);
    const body = (await refused.json()) as { code?: string; message?: string };
    assert.equal(refused.status, 503, JSON.stringify(body));
    assert.equal(body.code, 'NM_ARI_UNREACHABLE');
    assert.match(body.message ?? '', /could not ring owner's phones .*pending again/);

    assert.notEqual((await service.health()).status, 0, 'the service still answers');
    const after = await store.get(callback.id);
    assert.deepEqual([after?.status, after?.dialingBy, after?.dialAttempts], ['pending', undefined, 0]);
    const last = (await store.history(callback.id)).at(-1);
    assert.deepEqual([last?.event, last?.from, last?.to], ['dial-abandoned', 'dialing', 'pending']);
    assert.match(last?.detail ?? '', /NM_ARI_UNREACHABLE/);
    const again = await dial(service, callback.id);
    assert.equal(again.status, 503, 'a second try while down: the same clear answer, not 409 busy');

    proxy.heal();
    await service.waitForHealth(true, 30_000);
    const desk = await phone('owner-desk', { behavior: 'answer', ringMs: 500, dtmf: { digit: '1', afterMs: 2_000 } });
    await phone('phone-5075', { behavior: 'answer', ringMs: 500, talkMs: 4_000 });
    const healed = await dial(service, callback.id);
    assert.equal(healed.status, 202, await healed.text());
    const done = await waitFor('the callback done', async () => {
      const current = await store.get(callback.id);
      return current?.status === 'done' ? current : undefined;
    }, 60_000);
    assert.ok((done.talkMs ?? 0) >= 2_000);
    assert.equal(desk.calls()[0]?.dtmf?.digit, '1');
    const events = (await store.history(callback.id)).map((entry) => entry.event);
    assert.deepEqual(events, ['created', 'dial-started', 'dial-abandoned', 'dial-started', 'dial-abandoned', 'dial-started', 'done']);
  });

  it('a service killed mid dial-back: the live dial renews its lease; after the restart the callback is pending again', async () => {
    const { service, store } = await serve();
    const callback = await missedCall(store, '+4520410002');
    await phone('owner-desk', { behavior: 'ring' });
    const started = await dial(service, callback.id);
    assert.equal(started.status, 202, await started.text());

    // Twice the 5 s lease: the live session must have renewed it meanwhile.
    await sleep(10_000);
    const live = await store.get(callback.id);
    assert.equal(live?.status, 'dialing');
    assert.ok((live?.dialLeaseUntil ?? 0) > Date.now(), `the lease was renewed (ends ${String(live?.dialLeaseUntil)}, now ${Date.now()})`);

    await service.kill();
    await sleep(6_000);
    assert.equal((await store.get(callback.id))?.status, 'dialing', 'nobody has swept it yet');

    await service.start();
    const pending = await waitFor('the callback pending again', async () => {
      const current = await store.get(callback.id);
      return current?.status === 'pending' ? current : undefined;
    }, 10_000);
    assert.equal(pending.dialAttempts, 0, 'not counted as an attempt');
    const abandoned = (await store.history(callback.id)).filter((entry) => entry.event === 'dial-abandoned');
    assert.equal(abandoned.length, 1);
    assert.match(abandoned[0]?.detail ?? '', /^dial-back abandoned: the service that dialled stopped/);
  });
});

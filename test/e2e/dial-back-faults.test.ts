// A dial-back never leaves its callback stuck in `dialing`: not when ARI is unreachable as it
// starts (a TCP fault proxy between the service and Asterisk, cut), and not when the service is
// killed in the middle of it (the dialing lease runs out; the restarted service's sweep finds it).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { PHONES } from '../support/sandbox.js';
import type { PhoneHandle, PhoneOptions } from '../support/sipp.js';
import type { Service } from '../support/service.js';
import { until, useBench } from '../support/bench.js';
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
  const bench = useBench({ channelsGoneMs: 40_000 });
  const { redis } = bench;

  async function serve(options: { ariUrl?: string } = {}): Promise<{ service: Service; store: CallbackStore }> {
    const service = await bench.service({ rules: RULES, ...options });
    await service.start();
    return { service, store: createCallbackStore(redis, service.keyPrefix) };
  }

  async function phone(name: keyof typeof PHONES, options: Omit<PhoneOptions, 'port'>): Promise<PhoneHandle> {
    return bench.phone({ port: PHONES[name], ...options });
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
    service.api(`/api/callbacks/${id}/dial`, { method: 'POST', body: { by: 'owner' } });

  it('a dial-back started while ARI is unreachable: 503 with the coded error, the callback pending again, and after heal a dial-back works', async () => {
    const proxy = await bench.proxy({ host: '127.0.0.1', port: 8088 });
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
    const done = await until('the callback done', async () => {
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
    const pending = await until('the callback pending again', async () => {
      const current = await store.get(callback.id);
      return current?.status === 'pending' ? current : undefined;
    }, 10_000);
    assert.equal(pending.dialAttempts, 0, 'not counted as an attempt');
    const abandoned = (await store.history(callback.id)).filter((entry) => entry.event === 'dial-abandoned');
    assert.equal(abandoned.length, 1);
    assert.match(abandoned[0]?.detail ?? '', /^dial-back abandoned: the service that dialled stopped/);
  });
});

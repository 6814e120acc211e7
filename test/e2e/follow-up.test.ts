// Keeping every promise, end to end: notifications to real receivers, the one-step dial-back on
// the sandbox PBX, callbacks closed by the customer's own call or an outbound call, two service
// instances on one Redis, and a service killed between reminder and deadline.
import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { CALLER_PORTS, PHONES, TEST_DID, ensureSandbox, setOutboundReport, stasisAppConnected, waitForNoChannels } from '../support/sandbox.js';
import { ensureRedis, deleteNevermissKeys } from '../support/redis.js';
import { placeCall, startPhone, type PhoneHandle, type PhoneOptions } from '../support/sipp.js';
import { Service } from '../support/service.js';
import { startReceivers, type Receivers } from '../support/receivers.js';
import { createCallbackStore, type CallbackStore } from '../../src/callbacks/store.js';
import type { Callback } from '../../src/callbacks/types.js';

const SECRET = 'e2e-webhook-secret-0123456789';

function rules(receivers: Receivers, options: { deadline?: string; remindAt?: string } = {}): string {
  return `
sms:
  url: ${receivers.webhookUrl('/sms')}
firm:
  name: Hansen VVS
  number: "+4530123456"
smtp:
  url: ${receivers.smtpUrl}
  from: "nevermiss <nevermiss@hansen.test>"
people:
  owner:
    phones:
      desk: PJSIP/owner-desk
    notify:
      email: anna@hansen.test
      webhook: { url: "${receivers.webhookUrl('/owner')}", secret: "${SECRET}" }
  colleague:
    phones:
      mobile: PJSIP/colleague
    notify:
      webhook: { url: "${receivers.webhookUrl('/colleague')}", secret: "${SECRET}" }
routes:
  main:
    numbers: ["${TEST_DID}"]
    hunt:
      - ring: [colleague]
        timeout: 2s
    promise:
      deadline: ${options.deadline ?? '10m'}
    textBack:
      window: 24h
callbacks:
  notify: [owner]
  remindAt: ${options.remindAt ?? '70%'}
  escalateTo: [colleague]
  attempts: 3
  minTalk: 20s
  dial: "Local/{number}@sandbox-customers/n"
defaultRoute: main
`;
}

describe('keeping every promise', { timeout: 900_000 }, () => {
  const redis = new Redis('redis://127.0.0.1:6379/0');
  let receivers: Receivers;
  let services: Service[] = [];
  let phones: PhoneHandle[] = [];

  before(async () => {
    await Promise.all([ensureSandbox(), ensureRedis()]);
    assert.equal(await stasisAppConnected(), false, 'another process holds the Stasis app "nevermiss"; stop it first');
    receivers = await startReceivers(SECRET);
  });

  beforeEach(async () => {
    await waitForNoChannels(15_000);
    receivers.deliveries.length = 0;
    receivers.mails.length = 0;
  });

  afterEach(async () => {
    await Promise.all(phones.map((phone) => phone.stop()));
    phones = [];
    const prefixes = new Set(services.map((service) => service.keyPrefix));
    for (const service of services) {
      await service.stop();
      service.cleanup();
    }
    services = [];
    for (const prefix of prefixes) {
      await deleteNevermissKeys(redis, prefix);
    }
  });

  after(async () => {
    await receivers.close();
    redis.disconnect();
  });

  async function serve(text: string, extra: { keyPrefix?: string; app?: string } = {}, role: 'active' | 'standby' = 'active'): Promise<Service> {
    const service = await Service.create({ rules: text, ...extra });
    services.push(service);
    await service.start(30_000, role);
    return service;
  }

  async function phone(name: keyof typeof PHONES, options: Omit<PhoneOptions, 'port'>): Promise<PhoneHandle> {
    const handle = await startPhone({ port: PHONES[name], ...options });
    phones.push(handle);
    return handle;
  }

  /** A missed call from `from`: the colleague's phone rings out and the caller gives up. */
  async function missedCall(service: Service, from: string): Promise<Callback> {
    const store = createCallbackStore(redis, service.keyPrefix);
    await placeCall({ to: TEST_DID, from, hangupAfterMs: 1_000, maxWaitMs: 10_000 });
    const until = Date.now() + 10_000;
    for (;;) {
      const found = await store.findPendingByCaller(`+45${from.slice(-8)}`);
      if (found) return found;
      if (Date.now() > until) throw new Error(`no callback for ${from}:\n${service.tail()}`);
      await sleep(100);
    }
  }

  async function waitForStatus(store: CallbackStore, id: string, statuses: readonly string[], timeoutMs = 60_000): Promise<Callback> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const callback = await store.get(id);
      if (callback && statuses.includes(callback.status) && callback.dialingBy === undefined) return callback;
      if (Date.now() > until) throw new Error(`callback ${id} is ${callback?.status ?? 'gone'}, not ${statuses.join('|')}`);
      await sleep(200);
    }
  }

  it('a new callback is told at once by e-mail and by a signed webhook', async () => {
    const service = await serve(rules(receivers));
    await phone('colleague', { behavior: 'ring' });
    const callback = await missedCall(service, '4520310001');

    const hook = await receivers.waitFor(() => receivers.deliveries.find((d) => d.path === '/owner' && d.kind === 'created'), 'the created webhook');
    assert.equal(hook.signatureValid, true, 'HMAC-SHA256 over the body with the shared secret');
    assert.equal((hook.body['callback'] as { id: string }).id, callback.id);
    const mail = await receivers.waitFor(() => receivers.mails.find((m) => m.to.includes('anna@hansen.test')), 'the e-mail');
    assert.match(mail.raw, /\+45 ?20 ?31 ?00 ?01|\+4520310001/);
    assert.match(mail.raw, new RegExp(`callbacks dial ${callback.id}`));
  });

  it('dial-back: the owner answers and presses 1, the customer answers and talks 25 s -> done', async () => {
    const service = await serve(rules(receivers));
    const store = createCallbackStore(redis, service.keyPrefix);
    await phone('colleague', { behavior: 'ring' });
    const callback = await missedCall(service, '4520310002');
    await waitForNoChannels(10_000);

    const desk = await phone('owner-desk', { behavior: 'answer', ringMs: 500, dtmf: { digit: '1', afterMs: 2_000 } });
    const customer = await phone('phone-5075', { behavior: 'answer', ringMs: 800, talkMs: 25_000 });
    const response = await service.api(`/api/callbacks/${callback.id}/dial`, { method: 'POST', body: { by: 'owner' } });
    assert.equal(response.status, 202);

    const done = await waitForStatus(store, callback.id, ['done']);
    assert.ok((done.talkMs ?? 0) >= 20_000);
    assert.equal(desk.calls()[0]?.dtmf?.digit, '1');
    assert.equal(customer.calls()[0]?.callerIdNumber, '+4530123456', "the customer sees the firm's number");
    const events = (await store.history(callback.id)).map((entry) => entry.event);
    assert.deepEqual(events.filter((event) => ['created', 'dial-started', 'done'].includes(event)), ['created', 'dial-started', 'done']);
  });

  it("dial-back: the customer's voicemail answers for 5 s -> an attempt, not done", async () => {
    const service = await serve(rules(receivers));
    const store = createCallbackStore(redis, service.keyPrefix);
    await phone('colleague', { behavior: 'ring' });
    const callback = await missedCall(service, '4520310003');
    await waitForNoChannels(10_000);

    await phone('owner-desk', { behavior: 'answer', ringMs: 500, dtmf: { digit: '1', afterMs: 2_000 } });
    await phone('phone-5075', { behavior: 'answer', ringMs: 500, talkMs: 5_000 });
    const response = await service.api(`/api/callbacks/${callback.id}/dial`, { method: 'POST' });
    assert.equal(response.status, 202);

    await sleep(3_000);
    const after = await waitForStatus(store, callback.id, ['pending']);
    assert.equal(after.dialAttempts, 1);
    const last = (await store.history(callback.id)).at(-1);
    assert.equal(last?.event, 'attempt-failed');
  });

  it('the customer rings again and a person answers -> done', async () => {
    const service = await serve(rules(receivers));
    const store = createCallbackStore(redis, service.keyPrefix);
    const ringing = await phone('colleague', { behavior: 'ring' });
    const callback = await missedCall(service, '4520310004');
    await ringing.stop();
    phones = [];
    await waitForNoChannels(10_000);

    await phone('colleague', { behavior: 'answer', ringMs: 300 });
    const again = await placeCall({ to: TEST_DID, from: '4520310004', talkMs: 1_000, maxWaitMs: 10_000 });
    assert.equal(again.status, 200);
    const done = await waitForStatus(store, callback.id, ['done'], 10_000);
    assert.match(done.closedBy ?? '', /answered by colleague\.mobile/);
  });

  it('an outbound call to the customer through the PBX, answered for 21 s -> done', async () => {
    const service = await serve(rules(receivers));
    const store = createCallbackStore(redis, service.keyPrefix);
    await phone('colleague', { behavior: 'ring' });
    const callback = await missedCall(service, '4520310005');
    await waitForNoChannels(10_000);

    // The dialplan posts the report with the bench's report token (scope report in the service's config).
    await setOutboundReport(service.url);
    await phone('phone-5075', { behavior: 'answer', ringMs: 500 });
    const outbound = await placeCall({ to: '+4520310005', from: '101', callerPort: CALLER_PORTS.deskOut, talkMs: 21_000, maxWaitMs: 40_000 });
    assert.equal(outbound.status, 200);
    const done = await waitForStatus(store, callback.id, ['done'], 10_000);
    assert.match(done.closedBy ?? '', /outbound call/);
    assert.ok(
      service.logs.some((line) => line.message === 'callback done: the customer was called through the PBX' && line['callbackId'] === callback.id),
      'closed by the report the dialplan posted with its token',
    );
  });

  it('two instances of one installation (active and standby) send each notification once, and the standby takes the jobs over', async () => {
    const first = await serve(rules(receivers));
    const second = await serve(rules(receivers), { keyPrefix: first.keyPrefix }, 'standby');
    await phone('colleague', { behavior: 'ring' });
    const ids = [];
    for (const from of ['4520310006', '4520310007', '4520310008']) {
      ids.push((await missedCall(first, from)).id);
      await waitForNoChannels(10_000);
    }
    await receivers.waitFor(() => (receivers.deliveries.filter((d) => d.kind === 'created').length >= 3 ? true : undefined), 'three created webhooks');
    await sleep(4_000); // both instances keep polling; nothing more may arrive
    const created = receivers.deliveries.filter((d) => d.kind === 'created' && d.path === '/owner');
    assert.deepEqual(created.map((d) => (d.body['callback'] as { id: string }).id).sort(), [...ids].sort());
    assert.equal(new Set(created.map((d) => d.deliveryId)).size, 3);
    assert.equal(receivers.mails.length, 3, 'one e-mail per callback');

    // The active one killed: the standby takes over and runs the next callback's jobs, once.
    await first.kill();
    await second.waitForRole('active', 20_000);
    const next = await missedCall(second, '4520310011');
    await receivers.waitFor(() => receivers.deliveries.find((d) => d.kind === 'created' && (d.body['callback'] as { id: string }).id === next.id), 'the new active one notifies');
    await sleep(3_000);
    assert.equal(receivers.deliveries.filter((d) => d.kind === 'created' && d.path === '/owner').length, 4);
    assert.equal(receivers.mails.length, 4);
  });

  it('the caller is texted right after the missed call, once per number per window', async () => {
    const service = await serve(rules(receivers));
    await phone('colleague', { behavior: 'ring' });
    receivers.texts.length = 0;
    const callback = await missedCall(service, '4520310010');
    const text = await receivers.waitFor(() => receivers.texts[0], 'the text to the caller');
    assert.equal(text['to'], '+4520310010');
    assert.match(String(text['text']), /^Thanks for calling Hansen VVS\. We'll call you back before \d\d:\d\d\.$/);
    await waitForNoChannels(10_000);
    await placeCall({ to: TEST_DID, from: '4520310010', hangupAfterMs: 1_000, maxWaitMs: 10_000 });
    await sleep(3_000);
    assert.equal(receivers.texts.length, 1, 'not texted twice within the window');
    const store = createCallbackStore(redis, service.keyPrefix);
    assert.ok((await store.history(callback.id)).some((entry) => entry.detail === 'texted the caller'));
  });

  it('a service killed between the reminder and the deadline still escalates after a restart', async () => {
    const service = await serve(rules(receivers, { deadline: '1m', remindAt: '40%' }));
    await phone('colleague', { behavior: 'ring' });
    const callback = await missedCall(service, '4520310009');
    await receivers.waitFor(() => receivers.deliveries.find((d) => d.kind === 'reminder' && d.path === '/owner'), 'the reminder', 40_000);
    await service.kill();
    assert.equal(receivers.deliveries.filter((d) => d.kind === 'escalated').length, 0);

    await sleep(Math.max(0, callback.dueAt - Date.now() + 2_000));
    await service.start();
    const escalated = await receivers.waitFor(() => receivers.deliveries.find((d) => d.kind === 'escalated' && d.path === '/colleague'), 'the escalation', 20_000);
    assert.equal(escalated.signatureValid, true);
    const store = createCallbackStore(redis, service.keyPrefix);
    assert.ok((await store.history(callback.id)).some((entry) => entry.event === 'escalated'));
  });
});

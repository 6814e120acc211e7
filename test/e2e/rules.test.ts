// Routing rules end to end: opening hours, holidays, the status switch by feature code, caller
// rules, overlapping steps, screening against mobile voicemail and reloading the rules.
import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { CALLER_PORTS, PHONES, TEST_DID, ensureSandbox, stasisAppConnected, waitForNoChannels } from '../support/sandbox.js';
import { ensureRedis, deleteNevermissKeys } from '../support/redis.js';
import { placeCall, startCall, startPhone, summarizeCall, type PhoneHandle, type PhoneOptions } from '../support/sipp.js';
import { Service, type LogLine } from '../support/service.js';

const PEOPLE = `
people:
  owner:
    phones:
      desk: PJSIP/owner-desk
      mobile:
        dial: PJSIP/owner-mobile
        external: true
  colleague:
    phones:
      mobile: PJSIP/colleague
`;

const show = (value: unknown): string => JSON.stringify(value, null, 1);

describe('routing rules on the sandbox PBX', { timeout: 900_000 }, () => {
  const redis = new Redis('redis://127.0.0.1:6379/0');
  let services: Service[] = [];
  let phones: PhoneHandle[] = [];

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
    for (const service of services) {
      await service.stop();
      await deleteNevermissKeys(redis, service.keyPrefix);
      service.cleanup();
    }
    services = [];
  });

  after(() => redis.disconnect());

  async function serve(rules: string, fakeTime?: string): Promise<Service> {
    const service = await Service.create(fakeTime === undefined ? { rules } : { rules, fakeTime });
    services.push(service);
    await service.start();
    return service;
  }

  async function phone(name: keyof typeof PHONES, options: Omit<PhoneOptions, 'port'>): Promise<PhoneHandle> {
    const handle = await startPhone({ port: PHONES[name], ...options });
    phones.push(handle);
    return handle;
  }

  const arrived = (service: Service): Promise<LogLine> => service.waitForLog((line) => line.message === 'call arrived');
  const ended = (service: Service): Promise<LogLine> => service.waitForLog((line) => line.message.startsWith('call ended'), 40_000);

  it('closed hours: nothing rings, the callback is recorded and promised "when we open", due after the next opening', async () => {
    // Monday 2026-11-30 18:30 in Copenhagen; the firm works 07:00-17:00 on weekdays.
    const service = await serve(
      `${PEOPLE}
routes:
  main:
    numbers: ["${TEST_DID}"]
    timezone: Europe/Copenhagen
    hours:
      mon-fri: "07:00-17:00"
    hunt:
      - ring: [owner]
        timeout: 5s
    promise:
      deadline: 10m
      afterOpening: 30m
defaultRoute: main
`,
      '2026-11-30 17:30:00',
    );
    const desk = await phone('owner-desk', { behavior: 'answer', ringMs: 200 });
    const call = await placeCall({ to: TEST_DID, from: '4520111111', maxWaitMs: 30_000 });
    const line = await arrived(service);
    await ended(service);

    assert.equal(line['open'], false);
    assert.equal(line['why'], 'outside opening hours');
    assert.equal(call.status, 200, show(summarizeCall(call)));
    assert.equal(call.hungUpBy, 'asterisk');
    assert.equal(desk.calls().length, 0, 'no phone rings while closed');
    const [callback] = await service.callbacks();
    assert.equal(callback?.['dueAt'], '2026-12-01T06:30:00.000Z', 'Tuesday 07:00 CET + 30 minutes');
  });

  it('a public holiday closes the route: Christmas Day in Denmark is promised for Monday morning', async () => {
    const service = await serve(
      `${PEOPLE}
routes:
  main:
    numbers: ["${TEST_DID}"]
    hours:
      mon-fri: "07:00-17:00"
    holidays: DK
    hunt:
      - ring: [owner]
        timeout: 5s
defaultRoute: main
`,
      '2026-12-25 09:00:00',
    );
    const desk = await phone('owner-desk', { behavior: 'answer', ringMs: 200 });
    await placeCall({ to: TEST_DID, from: '4520111112', maxWaitMs: 30_000 });
    const line = await arrived(service);
    await ended(service);

    assert.equal(line['why'], 'holiday: Juledag');
    assert.equal(desk.calls().length, 0);
    const [callback] = await service.callbacks();
    // Fri 25th and Sat 26th are holidays, Sunday is closed: Monday 28th 07:00 CET + the deadline (10m).
    assert.equal(callback?.['dueAt'], '2026-12-28T06:10:00.000Z');
  });

  it('the owner dials *71 on the desk phone: away; the next call skips the owner and rings the colleague; *70 restores', async () => {
    const service = await serve(`
status:
  away: [owner]
${PEOPLE}
routes:
  main:
    numbers: ["${TEST_DID}"]
    hunt:
      - ring: [owner]
        timeout: 4s
      - ring: [colleague]
        timeout: 4s
defaultRoute: main
`);
    const feature = await placeCall({ to: '*71', from: '101', callerPort: CALLER_PORTS.deskOut, maxWaitMs: 20_000 });
    assert.equal(feature.status, 200, 'the feature code is answered with a confirmation');
    assert.equal(feature.hungUpBy, 'asterisk');
    const status = (await (await service.api('/api/status')).json()) as Record<string, unknown>;
    assert.equal(status['mode'], 'away');

    await waitForNoChannels(10_000);
    const desk = await phone('owner-desk', { behavior: 'answer', ringMs: 200 });
    const mobile = await phone('owner-mobile', { behavior: 'answer', ringMs: 200 });
    const colleague = await phone('colleague', { behavior: 'answer', ringMs: 500 });
    const call = await placeCall({ to: TEST_DID, from: '4520111113', talkMs: 500, maxWaitMs: 20_000 });
    assert.equal(call.status, 200);
    assert.ok(call.setupMs! < 3_000, `the colleague rang at once: ${call.setupMs} ms`);
    assert.equal(desk.calls().length + mobile.calls().length, 0, "the owner's phones don't ring while away");
    assert.equal(colleague.calls()[0]?.answered, true);

    await waitForNoChannels(10_000);
    await placeCall({ to: '*70', from: '101', callerPort: CALLER_PORTS.deskOut, maxWaitMs: 20_000 });
    const back = (await (await service.api('/api/status')).json()) as Record<string, unknown>;
    assert.equal(back['mode'], 'normal');
  });

  it('a blocked caller hears a polite message; nothing rings; no callback; the call is logged', async () => {
    const service = await serve(`${PEOPLE}
routes:
  main:
    numbers: ["${TEST_DID}"]
    country: DK
    hunt:
      - ring: [owner]
        timeout: 4s
    callers:
      - match: ["+4520999000"]
        treat: blocked
defaultRoute: main
`);
    const desk = await phone('owner-desk', { behavior: 'answer', ringMs: 200 });
    const call = await placeCall({ to: TEST_DID, from: '20999000', maxWaitMs: 20_000 });
    const end = await ended(service);

    assert.equal(call.status, 200);
    assert.equal(call.hungUpBy, 'asterisk');
    assert.deepEqual(end['outcome'], { kind: 'blocked' });
    assert.equal(desk.calls().length, 0);
    assert.deepEqual(await service.callbacks(), []);
  });

  it("overlapping steps: the colleague's phone starts ringing while the owner's still rings", async () => {
    await serve(`${PEOPLE}
routes:
  main:
    numbers: ["${TEST_DID}"]
    hunt:
      - ring: [owner.desk]
        timeout: 8s
      - ring: [colleague]
        timeout: 8s
        delay: 2s
defaultRoute: main
`);
    const desk = await phone('owner-desk', { behavior: 'ring' });
    const colleague = await phone('colleague', { behavior: 'answer', ringMs: 1_500 });
    const call = await placeCall({ to: TEST_DID, from: '4520111114', talkMs: 500, maxWaitMs: 20_000 });

    assert.equal(call.status, 200);
    const deskCall = desk.calls()[0]!;
    const colleagueCall = colleague.calls()[0]!;
    const offset = colleagueCall.inviteAt - deskCall.inviteAt;
    assert.ok(offset >= 1_800 && offset < 3_000, `colleague rang ${offset} ms after the desk`);
    assert.ok(deskCall.cancelledAt! > colleagueCall.inviteAt, 'the desk was still ringing when the colleague started');
    assert.match(deskCall.cancelReason ?? '', /Call completed elsewhere/);
  });

  it('a phone already in a call is skipped; the phones show the caller with a prefix, or the firm number', async () => {
    await serve(`
firm:
  name: Hansen VVS
  number: "+4530123456"
people:
  owner:
    phones:
      desk:
        dial: PJSIP/owner-desk
        callerId:
          prefix: "Kunde: "
      mobile:
        dial: PJSIP/owner-mobile
        callerId:
          show: firm
routes:
  main:
    numbers: ["${TEST_DID}"]
    hunt:
      - ring: [owner]
        timeout: 6s
defaultRoute: main
`);
    const desk = await phone('owner-desk', { behavior: 'answer', ringMs: 300 });
    const mobile = await phone('owner-mobile', { behavior: 'answer', ringMs: 1_500 });
    // The desk takes the first call and stays in it while a second customer rings.
    const first = await startCall({ to: TEST_DID, from: '4520111120', fromName: 'Jens', talkMs: 6_000, maxWaitMs: 20_000 });
    await desk.waitFor((calls) => calls[0]?.answered === true, 5_000);
    const second = await placeCall({ to: TEST_DID, from: '4520111121', callerPort: CALLER_PORTS.caller2, talkMs: 500, maxWaitMs: 20_000 });
    await first.done;

    assert.equal(second.status, 200);
    assert.equal(desk.calls().length, 1, 'the busy desk was not rung for the second call');
    assert.equal(mobile.calls().length, 2, 'the mobile rang for both calls');
    assert.equal(mobile.calls()[1]?.answered, true, 'and took the second');
    assert.equal(desk.calls()[0]?.callerIdName, 'Kunde: Jens');
    assert.equal(mobile.calls()[0]?.callerIdNumber, '+4530123456', "the mobile shows the firm's own number");
  });

  const SCREENED = `${PEOPLE}
routes:
  main:
    numbers: ["${TEST_DID}"]
    hunt:
      - ring: [owner]
        timeout: 15s
      - ring: [colleague]
        timeout: 8s
defaultRoute: main
`;

  it('screening: the mobile answers, hears who calls and presses 1 -> bridged with the caller', async () => {
    const service = await serve(SCREENED);
    await phone('owner-desk', { behavior: 'ring' });
    const mobile = await phone('owner-mobile', { behavior: 'answer', ringMs: 500, dtmf: { digit: '1', afterMs: 2_500 } });
    const call = await placeCall({ to: TEST_DID, from: '4520111115', talkMs: 1_000, maxWaitMs: 20_000 });
    const end = await ended(service);

    assert.equal(call.status, 200);
    assert.ok(call.setupMs! >= 2_500, `the caller was put through only after the 1 (${call.setupMs} ms)`);
    assert.deepEqual((end['outcome'] as { by: unknown }).by, { person: 'owner', phone: 'mobile' });
    assert.equal(mobile.calls()[0]?.dtmf?.digit, '1');
  });

  it("screening: a mobile voicemail answers and stays silent -> that leg is dropped and the hunt goes on", async () => {
    const service = await serve(SCREENED);
    await phone('owner-desk', { behavior: 'ring' });
    const mobile = await phone('owner-mobile', { behavior: 'answer', ringMs: 500 });
    const colleague = await phone('colleague', { behavior: 'answer', ringMs: 500 });
    const call = await placeCall({ to: TEST_DID, from: '4520111116', talkMs: 500, maxWaitMs: 40_000 });
    const end = await ended(service);

    assert.equal(call.status, 200);
    assert.deepEqual((end['outcome'] as { by: unknown }).by, { person: 'colleague', phone: 'mobile' });
    const voicemail = mobile.calls()[0]!;
    assert.equal(voicemail.answered, true);
    assert.equal(voicemail.byeReceived, true, 'the silent leg was hung up');
    assert.ok(voicemail.byeAt! - voicemail.answeredAt! >= 9_000, 'after the 10 s screening window');
    assert.ok(colleague.calls()[0]!.inviteAt > voicemail.answeredAt!, 'the hunt went on');
  });

  it('screening: a late 1 after another phone won -> "the call was taken", then released', async () => {
    const service = await serve(SCREENED);
    const desk = await phone('owner-desk', { behavior: 'answer', ringMs: 2_000 });
    const mobile = await phone('owner-mobile', { behavior: 'answer', ringMs: 500, dtmf: { digit: '1', afterMs: 5_000 } });
    const call = await placeCall({ to: TEST_DID, from: '4520111117', talkMs: 6_000, maxWaitMs: 20_000 });
    await ended(service);

    assert.equal(call.status, 200);
    assert.equal(desk.calls()[0]?.answered, true);
    const late = mobile.calls()[0]!;
    assert.equal(late.byeReceived, true);
    const taken = service.logs.find((line) => Array.isArray(line['effects']) && (line['effects'] as string[]).includes('releaseTaken'));
    assert.ok(taken, 'the deciding leg was told the call was taken');
    assert.ok(late.byeAt! - desk.calls()[0]!.answeredAt! >= 1_000, 'released only after hearing the message');
  });

  it('a reload during a call: the call keeps its plan; the next call follows the new rules; a bad file is refused', async () => {
    const service = await serve(`${PEOPLE}
routes:
  main:
    numbers: ["${TEST_DID}"]
    hunt:
      - ring: [owner.desk]
        timeout: 4s
      - ring: [colleague]
        timeout: 8s
defaultRoute: main
`);
    const desk = await phone('owner-desk', { behavior: 'ring' });
    const colleague = await phone('colleague', { behavior: 'answer', ringMs: 500 });
    const first = await startCall({ to: TEST_DID, from: '4520111118', talkMs: 500, maxWaitMs: 20_000 });
    await desk.waitForInvites(1, 5_000);
    service.rewriteRules(`${PEOPLE}
routes:
  main:
    numbers: ["${TEST_DID}"]
    hunt:
      - ring: [colleague]
        timeout: 8s
defaultRoute: main
`);
    await service.waitForLog((line) => line.message === 'config reloaded');
    const report = await first.done;
    assert.equal(report.status, 200);
    assert.ok(report.setupMs! >= 4_000, 'the first call still rang the desk first, as planned when it arrived');

    await waitForNoChannels(10_000);
    const second = await placeCall({ to: TEST_DID, from: '4520111119', talkMs: 500, maxWaitMs: 20_000 });
    assert.ok(second.setupMs! < 2_000, `the next call rang the colleague at once (${second.setupMs} ms)`);
    assert.equal(desk.calls().length, 1, 'the desk is not in the new rules');
    assert.equal(colleague.calls().length, 2);

    service.rewriteRules('people: {}\nroutes: {}\n');
    await service.waitForLog((line) => line.message === 'config reload refused; the running rules stay');
    const health = await service.health();
    const config = health.body['config'] as { rejectedAt: string | null };
    assert.ok(config.rejectedAt !== null, `/healthz says a reload was refused: ${show(health.body)}`);
    assert.doesNotMatch(JSON.stringify(health.body), /nevermiss\.yaml/, '/healthz names no file and no problem');
    const state = (await (await service.api('/api/admin/config')).json()) as { rejected: { problems: string[] } | null };
    assert.ok(state.rejected && state.rejected.problems.length > 0, `the admin route has the problems: ${JSON.stringify(state)}`);
    assert.equal(health.status, 200, 'the service keeps running on the good rules');
    await sleep(200);
  });
});

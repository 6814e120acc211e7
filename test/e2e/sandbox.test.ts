// The test bench itself: real Asterisk 22 + SIPp + the project's dialplan snippet, with NO
// nevermiss service connected, so every call takes the snippet's fallback.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import {
  ARI_APP,
  CALLER_PORTS,
  PHONES,
  TEST_DID,
  ariRequest,
  asteriskCli,
  ensureSandbox,
  stasisAppConnected,
  waitForNoChannels,
} from '../support/sandbox.js';
import { placeCall, startPhone, summarizeCall, summarizePhoneCall, type PhoneHandle } from '../support/sipp.js';

const FALLBACK_PORT = PHONES.fallback;
const show = (value: unknown): string => JSON.stringify(value, null, 1);

describe('sandbox: the dialplan fallback with no service connected', { timeout: 180_000 }, () => {
  const phones: PhoneHandle[] = [];

  before(async () => {
    await ensureSandbox();
    assert.equal(
      await stasisAppConnected(),
      false,
      `a WebSocket is connected for Stasis app '${ARI_APP}' (a running nevermiss service?); these tests need none`,
    );
  });

  beforeEach(async () => {
    await waitForNoChannels();
  });

  after(async () => {
    await Promise.all(phones.map((p) => p.stop()));
  });

  async function phone(options: Parameters<typeof startPhone>[0]): Promise<PhoneHandle> {
    const handle = await startPhone(options);
    phones.push(handle);
    return handle;
  }

  it('loads the modules and the snippet the bench promises', async () => {
    const modules = await asteriskCli('module show like res_pjsip_rfc3326');
    assert.match(modules, /res_pjsip_rfc3326\.so.*Running/);
    const dialplan = await asteriskCli('dialplan show nevermiss-route');
    assert.match(dialplan, /Stasis\(nevermiss,inbound/);
    const info = await ariRequest('GET', '/asterisk/info');
    assert.equal(info.status, 200);
  });

  it('rings the fallback phone, which answers; the caller is answered', async () => {
    const fallback = await phone({ port: FALLBACK_PORT, behavior: 'answer', ringMs: 300 });
    const call = await placeCall({ to: TEST_DID, from: '4520111111', talkMs: 500, maxWaitMs: 20_000 });
    const report = await fallback.stop();

    assert.equal(call.status, 200, `caller: ${show(summarizeCall(call))}\n${call.log}`);
    assert.equal(call.answered, true);
    assert.equal(call.hungUpBy, 'caller');
    assert.ok(call.setupMs !== undefined && call.setupMs >= 300 && call.setupMs < 3000, `setupMs ${call.setupMs}`);
    assert.equal(report.calls.length, 1, `phone: ${show(report.calls.map(summarizePhoneCall))}`);
    const [seen] = report.calls;
    assert.equal(seen!.callerIdNumber, '4520111111');
    assert.match(seen!.requestUri, /^sip:fallback@127\.0\.0\.1:5074/);
    assert.equal(seen!.answered, true);
    assert.equal(seen!.byeReceived, true, 'the caller hung up, so Asterisk sends the phone a BYE');
    // No DNS stalls: the phone's INVITE follows the caller's within milliseconds.
    const callerInvite = call.messages.find((m) => m.method === 'INVITE')!;
    const legDelay = seen!.inviteAt - callerInvite.at;
    assert.ok(legDelay < 500, `phone INVITE ${legDelay.toFixed(1)} ms after the caller's`);
  });

  it('answers the caller itself, apologises and hangs up when the fallback phone is busy', async () => {
    const fallback = await phone({ port: FALLBACK_PORT, behavior: 'busy' });
    const call = await placeCall({ to: TEST_DID, from: '4520111111', maxWaitMs: 20_000 });
    const report = await fallback.stop();

    assert.equal(report.calls.length, 1, `phone: ${show(report.calls.map(summarizePhoneCall))}`);
    assert.equal(report.calls[0]!.finalStatus, 486);
    assert.equal(call.status, 200, `caller: ${show(summarizeCall(call))}\n${call.log}`);
    assert.equal(call.byeReceived, true, 'Asterisk hangs up after the apology');
    assert.equal(call.hungUpBy, 'asterisk');
  });

  it('cancels the ringing fallback phone when the caller hangs up', async () => {
    const fallback = await phone({ port: FALLBACK_PORT, behavior: 'ring' });
    const call = await placeCall({ to: TEST_DID, from: '4520111111', hangupAfterMs: 2000, maxWaitMs: 20_000 });
    await fallback.waitFor((calls) => calls[0]?.cancelled === true, 5000);
    const report = await fallback.stop();

    assert.equal(call.cancelled, true);
    assert.equal(call.status, 487, `caller: ${show(summarizeCall(call))}\n${call.log}`);
    assert.equal(call.hungUpBy, 'caller');
    assert.equal(report.calls.length, 1);
    const [seen] = report.calls;
    assert.equal(seen!.cancelled, true, report.log);
    assert.equal(seen!.answered, false);
    assert.equal(seen!.finalStatus, 487);
    assert.ok(seen!.cancelledAt! - seen!.inviteAt >= 1500, 'cancelled only after the caller hung up');
  });

  it('serves two callers at once, one of them withheld', async () => {
    const fallback = await phone({ port: FALLBACK_PORT, behavior: 'answer', ringMs: 200 });
    const [a, b] = await Promise.all([
      placeCall({ to: TEST_DID, from: '4520111111', callerPort: CALLER_PORTS.caller, talkMs: 300 }),
      placeCall({ to: TEST_DID, from: 'anonymous', callerPort: CALLER_PORTS.caller2, talkMs: 300 }),
    ]);
    const report = await fallback.stop();

    assert.equal(a.status, 200, a.log);
    assert.equal(b.status, 200, b.log);
    assert.equal(report.calls.length, 2, `phone: ${show(report.calls.map(summarizePhoneCall))}`);
    const numbers = report.calls.map((c) => c.callerIdNumber).sort();
    assert.deepEqual(numbers, ['4520111111', 'anonymous']);
    const withheld = report.calls.find((c) => c.callerIdNumber === 'anonymous')!;
    assert.equal(withheld.callerIdName, 'Anonymous');
  });

  it('puts "Call completed elsewhere" on the CANCEL of a leg hung up with reason answered_elsewhere', async () => {
    const spare = await phone({ port: PHONES['phone-5076'], behavior: 'ring' });
    const channelId = `sandbox-test-${Date.now()}`;
    const originate = await ariRequest(
      'POST',
      `/channels/${channelId}?endpoint=PJSIP/phone-5076&context=sandbox-phones&extension=s&timeout=30`,
    );
    assert.equal(originate.status, 200, show(originate.body));
    await spare.waitForInvites(1, 5000);
    const hangup = await ariRequest('DELETE', `/channels/${channelId}?reason=answered_elsewhere`);
    assert.equal(hangup.status, 204, show(hangup.body));
    const [seen] = await spare.waitFor((calls) => calls[0]?.cancelled === true, 5000);
    await spare.stop();

    assert.match(seen!.cancelReason ?? '', /SIP;cause=200;text="Call completed elsewhere"/);
    assert.match(seen!.cancelReason ?? '', /Q\.850;cause=26/);
  });
});

// The test bench itself: real Asterisk 22 + SIPp + the project's dialplan snippet, with NO
// nevermiss service connected, so every call takes the snippet's fallback. Phones that press
// keys and the desk's feature-code path are checked through throwaway Stasis apps (bench-*),
// never the service's app.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, beforeEach, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  CALLER_PORTS,
  DESK_OUT,
  PHONES,
  TEST_DID,
  ariRequest,
  asteriskCli,
  ensureSandbox,
  openAriEvents,
  waitForNoChannels,
  waitForStasisAppGone,
  type AriEventStream,
  type PhoneName,
} from '../support/sandbox.js';
import {
  placeCall,
  startCall,
  startPhone,
  summarizeCall,
  summarizePhoneCall,
  type PhoneHandle,
} from '../support/sipp.js';

const FALLBACK_PORT = PHONES.fallback;
const show = (value: unknown): string => JSON.stringify(value, null, 1);

describe('sandbox: the dialplan fallback with no service connected', { timeout: 600_000 }, () => {
  const phones: PhoneHandle[] = [];
  const streams: AriEventStream[] = [];

  before(async () => {
    await ensureSandbox();
    // Other test files run a nevermiss service against this Asterisk: wait for them to finish.
    await waitForStasisAppGone();
  });

  beforeEach(async () => {
    await waitForNoChannels();
  });

  after(async () => {
    await Promise.all([...phones.map((p) => p.stop()), ...streams.map((s) => s.close())]);
  });

  async function phone(options: Parameters<typeof startPhone>[0]): Promise<PhoneHandle> {
    const handle = await startPhone(options);
    phones.push(handle);
    return handle;
  }

  async function benchApp(app: string): Promise<AriEventStream> {
    const stream = await openAriEvents(app);
    streams.push(stream);
    return stream;
  }

  /** Originates a call to a sandbox phone straight into a bench Stasis app; returns the channel id. */
  async function originateToApp(name: PhoneName, app: string): Promise<string> {
    const channelId = `bench-${randomUUID()}`;
    const r = await ariRequest('POST', `/channels/${channelId}?endpoint=PJSIP/${name}&app=${app}&timeout=30`);
    assert.equal(r.status, 200, show(r.body));
    return channelId;
  }

  it('loads the modules and the snippet the bench promises', async () => {
    const modules = await asteriskCli('module show like res_pjsip_');
    assert.match(modules, /res_pjsip_rfc3326\.so.*Running/);
    assert.match(modules, /res_pjsip_dtmf_info\.so.*Running/);
    const dialplan = await asteriskCli('dialplan show nevermiss-route');
    assert.match(dialplan, /Stasis\(nevermiss,inbound/);
    const phonesOut = await asteriskCli(`dialplan show ${DESK_OUT.context}`);
    assert.match(phonesOut, /Include =>\s+'nevermiss-features'/);
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

  it('serves three callers at once, one of them withheld', async () => {
    const fallback = await phone({ port: FALLBACK_PORT, behavior: 'answer', ringMs: 200 });
    const [a, b, c] = await Promise.all([
      placeCall({ to: TEST_DID, from: '4520111111', callerPort: CALLER_PORTS.caller, talkMs: 300 }),
      placeCall({ to: TEST_DID, from: 'anonymous', callerPort: CALLER_PORTS.caller2, talkMs: 300 }),
      placeCall({ to: TEST_DID, from: '4520333333', callerPort: CALLER_PORTS.caller3, talkMs: 300 }),
    ]);
    const report = await fallback.stop();

    assert.equal(a.status, 200, a.log);
    assert.equal(b.status, 200, b.log);
    assert.equal(c.status, 200, c.log);
    assert.equal(report.calls.length, 3, `phone: ${show(report.calls.map(summarizePhoneCall))}`);
    const numbers = report.calls.map((call) => call.callerIdNumber).sort();
    assert.deepEqual(numbers, ['4520111111', '4520333333', 'anonymous']);
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

  it('a phone that answers and presses 1 sends SIP INFO: Asterisk answers 200 and ARI sees the digit', async () => {
    const events = await benchApp('bench-dtmf');
    const screened = await phone({
      port: PHONES['phone-5077'],
      behavior: 'answer',
      ringMs: 200,
      dtmf: { digit: '1', afterMs: 500 },
    });
    const channelId = await originateToApp('phone-5077', events.app);
    await events.waitFor((e) => e.type === 'StasisStart' && e.channel?.id === channelId, 5000);
    const dtmf = await events.waitFor((e) => e.type === 'ChannelDtmfReceived' && e.channel?.id === channelId, 5000);
    const [sent] = await screened.waitFor((calls) => calls[0]?.dtmf?.infoStatus !== undefined, 5000);
    assert.equal((await ariRequest('DELETE', `/channels/${channelId}`)).status, 204);
    // Wait for the phone's answer to the BYE too: the trace shows the BYE a moment before its 200.
    const [seen] = await screened.waitFor(
      (calls) => calls[0]?.inDialogRequests.some((r) => r.method === 'BYE' && r.responseStatus !== undefined) === true,
      5000,
    );
    await screened.stop();

    assert.equal(dtmf.digit, '1');
    assert.equal(dtmf.duration_ms, 250);
    assert.equal(sent!.dtmf!.mode, 'info');
    assert.equal(sent!.dtmf!.digit, '1');
    assert.equal(sent!.dtmf!.infoStatus, 200, 'res_pjsip_dtmf_info answers the INFO');
    assert.equal(sent!.dtmf!.infoAnswered, true);
    const after = sent!.dtmf!.afterAnswerMs!;
    assert.ok(after >= 480 && after < 1500, `INFO ${after.toFixed(1)} ms after the 200 OK`);
    assert.deepEqual(
      seen!.inDialogRequests.map((r) => [r.method, r.responseStatus]),
      [['BYE', 200]],
      show(summarizePhoneCall(seen!)),
    );
  });

  it('a phone that answers and presses 5 as RFC 4733 RTP events: ARI sees the digit', async () => {
    const events = await benchApp('bench-dtmf');
    const screened = await phone({
      port: PHONES['phone-5078'],
      behavior: 'answer',
      ringMs: 200,
      dtmf: { digit: '5', afterMs: 300, mode: 'rfc4733' },
    });
    const channelId = await originateToApp('phone-5078', events.app);
    const dtmf = await events.waitFor((e) => e.type === 'ChannelDtmfReceived' && e.channel?.id === channelId, 5000);
    const [sent] = await screened.waitFor((calls) => calls[0]?.dtmf !== undefined, 5000);
    assert.equal((await ariRequest('DELETE', `/channels/${channelId}`)).status, 204);
    await screened.waitFor((calls) => calls[0]?.byeReceived === true, 5000);
    await screened.stop();

    assert.equal(dtmf.digit, '5');
    assert.equal(sent!.dtmf!.mode, 'rfc4733');
    assert.equal(sent!.dtmf!.digit, '5');
    assert.equal(sent!.dtmf!.infoAnswered, false);
    const after = sent!.dtmf!.afterAnswerMs!;
    assert.ok(after >= 280 && after < 1500, `RTP events ${after.toFixed(1)} ms after the 200 OK`);
  });

  it('a phone that answers without a dtmf option stays silent, like a mobile voicemail', async () => {
    const events = await benchApp('bench-dtmf');
    const silent = await phone({ port: PHONES['phone-5079'], behavior: 'answer', ringMs: 200 });
    const channelId = await originateToApp('phone-5079', events.app);
    await events.waitFor((e) => e.type === 'StasisStart' && e.channel?.id === channelId, 5000);
    await sleep(1500);
    assert.equal((await ariRequest('DELETE', `/channels/${channelId}`)).status, 204);
    const [seen] = await silent.waitFor((calls) => calls[0]?.byeReceived === true, 5000);
    await silent.stop();

    const digits = events.events().filter((e) => e.type === 'ChannelDtmfReceived' && e.channel?.id === channelId);
    assert.deepEqual(digits, []);
    assert.equal(seen!.answered, true);
    assert.equal(seen!.dtmf, undefined);
    assert.deepEqual(
      seen!.inDialogRequests.map((r) => r.method),
      ['BYE'],
    );
  });

  it("the owner's desk dials a feature code from its own endpoint and caller id; answer, beep, hang-up", async () => {
    // *9X is the bench's copy of the snippet's *7X, handed to the throwaway app bench-feature.
    const events = await benchApp('bench-feature');
    const call = await startCall({
      to: '*91',
      from: '4520999999', // the endpoint's callerid wins over the From header
      callerPort: CALLER_PORTS.deskOut,
      maxWaitMs: 15_000,
    });
    const start = await events.waitFor((e) => e.type === 'StasisStart', 5000);
    const channel = start.channel!;
    assert.match(channel.name, new RegExp(`^PJSIP/${DESK_OUT.endpoint}-`));
    assert.equal(channel.dialplan.context, DESK_OUT.context);
    assert.equal(channel.dialplan.exten, '*91');
    assert.deepEqual(channel.caller, { name: DESK_OUT.callerIdName, number: DESK_OUT.callerIdNumber });
    assert.deepEqual(start.args, ['*91', DESK_OUT.callerIdNumber]);

    assert.equal((await ariRequest('POST', `/channels/${channel.id}/answer`)).status, 204);
    const playbackId = `bench-${randomUUID()}`;
    const play = await ariRequest('POST', `/channels/${channel.id}/play/${playbackId}?media=sound:beep`);
    assert.equal(play.status, 201, show(play.body));
    await events.waitFor((e) => e.type === 'PlaybackFinished' && e.playback?.id === playbackId, 5000);
    assert.equal((await ariRequest('DELETE', `/channels/${channel.id}`)).status, 204);
    const report = await call.done;

    assert.equal(report.status, 200, `caller: ${show(summarizeCall(report))}\n${report.log}`);
    assert.equal(report.answered, true);
    assert.equal(report.hungUpBy, 'asterisk');
    assert.equal(report.exitCode, 0, report.stderr);
  });

  it("the desk's *71 reaches the snippet's nevermiss-features: with no service, an apology and a hang-up", async () => {
    const call = await placeCall({ to: '*71', from: DESK_OUT.callerIdNumber, callerPort: CALLER_PORTS.deskOut });

    assert.equal(call.status, 200, `caller: ${show(summarizeCall(call))}\n${call.log}`);
    assert.equal(call.hungUpBy, 'asterisk');
    assert.ok(call.talkMs !== undefined && call.talkMs >= 1000, `talkMs ${call.talkMs}: silence/1 and the prompt`);
  });
});

/**
 * The owner's phone page on the bench, in a real browser at a phone's size: a phone logs in with
 * a link; a real SIPp call through the sandbox Asterisk rings the owner's desk phone and the page
 * shows it ringing, then the missed call's callback appears without a reload; "Ring me now" rings
 * the bench's desk phone, the owner presses 1 and the customer's phone rings; a voicemail-short
 * answer is an attempt; "Done" with a note closes it; the status switch flips. Each screen is saved
 * under docs/screenshots/ for the README's tour.
 *
 * Run under the bench lock:
 *   flock /run/lock/nevermiss-bench.lock node --import tsx --test --test-concurrency=1 --test-reporter=spec test/e2e/page.test.ts
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { PHONES, TEST_DID, waitForNoChannels } from '../support/sandbox.js';
import { startCall } from '../support/sipp.js';
import { until, useBench, type Bench } from '../support/bench.js';
import { openPhone, type Phone } from '../support/browser.js';
import { loginLink } from '../../src/http/auth/links.js';
import { createCallbackStore } from '../../src/callbacks/store.js';
import { createStatusStore } from '../../src/callbacks/status.js';

const SESSION_SECRET = 'e2e-page-session-secret-0123456789abcdef';
const CALLER = '4520310101';
const CALLER_E164 = `+45${CALLER.slice(-8)}`;

const RULES = `
firm:
  name: Hansen VVS
  number: "+4530123456"
  timezone: Europe/Copenhagen
people:
  owner:
    name: Anna Hansen
    phones:
      desk: PJSIP/owner-desk
  colleague:
    name: Bo Jensen
    phones:
      mobile: PJSIP/colleague
routes:
  main:
    numbers: ["${TEST_DID}"]
    language: da
    hunt:
      - ring: [owner]
        timeout: 6s
    promise:
      deadline: 10m
callbacks:
  attempts: 3
  minTalk: 6s
  dial: "Local/{number}@sandbox-customers/n"
defaultRoute: main
`;

describe('the phone page on the bench', { timeout: 600_000 }, () => {
  const bench: Bench = useBench();
  let phone: Phone | undefined;

  after(async () => {
    await phone?.close();
  });

  it('a missed call rings, shows, is called back with "Ring me now", attempted, then done with a note; the status flips', async () => {
    const service = await bench.service({ rules: RULES, sessionSecret: SESSION_SECRET });
    await service.start();
    const store = createCallbackStore(bench.redis, service.keyPrefix);
    const status = createStatusStore(bench.redis, service.keyPrefix);

    // Log in with a link, as from "nevermiss login-link owner", and watch the Now screen.
    phone = await openPhone();
    const { page } = phone;
    const http = { host: '127.0.0.1', port: service.port, publicUrl: service.url, sessionSecret: SESSION_SECRET, tokens: [], allowedHosts: [], trustProxy: [] };
    await page.goto(loginLink(http, 'owner', { now: Date.now(), next: '/now' }));
    await page.waitForURL(`${service.url}/now`);
    await page.locator('#live[data-live="on"]').waitFor({ timeout: 15_000 });
    await page.locator('.now .empty').waitFor();
    await page.evaluate('window.stayed = true');

    // A customer rings; the owner's desk phone rings and nobody answers.
    const desk = await bench.phone({ port: PHONES['owner-desk'], behavior: 'ring' });
    const call = await startCall({ to: TEST_DID, from: CALLER, fromName: 'Mette Madsen', maxWaitMs: 40_000 });
    const live = page.locator('.card.live[data-call]');
    await live.locator('.leg', { hasText: 'Anna Hansen · desk · ringer' }).waitFor({ timeout: 15_000 });
    assert.equal(await live.locator('.caller').textContent(), 'Mette Madsen');
    assert.match(await live.locator('.meta').textContent() ?? '', /^\+45 20 31 01 01 · main · i 0:\d\d$/);
    await phone.screenshot('now');
    // The hunt runs out: the caller hears the promise, the callback is recorded and shows up.
    const callback = await until('the callback', async () => (await store.findPendingByCaller(CALLER_E164)) ?? undefined, 30_000);
    await live.waitFor({ state: 'detached', timeout: 30_000 });
    const answered = await call.done;
    assert.equal(answered.answered, true, 'the caller was answered for the promise');
    assert.equal((await desk.waitForInvites(1, 1_000)).length, 1, 'the desk phone rang');
    await desk.stop();
    await waitForNoChannels(15_000);

    await page.locator('[data-tab="callbacks"]').click();
    const card = page.locator(`.card[data-callback="${callback.id}"]`);
    await card.waitFor();
    assert.equal(await card.locator('.caller').textContent(), 'Mette Madsen', 'the name the caller\'s phone sent');
    assert.match(await card.locator('.meta').textContent() ?? '', /^\+45 20 31 01 01 · Ringede \d\d[.:]\d\d · én gang$/);
    assert.match(await card.locator('.deadline').textContent() ?? '', /^Ring tilbage inden (9|10):\d\d$/);
    await phone.screenshot('callbacks');

    // "Ring me now": the owner's desk phone rings; they press 1; the customer's phone rings and
    // answers for 2 s (less than minTalk: a voicemail) -> an attempt, the callback waits again.
    const deskAgain = await bench.phone({ port: PHONES['owner-desk'], behavior: 'answer', ringMs: 1_500, dtmf: { digit: '1', afterMs: 2_500 } });
    const customer = await bench.phone({ port: PHONES['phone-5075'], behavior: 'answer', ringMs: 800, talkMs: 2_000 });
    await card.locator('[data-action="ring-me"]').click();
    await card.locator('p.dialing', { hasText: 'Det ringer hos Anna Hansen' }).waitFor({ timeout: 10_000 });
    await phone.screenshot('ringing');
    const [rang] = await deskAgain.waitFor((calls) => calls[0]?.dtmf !== undefined, 20_000);
    assert.equal(rang?.dtmf?.digit, '1', 'the owner answered and pressed 1');
    await customer.waitForInvites(1, 20_000);
    await card.locator('[data-action="ring-me"]').waitFor({ timeout: 30_000 });
    await until('the attempt', async () => {
      const after = await store.get(callback.id);
      return after?.status === 'pending' && after.dialAttempts === 1 ? after : undefined;
    }, 30_000);
    assert.equal(customer.calls()[0]?.callerIdNumber, '+4530123456', 'the customer sees the firm\'s number');
    await waitForNoChannels(15_000);

    // Reached them from the mobile after all: "Done" with a note.
    await card.locator('[data-action="done"]').click();
    const sheet = page.locator('dialog[open]');
    await sheet.locator('textarea').fill('Ringede fra mobilen, aftalt tid torsdag');
    await sheet.locator('button[data-value="done"]').click();
    await card.waitFor({ state: 'detached' });
    const done = await store.get(callback.id);
    assert.deepEqual([done?.status, done?.closedBy], ['done', 'owner']);
    const history = await store.history(callback.id);
    const lifecycle = ['created', 'dial-started', 'attempt-failed', 'done'];
    assert.deepEqual(history.map((entry) => entry.event).filter((event) => lifecycle.includes(event)), lifecycle);
    assert.ok(history.some((entry) => entry.event === 'dial-started' && entry.by.startsWith('owner')), 'the dial-back was asked by the owner, as themselves');
    assert.equal(history.at(-1)?.detail, 'Ringede fra mobilen, aftalt tid torsdag');

    // Its page: who rang, when, and every change with who made it.
    await page.goto(`${service.url}/callbacks/${callback.id}`);
    await page.locator('.history li[data-event="done"]', { hasText: 'af Anna Hansen' }).waitFor();
    await page.locator('.history li[data-event="attempt-failed"]').waitFor();
    await phone.screenshot('callback');
    await page.evaluate('window.stayed = true');

    // The status switch: away for 2 hours.
    await page.locator('[data-tab="status"]').click();
    await page.locator('[data-mode="normal"][aria-pressed="true"]').waitFor();
    await page.locator('.chip', { hasText: '2 h' }).click();
    await page.locator('[data-mode="away"]').click();
    await page.locator('[data-mode="away"][aria-pressed="true"]').waitFor();
    const away = await status.get(Date.now());
    assert.deepEqual([away.mode, away.setBy], ['away', 'owner']);
    assert.ok(away.until !== null && Math.abs(away.until - Date.now() - 2 * 3_600_000) < 60_000);
    await sleep(300);
    await phone.screenshot('status');
    assert.equal(await page.evaluate('window.stayed'), true, 'no reload: every change came through the event stream');
    assert.deepEqual(phone.errors, [], 'the page threw no error');
  });

  it('a phone without a session sees the login page, and the service answers it no data', async () => {
    const service = await bench.service({ rules: RULES, sessionSecret: SESSION_SECRET });
    await service.start();
    await phone?.close();
    phone = await openPhone();
    await phone.page.goto(`${service.url}/`);
    await phone.page.locator('section[data-screen="login"] h1', { hasText: 'Log ind med et link' }).waitFor();
    await sleep(500);
    const fromApi = phone.responses.filter((response) => new URL(response.url).pathname.startsWith('/api/'));
    assert.deepEqual(fromApi.map((response) => `${new URL(response.url).pathname} ${response.status}`), ['/api/me 401']);
    assert.ok(!(await phone.page.content()).includes('Hansen'), 'not even the firm\'s name');
  });
});

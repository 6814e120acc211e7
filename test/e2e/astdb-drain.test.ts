// No caller lost while the service is down: the snippet's fallback and its outbound hook keep
// every call in Asterisk's own database (AstDB), and the service drains it when it connects,
// once, whatever runs twice.
import assert from 'node:assert/strict';
import { afterEach, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { CALLER_PORTS, PHONES, TEST_DID, ariRequest, asteriskCli, setOutboundReport, waitForNoChannels } from '../support/sandbox.js';
import { placeCall, startCall, type PhoneHandle, type PhoneOptions } from '../support/sipp.js';
import type { LogLine, Service } from '../support/service.js';
import { until, useBench } from '../support/bench.js';
import { createCallbackStore, type CallbackStore } from '../../src/callbacks/store.js';
import type { Callback, CallLogEntry } from '../../src/callbacks/types.js';

const RULES = `
people:
  owner:
    phones:
      desk: PJSIP/owner-desk
routes:
  main:
    numbers: ["${TEST_DID}"]
    hunt:
      - ring: [owner]
        timeout: 5s
    promise:
      deadline: 10m
callbacks:
  minTalk: 3s
defaultRoute: main
`;

/** The note the history of a callback from AstDB carries. */
const DOWN_NOTE = /recorded by the PBX while nevermiss was down/;
/** The note of a callback for a caller who left while nevermiss was away mid-call. */
const INTERRUPTED_NOTE = /the caller left while nevermiss was restarting or cut off/;

type Family = 'fallback' | 'inbound' | 'outbound';

/** What `database show nevermiss` lists: family/key -> value. */
async function astdb(): Promise<Map<string, string>> {
  const text = await asteriskCli('database show nevermiss');
  const entries = new Map<string, string>();
  for (const line of text.split('\n')) {
    const match = /^\/nevermiss\/(fallback|inbound|outbound)\/(\S+?)\s*: (.*)$/.exec(line);
    if (match) entries.set(`${match[1]}/${match[2]}`, match[3] ?? '');
  }
  return entries;
}

function keysOf(entries: Map<string, string>, family: Family): string[] {
  return [...entries.keys()].filter((k) => k.startsWith(`${family}/`)).map((k) => k.slice(family.length + 1));
}

/** An entry as the snippet writes it (for tests that need many at once): fields URI-encoded. */
function fallbackValue(at: number, number: string, dialStatus: string, answeredSec = 0): string {
  return `1|${at}|${encodeURIComponent(number)}|Kunde|${TEST_DID}|ended|${dialStatus}|${answeredSec || ''}|${at + 8_000}`;
}

describe('the PBX remembers callers while nevermiss is down', { timeout: 600_000 }, () => {
  const bench = useBench({
    // Other tests' fallback calls leave entries that no service of theirs drains.
    beforeEach: async () => {
      await asteriskCli('database deltree nevermiss');
    },
  });
  const { redis } = bench;

  before(async () => {
    // An Asterisk started from an older modules.conf may lack func_db.
    if (!/func_db\.so/.test(await asteriskCli('module show like func_db'))) await asteriskCli('module load func_db.so');
  });

  afterEach(async () => {
    await setOutboundReport('');
    await asteriskCli('database deltree nevermiss');
  });

  async function service(extra: { keyPrefix?: string; app?: string; ariUrl?: string } = {}): Promise<Service> {
    return bench.service({ rules: RULES, drainAstdb: true, ...extra });
  }

  async function phone(name: keyof typeof PHONES, options: Omit<PhoneOptions, 'port'>): Promise<PhoneHandle> {
    return bench.phone({ port: PHONES[name], ...options });
  }

  const drained = (line: LogLine): boolean => line.message === 'AstDB drained';

  /** The summary of the service's n-th drain after a connect (its logs run on across restarts). */
  async function connectDrain(nevermiss: Service, n: number): Promise<LogLine> {
    return until(`drain #${n} after a connect`, () => {
      const lines = nevermiss.logs.filter((line) => drained(line) && line['trigger'] === 'connect');
      return Promise.resolve(lines[n - 1]);
    }, 20_000);
  }

  /** Every open or closed callback of a number (through the history of the pending index and the call log). */
  async function callbacksOf(store: CallbackStore, number: string, callIds: readonly string[]): Promise<Callback[]> {
    const ids = new Set<string>();
    for (const callId of callIds) {
      const entry = await store.getCall(callId);
      if (entry?.outcome.kind === 'fallback' && entry.outcome.callbackId) ids.add(entry.outcome.callbackId);
    }
    const all = await Promise.all([...ids].map((id) => store.get(id)));
    return all.filter((cb): cb is Callback => cb !== null && cb.caller === number);
  }

  async function callLog(prefix: string): Promise<string[]> {
    return redis.zrange(`{${prefix}}:calls`, 0, -1);
  }

  it('calls while the service is down are drained into callbacks and call-log entries when it starts', async () => {
    // Answered by the fallback phone.
    const answering = await phone('fallback', { behavior: 'answer', ringMs: 300 });
    const answered = await placeCall({ to: TEST_DID, from: '4520410001', talkMs: 2_000, maxWaitMs: 20_000 });
    assert.equal(answered.status, 200);
    await answering.stop(); // its port, for the phone that rings out
    await waitForNoChannels(10_000);

    // Not answered (the fallback phone rings out: NOANSWER, then the apology), a caller with a
    // hostile name who hangs up during the fallback's Dial, and a withheld caller.
    await phone('fallback', { behavior: 'ring' });
    const hostileName = 'Evil, Inc. | ${SHELL(id)} (x';
    const [rangOut, hungUp, withheld] = await Promise.all([
      placeCall({ to: TEST_DID, from: '4520410002', maxWaitMs: 40_000 }),
      startCall({ to: TEST_DID, from: '4520410003', fromName: hostileName, hangupAfterMs: 3_000, callerPort: CALLER_PORTS.caller2, maxWaitMs: 20_000 }).then(
        (call) => call.done,
      ),
      startCall({ to: TEST_DID, from: 'anonymous', hangupAfterMs: 3_000, callerPort: CALLER_PORTS.caller3, maxWaitMs: 20_000 }).then((call) => call.done),
    ]);
    assert.equal(rangOut.hungUpBy, 'asterisk', 'the apology played and Asterisk hung up');
    assert.equal(hungUp.cancelled, true);
    assert.equal(withheld.cancelled, true);
    await waitForNoChannels(10_000);

    const before = await astdb();
    const keys = keysOf(before, 'fallback');
    assert.equal(keys.length, 4, `four calls, four AstDB entries:\n${[...before].join('\n')}`);
    assert.equal(before.size, 4, 'the fallback replaced the note of a call that went into the app');
    for (const value of before.values()) assert.match(value, /^1\|\d{13}\|[^|]*\|[^|]*\|\d+\|ended\|[A-Z]*\|\d*\|\d{13}$/, value);
    assert.ok([...before.values()].some((v) => v.includes('|ended|ANSWER|')), 'the answered call says so');
    assert.ok([...before.values()].some((v) => v.includes('|ended|CANCEL|')), 'the callers who hung up say so');
    assert.ok(![...before.values()].some((v) => v.includes('${')), 'no caller text is stored as it came');

    const startedAt = Date.now();
    const nevermiss = await service();
    await nevermiss.start();
    const summary = await nevermiss.waitForLog(drained, 20_000);
    assert.equal(summary['calls'], 4, nevermiss.tail());
    const store = createCallbackStore(redis, nevermiss.keyPrefix);

    // One call-log entry per call, each with the fallback outcome and the entry's own times.
    assert.deepEqual((await callLog(nevermiss.keyPrefix)).sort(), [...keys].sort());
    const entries = new Map<string, CallLogEntry>();
    for (const key of keys) {
      const entry = await store.getCall(key);
      assert.ok(entry, key);
      assert.equal(entry.outcome.kind, 'fallback');
      assert.ok(entry.startedAt < startedAt, 'the time of the call, not of the drain');
      entries.set(entry.caller, entry);
    }
    const outcome = (caller: string): CallLogEntry['outcome'] | undefined => entries.get(caller)?.outcome;
    const talked = outcome('+4520410001');
    assert.ok(talked?.kind === 'fallback' && talked.talkMs >= 1_000 && talked.talkMs <= 3_000, JSON.stringify(talked));
    assert.deepEqual({ ...talked, talkMs: 2_000 }, { kind: 'fallback', answered: true, dialStatus: 'ANSWER', talkMs: 2_000, reason: null, callbackId: null });
    const rang = outcome('+4520410002');
    const left = outcome('+4520410003');
    assert.ok(rang?.kind === 'fallback' && rang.reason === 'no-answer' && rang.dialStatus === 'NOANSWER', JSON.stringify(rang));
    assert.ok(left?.kind === 'fallback' && left.reason === 'caller-hung-up' && left.callbackId !== null, JSON.stringify(left));
    assert.deepEqual(outcome(''), { kind: 'fallback', answered: false, dialStatus: 'CANCEL', talkMs: 0, reason: 'caller-hung-up', callbackId: null });

    // Exactly one callback per unanswered caller with a number; none for the answered one.
    const pending = await store.listPending();
    assert.deepEqual(pending.map((cb) => cb.caller).sort(), ['+4520410002', '+4520410003']);
    for (const callback of pending) {
      const entry = entries.get(callback.caller);
      assert.ok(entry?.outcome.kind === 'fallback' && entry.outcome.callbackId === callback.id);
      assert.equal(callback.createdAt, entry.startedAt);
      assert.equal(callback.dueAt, entry.startedAt + 10 * 60_000);
      const history = await store.history(callback.id);
      assert.equal(history.length >= 1 && history[0]?.event, 'created');
      assert.match(history[0]?.detail ?? '', DOWN_NOTE);
    }
    const logged = nevermiss.logs.find((line) => line.message === 'call from the dialplan fallback stored' && line['caller'] === '+4520410003');
    assert.equal(logged?.['callerName'], hostileName, 'the caller name came through as text');

    // Their follow-up is scheduled as for any missed call.
    const jobs = (await (await nevermiss.api('/api/jobs')).json()) as Array<{ id: string }>;
    for (const callback of pending) {
      assert.ok(jobs.some((job) => job.id.startsWith(`remind.${callback.id}.`)), `a reminder of ${callback.id} in ${JSON.stringify(jobs)}`);
      assert.ok(jobs.some((job) => job.id === `overdue.${callback.id}`), `overdue.${callback.id}`);
    }

    // AstDB is empty; a drain later finds nothing and changes nothing.
    assert.equal((await astdb()).size, 0);
    await nevermiss.stop();
    await nevermiss.start();
    await sleep(2_000);
    assert.equal((await store.listPending()).length, 2);
    assert.equal((await callLog(nevermiss.keyPrefix)).length, 4);
  });

  it('an outbound call reported while the service is down closes the callback when it connects', async () => {
    const nevermiss = await service();
    const store = createCallbackStore(redis, nevermiss.keyPrefix);
    const missedAt = Date.now() - 60_000;
    const open = await store.recordMissedCall({ callId: 'missed-earlier', caller: '+4520410005', called: TEST_DID, route: 'main', language: 'en', at: missedAt, dueAt: missedAt + 600_000 });

    // The service isn't running: the hook's CURL() fails and the report goes to AstDB.
    await setOutboundReport(nevermiss.url);
    await phone('phone-5075', { behavior: 'answer', ringMs: 300 });
    const outbound = await placeCall({ to: '+4520410005', from: '101', callerPort: CALLER_PORTS.deskOut, talkMs: 4_000, maxWaitMs: 30_000 });
    assert.equal(outbound.status, 200);
    await waitForNoChannels(10_000);
    const kept = await until('the outbound report in AstDB', async () => {
      const entries = await astdb();
      return keysOf(entries, 'outbound').length > 0 ? entries : undefined;
    }, 10_000);
    const [value] = [...kept.values()];
    assert.match(value ?? '', /^1\|\d{13}\|%2B4520410005\|101\|[3-5]$/);
    assert.equal((await store.get(open.id))?.status, 'pending');

    await nevermiss.start();
    const summary = await nevermiss.waitForLog(drained, 20_000);
    assert.equal(summary['outbound'], 1, nevermiss.tail());
    const closed = await store.get(open.id);
    assert.equal(closed?.status, 'done');
    assert.match(closed?.closedBy ?? '', /outbound call from 101/);
    assert.equal((await astdb()).size, 0);

    // With the service up, the hook's report is confirmed and nothing is kept.
    await placeCall({ to: '+4520410005', from: '101', callerPort: CALLER_PORTS.deskOut, talkMs: 1_000, maxWaitMs: 30_000 });
    await waitForNoChannels(10_000);
    await sleep(500);
    const confirmed = await astdb();
    assert.equal(confirmed.size, 0, `a confirmed report is not kept in AstDB: ${[...confirmed].join('\n')}\n${nevermiss.tail(10)}`);

    // A report with a wrong token is refused, and the PBX keeps it for the next drain.
    await setOutboundReport(nevermiss.url, 'not-the-report-token-0123456789abcdef0123456789');
    await placeCall({ to: '+4520410005', from: '101', callerPort: CALLER_PORTS.deskOut, talkMs: 1_000, maxWaitMs: 30_000 });
    await waitForNoChannels(10_000);
    const refused = await until('the refused report in AstDB', async () => {
      const entries = await astdb();
      return keysOf(entries, 'outbound').length > 0 ? entries : undefined;
    }, 10_000);
    assert.equal(refused.size, 1);
    assert.ok(nevermiss.logs.some((line) => line.message === 'API request refused: not authenticated' && line['route'] === 'POST /api/hooks/outbound'), nevermiss.tail(10));
  });

  it('a late outbound report closes only callbacks of missed calls made before it', async () => {
    const nevermiss = await service();
    const store = createCallbackStore(redis, nevermiss.keyPrefix);
    const now = Date.now();
    // The customer rang again after the outbound call ended: that callback stays open.
    const later = await store.recordMissedCall({ callId: 'missed-later', caller: '+4520410006', called: TEST_DID, route: 'main', language: 'en', at: now - 10_000, dueAt: now + 600_000 });
    await asteriskCli(`database put nevermiss/outbound late-report-1 1|${now - 60_000}|%2B4520410006|101|30`);
    await nevermiss.start();
    await nevermiss.waitForLog(drained, 20_000);
    assert.equal((await store.get(later.id))?.status, 'pending');
    assert.equal((await astdb()).size, 0);
  });

  it('two instances of one installation: the active one killed mid-drain, the standby takes over and finishes it; one callback per caller, one outcome per call', async () => {
    // Both share Redis and the app: one is active and drains, the other stands by. The first
    // reaches ARI through a fault proxy, so a short cut makes it reconnect, and drain, on cue.
    const proxy = await bench.proxy({ host: '127.0.0.1', port: 8088 });
    const first = await service({ ariUrl: `http://${proxy.address}` });
    const second = await service({ keyPrefix: first.keyPrefix });
    await first.start();
    await second.start(30_000, 'standby');

    const now = Date.now();
    const calls: Array<{ key: string; number: string; answered: boolean }> = [];
    for (let i = 0; i < 80; i += 1) {
      // 64 callers, 16 of whom rang twice; every fifth call was answered by the fallback phone.
      calls.push({ key: `two-instances-${String(i).padStart(2, '0')}`, number: `+45204200${String(i % 64).padStart(2, '0')}`, answered: i % 5 === 4 });
    }
    for (const [i, call] of calls.entries()) {
      await asteriskCli(`database put nevermiss/fallback ${call.key} ${fallbackValue(now - 600_000 + i * 1_000, call.number, call.answered ? 'ANSWER' : 'NOANSWER', call.answered ? 30 : 0)}`);
    }
    assert.equal((await astdb()).size, 80);
    // What one drain in time order makes of them: a missed call opens a callback or adds to the
    // open one; a call a person answered closes the open one.
    const model = new Map<string, { status: 'pending' | 'done'; attempts: number }>();
    for (const call of calls) {
      const open = model.get(call.number);
      if (call.answered) {
        if (open) open.status = 'done';
      } else if (open?.status === 'pending') open.attempts += 1;
      else model.set(call.number, { status: 'pending', attempts: 1 });
    }

    const storedBy = (service: Service): number => service.logs.filter((line) => line.message === 'call from the dialplan fallback stored').length;
    proxy.cut(300);
    await first.waitForLog((line) => line.message === 'call from the dialplan fallback stored', 20_000);
    await first.kill();
    await second.waitForRole('active', 20_000);
    await second.waitForLog(drained, 30_000);
    await until('an empty AstDB', async () => ((await astdb()).size === 0 ? true : undefined));
    assert.ok(storedBy(second) > 0, 'the standby finished the drain');

    const store = createCallbackStore(redis, first.keyPrefix);
    const callIds = calls.map((call) => call.key);
    assert.deepEqual((await callLog(first.keyPrefix)).sort(), [...callIds].sort(), 'every call logged once');
    for (const number of new Set(calls.map((call) => call.number))) {
      const callbacks = await callbacksOf(store, number, callIds);
      const expected = model.get(number);
      assert.deepEqual(
        callbacks.map((cb) => ({ status: cb.status, attempts: cb.attempts })),
        expected ? [expected] : [],
        `${number}: ${JSON.stringify(callbacks)}`,
      );
      for (const callback of callbacks) {
        const history = await store.history(callback.id);
        assert.equal(history.filter((entry) => entry.event === 'created').length, 1, number);
        assert.equal(history.filter((entry) => entry.event === 'called-again').length, callback.attempts - 1, number);
      }
    }
    const stored = [...first.logs, ...second.logs].filter((line) => line.message === 'call from the dialplan fallback stored');
    const twice = stored.filter((line) => line['alreadyLogged'] === true).length;
    assert.ok(stored.length >= 80, `${stored.length} entries stored`);
    console.log(`two instances: ${stored.length} entries handled (${storedBy(first)} by the first, ${storedBy(second)} by the standby), ${twice} of them found already stored`);
  });

  it('a service killed mid-drain leaves no entry lost and none doubled', async () => {
    const now = Date.now();
    const numbers: string[] = [];
    for (let i = 0; i < 40; i += 1) {
      const number = `+45204300${String(i).padStart(2, '0')}`;
      numbers.push(number);
      await asteriskCli(`database put nevermiss/fallback killed-${String(i).padStart(2, '0')} ${fallbackValue(now - 300_000 + i, number, 'NOANSWER')}`);
    }
    const first = await service();
    await first.start();
    await first.waitForLog((line) => line.message === 'call from the dialplan fallback stored', 20_000);
    await first.kill();
    const left = (await astdb()).size;

    const second = await service({ keyPrefix: first.keyPrefix });
    await second.start();
    await second.waitForLog(drained, 30_000);
    await until('an empty AstDB', async () => ((await astdb()).size === 0 ? true : undefined));
    const store = createCallbackStore(redis, first.keyPrefix);
    const pending = await store.listPending();
    assert.deepEqual(pending.map((cb) => cb.caller).sort(), numbers, `each caller exactly once (${left} of 40 left after the kill)`);
    assert.equal((await callLog(first.keyPrefix)).length, 40);
    for (const callback of pending) assert.equal(callback.attempts, 1, callback.caller);
    console.log(`killed mid-drain: ${left} of 40 entries were left for the second service`);
  });

  it('hundreds of notes, more than one listing of DB_KEYS() holds: one drain takes them all, the last one too', async () => {
    const nevermiss = await service();
    const store = createCallbackStore(redis, nevermiss.keyPrefix);
    const now = Date.now();
    // 300 calls the service logged itself (their notes are dropped) and, listed last, one it never logged.
    const logged = Array.from({ length: 300 }, (_, i) => `logged-${String(i).padStart(3, '0')}`);
    for (const [i, key] of logged.entries()) {
      await store.logCall({ callId: key, caller: '+4520440000', called: TEST_DID, route: 'main', startedAt: now - 600_000 + i, endedAt: now - 500_000 + i, outcome: { kind: 'blocked' } });
    }
    const note = (at: number, number: string): string => `1|${at}|${encodeURIComponent(number)}|Kunde|${TEST_DID}|${at + 20_000}`;
    for (let i = 0; i < logged.length; i += 20) {
      await Promise.all(logged.slice(i, i + 20).map((key, j) => asteriskCli(`database put nevermiss/inbound ${key} ${note(now - 600_000 + i + j, '+4520440000')}`)));
    }
    await asteriskCli(`database put nevermiss/inbound zz-never-logged ${note(now - 120_000, '+4520440001')}`);
    assert.equal(keysOf(await astdb(), 'inbound').length, 301);

    await nevermiss.start();
    const summary = await connectDrain(nevermiss, 1);
    assert.equal(summary['interrupted'], 1, nevermiss.tail());
    assert.equal((await astdb()).size, 0, 'every note taken in one drain');
    assert.deepEqual((await store.listPending()).map((cb) => cb.caller), ['+4520440001']);
    assert.equal((await store.getCall('zz-never-logged'))?.outcome.kind, 'callback-pending');
  });
  it('killed (-9) mid-hunt and the caller leaves before it is back: the PBX notes the call, the restarted service records the missed call', async () => {
    const first = await service();
    await first.start();
    const desk = await phone('owner-desk', { behavior: 'ring' });
    const call = await startCall({ to: TEST_DID, from: '4520410011', hangupAfterMs: 4_000, maxWaitMs: 20_000 });
    await desk.waitForInvites(1, 10_000);
    await first.kill();
    assert.equal((await call.done).cancelled, true, 'the caller hung up while no service ran');
    const noted = await until('the PBX\'s note of the call', async () => {
      const entries = await astdb();
      return keysOf(entries, 'inbound').length > 0 ? entries : undefined;
    }, 10_000);
    const [key] = keysOf(noted, 'inbound');
    assert.match(noted.get(`inbound/${key}`) ?? '', /^1\|\d{13}\|4520410011\|[^|]*\|\d+\|\d{13}$/);

    const second = await service({ keyPrefix: first.keyPrefix });
    await second.start();
    const summary = await second.waitForLog(drained, 20_000);
    assert.equal(summary['interrupted'], 1, second.tail());
    const store = createCallbackStore(redis, second.keyPrefix);
    assert.deepEqual(await callLog(second.keyPrefix), [key]);
    const entry = await store.getCall(key ?? '');
    assert.ok(entry?.outcome.kind === 'callback-pending' && entry.outcome.reason === 'interrupted', JSON.stringify(entry));
    const pending = await store.listPending();
    assert.deepEqual(pending.map((cb) => [cb.caller, cb.attempts, cb.id]), [['+4520410011', 1, entry.outcome.callbackId]]);
    assert.match((await store.history(entry.outcome.callbackId))[0]?.detail ?? '', INTERRUPTED_NOTE);
    assert.equal((await astdb()).size, 0);
    // Drained once: a later drain changes nothing.
    await second.stop();
    await second.start();
    assert.equal((await connectDrain(second, 2))['interrupted'], 0);
    assert.equal((await store.listPending()).length, 1);
    assert.equal((await callLog(second.keyPrefix)).length, 1);
  });

  it('killed (-9) while the caller talks to the owner, and the call ends before it is back: logged as answered, no callback', async () => {
    const first = await service();
    await first.start();
    await phone('owner-desk', { behavior: 'answer', ringMs: 300 });
    const call = await startCall({ to: TEST_DID, from: '4520410012', talkMs: 5_000, maxWaitMs: 20_000 });
    // Put through: once the bridge stands, the service notes in Redis who took the call.
    const connected = await first.waitForLog((line) => line.message === 'caller put through to owner.desk', 15_000);
    await until('the note of who took the call', async () => ((await redis.exists(`{${first.keyPrefix}}:answered-call:${String(connected['callId'])}`)) === 1 ? true : undefined), 5_000);
    await first.kill();
    assert.equal((await call.done).status, 200);
    const noted = await until('the PBX\'s note of the call', async () => {
      const entries = await astdb();
      return keysOf(entries, 'inbound').length > 0 ? entries : undefined;
    }, 10_000);
    const [key = ''] = keysOf(noted, 'inbound');

    const second = await service({ keyPrefix: first.keyPrefix });
    await second.start();
    const summary = await second.waitForLog(drained, 20_000);
    assert.equal(summary['interrupted'], 1, second.tail());
    const store = createCallbackStore(redis, second.keyPrefix);
    const entry = await store.getCall(key);
    assert.ok(entry?.outcome.kind === 'answered', JSON.stringify(entry));
    assert.deepEqual(entry.outcome.by, { person: 'owner', phone: 'desk' });
    assert.ok(entry.outcome.talkMs >= 3_000 && entry.outcome.talkMs <= 8_000, `talked ${entry.outcome.talkMs} ms`);
    assert.deepEqual(await store.listPending(), []);
    assert.equal((await astdb()).size, 0);
    // The owner's phone, left in the bridge when the caller hung up, is let go, and the bridge removed.
    await waitForNoChannels(10_000);
    const bridges = await until('no bridge left', async () => {
      const { body } = await ariRequest('GET', '/bridges');
      return Array.isArray(body) && body.length === 0 ? body : undefined;
    }, 10_000);
    assert.deepEqual(bridges, []);
  });

  it('with the service up, a caller who hangs up mid-hunt is recorded once: the PBX\'s note is dropped at the next drain', async () => {
    const nevermiss = await service();
    await nevermiss.start();
    await connectDrain(nevermiss, 1);
    await phone('owner-desk', { behavior: 'ring' });
    const call = await startCall({ to: TEST_DID, from: '4520410013', hangupAfterMs: 2_000, maxWaitMs: 20_000 });
    assert.equal((await call.done).cancelled, true);
    const store = createCallbackStore(redis, nevermiss.keyPrefix);
    const [callId = ''] = await until('the call logged', async () => {
      const ids = await callLog(nevermiss.keyPrefix);
      return ids.length > 0 ? ids : undefined;
    }, 10_000);
    assert.deepEqual(keysOf(await astdb(), 'inbound'), [callId], 'the PBX noted the call when it ended');

    await nevermiss.stop();
    await nevermiss.start();
    const summary = await connectDrain(nevermiss, 2);
    assert.equal(summary['interrupted'], 0, 'the service had logged it itself');
    assert.equal((await astdb()).size, 0);
    assert.deepEqual((await store.listPending()).map((cb) => cb.caller), ['+4520410013']);
    const entry = await store.getCall(callId);
    assert.ok(entry?.outcome.kind === 'callback-pending' && entry.outcome.reason === 'caller-hung-up', JSON.stringify(entry));
  });
});

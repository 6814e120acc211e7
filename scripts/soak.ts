/**
 * `npm run soak -- --calls 2000 [--rate 5] [--faults ari-cut,ari-blackhole,redis-blackhole,kill,asterisk-restart] [--seed N]`
 *
 * Calls at a steady rate through the sandbox PBX into nevermiss, with phones that behave at
 * random (answer after a random time, busy, fail, ring out; some callers hang up while it rings),
 * and faults injected at random moments: the line to Asterisk cut or black-holed, Redis
 * black-holed, the service killed (-9) and started again, Asterisk restarted. Then an invariant
 * check, printed as a table:
 *   calls placed, outcomes per call (exactly 1; each call dials its own number so the call log
 *   tells them apart), missed callers with a number vs callbacks
 *   (equal), channels and bridges left in Asterisk (0), the service's heap and RSS before and after.
 * Exit code 0 when every invariant holds, 1 when one does not.
 */
import { randomInt, randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { ariRequest, asteriskCli, CALLER_PORTS, ensureSandbox, PHONES, restartAsterisk, TEST_DID, waitForNoChannels } from '../test/support/sandbox.js';
import { ensureRedis, deleteNevermissKeys } from '../test/support/redis.js';
import { startLoad, startPhone, type LoadReport } from '../test/support/sipp.js';
import { Service } from '../test/support/service.js';
import { startFaultProxy } from '../test/support/fault-proxy.js';

const FAULTS = ['ari-cut', 'ari-blackhole', 'redis-blackhole', 'kill', 'asterisk-restart'] as const;
type Fault = (typeof FAULTS)[number];

const { values } = parseArgs({
  options: {
    calls: { type: 'string', default: '2000' },
    rate: { type: 'string', default: '5' },
    faults: { type: 'string', default: FAULTS.join(',') },
    'fault-every': { type: 'string', default: '40' },
    keep: { type: 'boolean', default: false },
  },
});
const calls = Number(values.calls);
const rate = Number(values.rate);
const faultEveryS = Number(values['fault-every']);
const faults = values.faults.split(',').filter((f): f is Fault => (FAULTS as readonly string[]).includes(f));
if (!Number.isInteger(calls) || calls < 1 || !(rate > 0) || !(faultEveryS > 0)) {
  console.error('usage: npm run soak -- --calls N [--rate R] [--faults a,b] [--fault-every SECONDS]');
  process.exit(2);
}

const RULES = `
people:
  owner:
    phones:
      desk: Local/phone@sandbox-soak-phones/n
      mobile: Local/phone@sandbox-soak-phones/n
  colleague:
    phones:
      mobile: Local/phone@sandbox-soak-phones/n
routes:
  main:
    numbers: ["${TEST_DID}"]
    language: en
    hunt:
      - ring: [owner]
        timeout: 6s
      - ring: [colleague]
        timeout: 5s
    promise:
      deadline: 10m
defaultRoute: main
`;

const log = (text: string): void => console.log(`${new Date().toISOString().slice(11, 19)}  ${text}`);

async function main(): Promise<number> {
  await Promise.all([ensureSandbox(), ensureRedis()]);
  await waitForNoChannels(60_000);
  // Fallback records left by earlier runs on this bench are not this soak's calls.
  await asteriskCli('database deltree nevermiss');
  const redis = new Redis('redis://127.0.0.1:6379/0');
  const ariProxy = await startFaultProxy({ host: '127.0.0.1', port: 8088 });
  const redisProxy = await startFaultProxy({ host: '127.0.0.1', port: 6379 });
  const keyPrefix = `nm-soak-${randomUUID()}`;
  const options = { rules: RULES, keyPrefix, ariUrl: `http://${ariProxy.address}`, redisUrl: `redis://${redisProxy.address}/0`, drainAstdb: true };
  // One installation: a kill fault starts the same service again (same config, same spool).
  const service = await Service.create(options);
  const processes = [service];
  const fallback = await startPhone({ port: PHONES.fallback, behavior: 'answer', ringMs: 1_000, talkMs: 2_000 });

  await service.start(60_000);
  const before = await memory(service);
  log(`service up (key prefix ${keyPrefix}); placing ${calls} calls at ${rate}/s; faults: ${faults.join(', ') || 'none'}`);

  // Callers: a pool smaller than the calls, so numbers repeat (folded into one callback); 5 % withheld.
  const pool = Array.from({ length: Math.max(1, Math.round(calls * 0.7)) }, () => `452${randomInt(1_000_000, 9_999_999)}`);
  const numbers = (n: number): string[] => Array.from({ length: n }, () => (randomInt(100) < 5 ? 'anonymous' : (pool[randomInt(pool.length)] ?? 'anonymous')));
  const impatient = Math.round(calls * 0.2);
  const patient = calls - impatient;
  // Each call dials its own number (the firm's number and a call index; the route is the default
  // one), so the call log tells every call apart from the caller's side: numbers repeat, DIDs don't.
  const did = (i: number): string => `${TEST_DID}${String(i).padStart(5, '0')}`;
  const dids = Array.from({ length: calls }, (_, i) => did(i));
  const loads = [
    await startLoad({ calls: patient, rate: (rate * patient) / calls, numbers: numbers(patient), to: TEST_DID, dids: dids.slice(0, patient), callerPort: CALLER_PORTS.caller, talkMs: 60_000 }),
    ...(impatient > 0
      ? [await startLoad({ calls: impatient, rate: (rate * impatient) / calls, numbers: numbers(impatient), to: TEST_DID, dids: dids.slice(patient), callerPort: CALLER_PORTS.caller2, cancelAfterMs: 4_000 })]
      : []),
  ];
  let loadsDone = false;
  const reports = Promise.all(loads.map((load) => load.done)).finally(() => (loadsDone = true));

  const injected: Array<{ at: string; fault: Fault; detail: string }> = [];
  while (!loadsDone && faults.length > 0) {
    await Promise.race([sleep((faultEveryS / 2 + randomInt(Math.max(1, faultEveryS))) * 1000), reports]);
    if (loadsDone) break;
    const fault = faults[randomInt(faults.length)];
    if (fault === undefined) break;
    const at = new Date().toISOString().slice(11, 19);
    switch (fault) {
      case 'ari-cut': {
        const ms = randomInt(2_000, 30_000);
        ariProxy.cut(ms);
        injected.push({ at, fault, detail: `${ms} ms` });
        await sleep(ms);
        break;
      }
      case 'ari-blackhole': {
        const ms = randomInt(3_000, 20_000);
        ariProxy.blackhole();
        await sleep(ms);
        ariProxy.heal();
        injected.push({ at, fault, detail: `${ms} ms` });
        break;
      }
      case 'redis-blackhole': {
        const ms = randomInt(2_000, 15_000);
        redisProxy.blackhole();
        await sleep(ms);
        redisProxy.heal();
        injected.push({ at, fault, detail: `${ms} ms` });
        break;
      }
      case 'kill': {
        const downMs = randomInt(1_000, 8_000);
        await service.kill();
        await sleep(downMs);
        await service.start(60_000);
        injected.push({ at, fault, detail: `down ${downMs} ms` });
        break;
      }
      case 'asterisk-restart':
        await restartAsterisk();
        injected.push({ at, fault, detail: 'restart' });
        break;
    }
    log(`fault: ${fault} ${injected.at(-1)?.detail ?? ''}`);
  }
  const placed = await reports;
  ariProxy.heal();
  redisProxy.heal();
  log('all calls placed; waiting for the last ones to end');
  await settle(service);
  const after = await memory(service);

  // The invariants.
  const allLogs = processes.flatMap((p) => p.logs);
  const ended = countBy(allLogs.filter((line) => typeof line.message === 'string' && line.message.startsWith('call ended: ')), (line) => String(line['callId']));
  const outcomeIds = await redis.zrange(`{${keyPrefix}}:calls`, 0, -1);
  const entries = await Promise.all(outcomeIds.map((id) => redis.hmget(`{${keyPrefix}}:call:${id}`, 'outcome', 'called')));
  const outcomes = entries.map(([outcome]) => JSON.parse(outcome ?? '{}') as { kind?: string; callbackId?: string });
  // Per dialled number, i.e. per call placed: how many outcomes, and which calls the PBX turned down.
  const outcomesPerCall = countBy(entries, ([, called]) => called ?? '');
  const refusedTo = new Set(placed.flatMap((report) => report.refusedTo));
  const unanswered = dids.filter((d) => !refusedTo.has(d) && !outcomesPerCall.has(d));
  const refusedOnRecord = [...refusedTo].filter((d) => outcomesPerCall.has(d)).length;
  const twiceLogged = [...outcomesPerCall.values()].filter((n) => n > 1).length;
  const kinds = countBy(outcomes, (o) => o.kind ?? '?');
  const callbackKeys = (await redis.keys(`{${keyPrefix}}:callback:*`)).filter((key) => !key.endsWith(':history'));
  const recordedMissed = (await Promise.all(callbackKeys.map((key) => redis.hget(key, 'attempts')))).reduce((sum, n) => sum + Number(n ?? 0), 0);
  const missedWithNumber = outcomes.filter((o) => o.kind === 'callback-pending' || (o.kind === 'fallback' && o.callbackId)).length;
  const channels = await ariRequest('GET', '/channels');
  const bridges = await ariRequest('GET', '/bridges');
  const left = { channels: Array.isArray(channels.body) ? channels.body.length : -1, bridges: Array.isArray(bridges.body) ? bridges.body.length : -1 };
  const totals = sum(placed);
  const twice = [...ended.entries()].filter(([, n]) => n > 1).map(([id]) => id);
  // Calls the service saw that have no outcome, for a person to look into (with the log file).
  const arrived = new Set(allLogs.filter((line) => line.message === 'call arrived' || line.message.startsWith('found a caller')).map((line) => String(line['callId'])));
  const logged = new Set(outcomeIds);
  const missing = [...arrived].filter((id) => !logged.has(id));
  const logFile = join(tmpdir(), `${keyPrefix}.log`);
  writeFileSync(logFile, allLogs.map((line) => JSON.stringify(line)).join('\n') + '\n');

  const rows: Array<[string, string, string, boolean]> = [
    ['calls placed (SIPp)', `${totals.created} (${totals.successful} completed, ${totals.failed} failed at the caller)`, `= ${calls}`, totals.created === calls],
    ['calls the PBX turned down (a final SIP error, e.g. while Asterisk restarted)', `${totals.refused} (${refusedOnRecord} of them on record all the same)`, '', true],
    ['calls with an outcome in the call log', String(outcomes.length), '', true],
    ['calls not turned down and without an outcome', String(unanswered.length), '0', unanswered.length === 0],
    ['calls with more than one outcome (call log; "call ended" log lines)', `${twiceLogged}; ${twice.length}`, '0; 0', twiceLogged === 0 && twice.length === 0],
    ['missed callers with a number', String(missedWithNumber), '', true],
    ['missed calls on record in callbacks (attempts)', String(recordedMissed), '= missed callers with a number', recordedMissed === missedWithNumber],
    ['channels left in Asterisk', String(left.channels), '0', left.channels === 0],
    ['bridges left in Asterisk', String(left.bridges), '0', left.bridges === 0],
    ['service processes alive at the end', String(processes.filter((p) => p.alive()).length), '1', processes.filter((p) => p.alive()).length === 1],
    ['heap used, start -> end (MB)', `${mb(before.heapUsed)} -> ${mb(after.heapUsed)}`, '', true],
    ['RSS, start -> end (MB)', `${mb(before.rss)} -> ${mb(after.rss)}`, '', true],
  ];
  console.log(`\nFaults injected (${injected.length}): ${summarize(injected.map((f) => f.fault))}`);
  for (const f of injected) console.log(`  ${f.at}  ${f.fault}  ${f.detail}`);
  console.log(`Outcomes: ${[...kinds].map(([kind, n]) => `${kind} ${n}`).join(', ')}`);
  if (missing.length > 0) console.log(`Calls the service saw without an outcome (${missing.length}): ${missing.slice(0, 10).join(', ')}`);
  if (unanswered.length > 0) console.log(`Calls placed, not turned down, without an outcome (dialled numbers): ${unanswered.slice(0, 10).join(', ')}`);
  if (twice.length > 0) console.log(`Calls with more than one "call ended": ${twice.slice(0, 10).join(', ')}`);
  if (left.bridges > 0 && Array.isArray(bridges.body)) {
    const listed = (bridges.body as Array<{ id?: string; channels?: string[]; creationtime?: string }>).slice(0, 10);
    console.log(`Bridges left: ${listed.map((b) => `${b.id} (${b.channels?.length ?? 0} channels, made ${b.creationtime})`).join(', ')}`);
  }
  console.log(`The services' logs: ${logFile}`);
  console.log('\n| invariant | measured | expected | holds |\n| --- | --- | --- | --- |');
  for (const [name, measured, expected, holds] of rows) console.log(`| ${name} | ${measured} | ${expected} | ${holds ? 'yes' : '**no**'} |`);

  await fallback.stop();
  for (const p of processes) await p.stop();
  if (!values.keep) await deleteNevermissKeys(redis, keyPrefix);
  for (const p of processes) p.cleanup();
  redis.disconnect();
  await Promise.all([ariProxy.close(), redisProxy.close()]);
  return rows.every(([, , , holds]) => holds) ? 0 : 1;
}

/** Waits until the service has no call in progress and Asterisk no channel, up to 3 minutes. */
async function settle(service: Service): Promise<void> {
  const until = Date.now() + 180_000;
  while (Date.now() < until) {
    const health = await service.health();
    const channels = await ariRequest('GET', '/channels').catch(() => ({ body: [1] }));
    if (health.body['activeCalls'] === 0 && Array.isArray(channels.body) && channels.body.length === 0) {
      await sleep(3_000); // the last outcomes and drains land
      return;
    }
    await sleep(1_000);
  }
}

async function memory(service: Service): Promise<{ rss: number; heapUsed: number }> {
  const mem = (await service.health()).body['memory'] as { rss?: number; heapUsed?: number } | undefined;
  return { rss: mem?.rss ?? 0, heapUsed: mem?.heapUsed ?? 0 };
}

function countBy<T>(items: readonly T[], key: (item: T) => string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return counts;
}

function sum(reports: readonly LoadReport[]): { created: number; successful: number; failed: number; refused: number } {
  return reports.reduce(
    (a, r) => ({ created: a.created + r.created, successful: a.successful + r.successful, failed: a.failed + r.failed, refused: a.refused + r.refused }),
    { created: 0, successful: 0, failed: 0, refused: 0 },
  );
}

function summarize(items: readonly string[]): string {
  return [...countBy(items, (x) => x)].map(([k, n]) => `${k} ×${n}`).join(', ') || 'none';
}

const mb = (bytes: number): string => (bytes / 1024 / 1024).toFixed(1);

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);

/**
 * `npm run bench [-- --calls 400 --rounds 3 --step 20 --rates 25,50,75,100,150,200,250,300,350,400 --ringing 1000,2000]`
 *
 * The same hunt (the owner's desk and mobile at once for 5 s, then the colleague) for the same SIPp
 * callers and phones, in one run: through plain dialplan (Dial(), no ARI), through the ARI floor (a
 * minimal ari-client app, floor-app.ts) and through nevermiss, with every phone's default whenBusy
 * (skip) and with whenBusy: ring. Per configuration: answer time
 * from the caller's INVITE to its 200 (p50/p95/p99, microsecond timestamps of SIPp's message
 * trace), Asterisk's and the service's CPU per call (/proc/<pid>/stat before and after), the
 * service's RSS; failed calls, calls without an outcome, and callbacks (= calls nobody answered).
 * Then a sweep of rates for the highest with no failed call and p99 <= 100 ms; the cost of the
 * promise path (nobody answers) and of screening; the service's RSS and heap with 1000 and 2000
 * hunts ringing at once. Prints markdown tables with the ratios to plain dialplan
 * (docs/benchmarks.md says what each figure means).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { ariRequest, asteriskCli, CALLER_PORTS, ensureSandbox, PHONES, restartAsterisk, stasisAppConnected, waitForNoChannels } from '../../test/support/sandbox.js';
import { deleteNevermissKeys, ensureRedis } from '../../test/support/redis.js';
import { startLoad, startPhone, type PhoneHandle, type PhoneOptions } from '../../test/support/sipp.js';
import { Service } from '../../test/support/service.js';
import { FIRMS, firmNumber, firmNumbers, firmRules, type RulesOptions } from './firms.js';
import { asteriskPid, cpuMs, ioCalls, machineLoad, oneMinuteLoad, percentile } from './measure.js';

const { values } = parseArgs({
  options: {
    calls: { type: 'string', default: '400' },
    rounds: { type: 'string', default: '3' },
    rate: { type: 'string', default: '20' },
    step: { type: 'string', default: '20' },
    rates: { type: 'string', default: '25,50,75,100,150,200,250,300,350,400' },
    'promise-calls': { type: 'string', default: '100' },
    ringing: { type: 'string', default: '1000,2000' },
    'ringing-rate': { type: 'string', default: '100' },
    only: { type: 'string', default: 'compare,sweep,promise,screening,ringing' },
    /** Write a CPU profile of each service process (node --cpu-prof) into this directory. */
    profile: { type: 'string' },
  },
});
const calls = Number(values.calls);
const rounds = Number(values.rounds);
const rate = Number(values.rate);
const stepS = Number(values.step);
const rates = values.rates.split(',').map(Number);
const promiseCalls = Number(values['promise-calls']);
const ringing = values.ringing.split(',').map(Number).sort((a, b) => a - b);
const ringingRate = Number(values['ringing-rate']);
const only = new Set(values.only.split(','));
if (![calls, rounds, rate, stepS, promiseCalls, ringingRate, ...rates, ...ringing].every((n) => Number.isFinite(n) && n > 0)) {
  console.error('usage: npm run bench -- [--calls N] [--rounds N] [--rate R] [--step SECONDS] [--rates R1,R2,...] [--promise-calls N] [--ringing N1,N2] [--ringing-rate R] [--only compare,sweep,promise,screening,ringing] [--profile DIR]');
  process.exit(2);
}

/**
 * The caller hangs up this long after the answer: long enough for the service to put it through
 * (a caller who leaves before the bridge is up was put through to nobody: a callback), short
 * enough that a firm's phones are free again for its next call (FIRMS / rate seconds later).
 */
const TALK_MS = 500;
/** The service may need this much more for the last outcomes to land in Redis. */
const SETTLE_MS = 60_000;

const log = (text: string): void => console.log(`${new Date().toISOString().slice(11, 19)}  ${text}`);

type Target = 'plain' | 'floor' | 'nevermiss';

interface Run {
  readonly label: string;
  readonly rate: number;
  readonly calls: number;
  readonly answered: number;
  readonly failed: number;
  /** Calls the service saw end without an outcome in its call log (nevermiss only). */
  readonly noOutcome: number | null;
  readonly callbacks: number | null;
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly asteriskCpuMs: number;
  readonly nodeCpuMs: number | null;
  /** Read and write system calls per call, of Asterisk and of the service. */
  readonly asteriskIo: number;
  readonly nodeIo: number | null;
  readonly rssMb: number | null;
  readonly load: string;
}

interface Bench {
  readonly redis: Redis;
  readonly asterisk: number;
  service: Service | undefined;
  /** The ARI floor (floor-app.ts) while it runs instead of the service. */
  floor: ChildProcess | undefined;
  phones: PhoneHandle[];
}

async function main(): Promise<number> {
  log(`start; ${machineLoad()}`);
  await Promise.all([ensureSandbox(), ensureRedis()]);
  if (await stasisAppConnected()) throw new Error('another process holds the Stasis app "nevermiss"; stop it first');
  await ensureAsteriskLimits(Math.max(...ringing) * 2 + 500);
  await waitForNoChannels(60_000);
  const bench: Bench = { redis: new Redis('redis://127.0.0.1:6379/0'), asterisk: asteriskPid(), service: undefined, floor: undefined, phones: [] };
  const answering: PhoneOptions[] = [
    { port: PHONES['owner-desk'], behavior: 'ring' },
    { port: PHONES['owner-mobile'], behavior: 'answer', ringMs: 1 },
    { port: PHONES.colleague, behavior: 'answer', ringMs: 1 },
  ];
  const silent: PhoneOptions[] = [PHONES['owner-desk'], PHONES['owner-mobile'], PHONES.colleague].map((port) => ({ port, behavior: 'ring' }));
  const failures: string[] = [];
  try {
    if (only.has('compare')) {
      await usePhones(bench, answering);
      await runLoad(bench, 'plain', 'warm-up', WARM_UP_RATE, FIRMS, { quiet: true });
      // Rounds of the four in turn, so that what else runs on the machine falls on all of them alike.
      const plain: Run[] = [];
      const floor: Run[] = [];
      const skip: Run[] = [];
      const ring: Run[] = [];
      for (let round = 1; round <= rounds; round++) {
        plain.push(await runLoad(bench, 'plain', 'plain dialplan Dial()', rate, calls));
        await useFloor(bench);
        floor.push(await runLoad(bench, 'floor', 'ARI floor: a minimal ari-client app, no busy check', rate, calls));
        await stopFloor(bench);
        await useService(bench, { whenBusy: 'skip' });
        skip.push(await runLoad(bench, 'nevermiss', 'nevermiss, default (whenBusy: skip)', rate, calls));
        await reloadRules(bench, { whenBusy: 'ring' });
        ring.push(await runLoad(bench, 'nevermiss', 'nevermiss, every phone whenBusy: ring', rate, calls));
        await stopService(bench);
      }
      const all = [...plain, ...floor, ...skip, ...ring];
      if (rounds > 1) printRuns(`Every round at ${rate} calls/s, ${calls} calls each`, all);
      const medians = [median(plain), median(floor), median(skip), median(ring)];
      printRuns(`At ${rate} calls/s: the median of ${rounds} round(s) of ${calls} calls, ratios to plain dialplan`, medians, medians[0]);
      const [p, f, d, r] = medians;
      if (p && f && d && r) {
        const x = (a: number, b: number): string => (b > 0 ? `${(a / b).toFixed(2)}×` : '–');
        console.log(
          `\nnevermiss (default) against the ARI floor: Asterisk CPU ${x(d.asteriskCpuMs, f.asteriskCpuMs)}, Node CPU ${x(d.nodeCpuMs ?? 0, f.nodeCpuMs ?? 0)}, ` +
            `system calls ${x(d.nodeIo ?? 0, f.nodeIo ?? 0)}, answer p50 ${(d.p50 - f.p50).toFixed(1)} ms later, p99 ${(d.p99 - f.p99).toFixed(1)} ms later. ` +
            `Against plain dialplan: answer p50 ${(d.p50 - p.p50).toFixed(1)} ms later, p99 ${(d.p99 - p.p99).toFixed(1)} ms later. ` +
            `Default against whenBusy: ring: Asterisk CPU ${x(d.asteriskCpuMs, r.asteriskCpuMs)}.`,
        );
      }
      failures.push(...checkAnswered(all));
    }
    if (only.has('sweep')) {
      await usePhones(bench, answering);
      const plainSteps = await sweep(bench, 'plain');
      await useFloor(bench);
      const floorSteps = await sweep(bench, 'floor');
      await stopFloor(bench);
      await useService(bench, { whenBusy: 'skip' });
      const serviceSteps = await sweep(bench, 'nevermiss');
      printSweep(plainSteps, floorSteps, serviceSteps);
    }
    if (only.has('promise')) {
      await usePhones(bench, silent);
      await useService(bench, { whenBusy: 'skip', ownerTimeout: '1s', colleagueTimeout: '1s' });
      const promise = await runLoad(bench, 'nevermiss', 'nevermiss, nobody answers (promise)', Math.min(rate, 10), promiseCalls, { talkMs: 60_000 });
      printRuns('The promise path: nobody answers (steps of 1 s), the caller hears the promise', [promise]);
      if (promise.callbacks !== promise.calls) failures.push(`promise: ${promise.callbacks ?? 0} callbacks for ${promise.calls} calls nobody answered`);
      if (promise.failed > 0 || promise.noOutcome !== 0) failures.push(`promise: ${promise.failed} failed, ${promise.noOutcome ?? '?'} without an outcome`);
    }
    if (only.has('screening')) {
      const [desk, , colleague] = answering;
      const pressing: PhoneOptions = { port: PHONES['owner-mobile'], behavior: 'answer', ringMs: 1, dtmf: { digit: '1', afterMs: 200 } };
      await usePhones(bench, [desk, pressing, colleague].filter((phone) => phone !== undefined));
      await useService(bench, { whenBusy: 'skip' });
      const unscreened = await runLoad(bench, 'nevermiss', 'nevermiss, default', rate, calls);
      await useService(bench, { whenBusy: 'skip', screenMobile: true });
      const screened = await runLoad(bench, 'nevermiss', 'nevermiss, the mobile screened (press 1 after 200 ms)', rate, calls);
      printRuns('Screening: the one who answers hears who calls and presses 1 (answer time includes the prompt)', [unscreened, screened], unscreened);
      failures.push(...checkAnswered([unscreened, screened]));
    }
    if (only.has('ringing')) {
      await usePhones(bench, silent);
      // One phone per hunt: a channel holds four or five file descriptors in Asterisk, and a process
      // here may hold at most 20 000 (a hard limit only CAP_SYS_RESOURCE could raise), so 2 000
      // hunts fit with two channels each (caller and mobile), not with three.
      await useService(bench, { whenBusy: 'ring', ownerTimeout: '10m', colleagueTimeout: '10m', ownerMobileOnly: true }, { warmUp: false });
      await ringingHunts(bench);
    }
  } finally {
    await stopFloor(bench);
    await stopService(bench);
    await Promise.all(bench.phones.map((phone) => phone.stop()));
    bench.redis.disconnect();
  }
  log(`done; ${machineLoad()}`);
  if (failures.length > 0) console.log(`\nNot as expected:\n${failures.map((f) => `- ${f}`).join('\n')}`);
  return failures.length === 0 ? 0 : 1;
}

/** The answered runs: every call answered, every call with an outcome, no callback. */
function checkAnswered(runs: readonly Run[]): string[] {
  return runs
    .filter((run) => run.failed > 0 || (run.noOutcome ?? 0) > 0 || (run.callbacks ?? 0) > 0)
    .map((run) => `${run.label} at ${run.rate}/s: ${run.failed} failed, ${run.noOutcome ?? '-'} without an outcome, ${run.callbacks ?? '-'} callbacks`);
}

async function usePhones(bench: Bench, phones: readonly PhoneOptions[]): Promise<void> {
  await Promise.all(bench.phones.map((phone) => phone.stop()));
  bench.phones = await Promise.all(phones.map((options) => startPhone(options)));
}

/** `warmUp: false` for phones that never answer: a warm-up call would ring as long as the steps last. */
async function useService(bench: Bench, rules: RulesOptions, { warmUp = true }: { warmUp?: boolean } = {}): Promise<void> {
  await stopService(bench);
  const profile = values.profile === undefined ? [] : ['--cpu-prof', '--cpu-prof-dir', values.profile];
  // SIGUSR2 makes the service collect its garbage (memory held vs memory not yet collected).
  const gc = ['--expose-gc', '--require', fileURLToPath(new URL('./gc-on-signal.cjs', import.meta.url))];
  const service = await Service.create({ rules: firmRules(rules), logLevel: 'info', compiled: true, nodeOptions: [...gc, ...profile] });
  bench.service = service;
  await service.start(60_000);
  log(`service up (pid ${service.pid}; ${JSON.stringify(rules)})`);
  // A fresh process compiles as it goes, and watches each phone's state from its first call on:
  // a call to every firm first, so that what is measured is the service in its steady state.
  if (warmUp) await runLoad(bench, 'nevermiss', 'warm-up', WARM_UP_RATE, FIRMS, { quiet: true });
}

const WARM_UP_RATE = 50;

/** Starts the ARI floor (floor-app.ts) in a process of its own, and warms it up like the service. */
async function useFloor(bench: Bench): Promise<void> {
  await stopService(bench);
  await stopFloor(bench);
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./floor-app.ts', import.meta.url)), 'http://127.0.0.1:8088', 'nevermiss'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  bench.floor = child;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the ARI floor app did not start within 30 s')), 30_000);
    child.stdout.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('floor app ready')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the ARI floor app exited (${code ?? 'signal'})`));
    });
  });
  log(`ARI floor app up (pid ${child.pid ?? '?'})`);
  await runLoad(bench, 'floor', 'warm-up', WARM_UP_RATE, FIRMS, { quiet: true });
}

async function stopFloor(bench: Bench): Promise<void> {
  const child = bench.floor;
  if (child === undefined) return;
  bench.floor = undefined;
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

/** New rules for the running service (it watches its config file); resolves once it reloaded them. */
async function reloadRules(bench: Bench, rules: RulesOptions): Promise<void> {
  const service = bench.service;
  if (service === undefined) throw new Error('no service runs');
  const reloads = (): number => service.logs.filter((line) => line.message === 'config reloaded').length;
  const before = reloads();
  service.rewriteRules(firmRules(rules));
  const until = Date.now() + 30_000;
  while (reloads() === before) {
    if (Date.now() > until) throw new Error(`the service did not reload its rules (${JSON.stringify(rules)}):\n${service.tail()}`);
    await sleep(100);
  }
}

/** Per figure, the median of the runs (each figure on its own). */
function median(runs: readonly Run[]): Run {
  const first = runs[0];
  if (first === undefined) throw new Error('no runs');
  const mid = (pick: (run: Run) => number): number => percentile(runs.map(pick), 50);
  return {
    ...first,
    answered: runs.reduce((sum, run) => sum + run.answered, 0),
    calls: runs.reduce((sum, run) => sum + run.calls, 0),
    failed: runs.reduce((sum, run) => sum + run.failed, 0),
    noOutcome: first.noOutcome === null ? null : runs.reduce((sum, run) => sum + (run.noOutcome ?? 0), 0),
    callbacks: first.callbacks === null ? null : runs.reduce((sum, run) => sum + (run.callbacks ?? 0), 0),
    p50: mid((run) => run.p50),
    p95: mid((run) => run.p95),
    p99: mid((run) => run.p99),
    asteriskCpuMs: mid((run) => run.asteriskCpuMs),
    nodeCpuMs: first.nodeCpuMs === null ? null : mid((run) => run.nodeCpuMs ?? 0),
    asteriskIo: mid((run) => run.asteriskIo),
    nodeIo: first.nodeIo === null ? null : mid((run) => run.nodeIo ?? 0),
    rssMb: first.rssMb === null ? null : mid((run) => run.rssMb ?? 0),
    load: runs.map((run) => run.load.replace(/^load (\S+).*$/, '$1')).join(', '),
  };
}

async function stopService(bench: Bench): Promise<void> {
  const service = bench.service;
  if (service === undefined) return;
  bench.service = undefined;
  await service.stop();
  const logFile = join(tmpdir(), `${service.keyPrefix}.log`);
  writeFileSync(logFile, service.logs.map((line) => JSON.stringify(line)).join('\n') + '\n');
  log(`the service's log: ${logFile}`);
  await deleteNevermissKeys(bench.redis, service.keyPrefix);
  service.cleanup();
}

/** Callers' numbers: each call its own, so no two calls fold into one callback. */
function callerNumbers(n: number): string[] {
  const base = randomInt(10_000_000, 80_000_000);
  return Array.from({ length: n }, (_, i) => `4520${base + i}`);
}

async function runLoad(bench: Bench, target: Target, label: string, callRate: number, n: number, options: { talkMs?: number; quiet?: boolean } = {}): Promise<Run> {
  const service = target === 'nevermiss' ? bench.service : undefined;
  if (target === 'nevermiss' && service === undefined) throw new Error('no service runs');
  if (target === 'floor' && bench.floor === undefined) throw new Error('the ARI floor app does not run');
  // The process that runs the calls over ARI, whose CPU and system calls are counted.
  const appPid = target === 'floor' ? bench.floor?.pid : service?.pid;
  await waitForNoChannels(60_000);
  const callsKey = service && `{${service.keyPrefix}}:calls`;
  const logsBefore = service?.logs.length ?? 0;
  const loggedBefore = callsKey ? await bench.redis.zcard(callsKey) : 0;
  const load = machineLoad();
  const asteriskBefore = cpuMs(bench.asterisk);
  const nodeBefore = appPid === undefined ? undefined : cpuMs(appPid);
  const asteriskIoBefore = ioCalls(bench.asterisk);
  const nodeIoBefore = appPid === undefined ? undefined : ioCalls(appPid);
  const report = await (
    await startLoad({
      calls: n,
      rate: callRate,
      numbers: callerNumbers(n),
      to: firmNumber(0),
      dids: firmNumbers(n),
      callerPort: target === 'plain' ? CALLER_PORTS.plain : CALLER_PORTS.caller,
      talkMs: options.talkMs ?? TALK_MS,
      waitMs: 90_000,
      timing: true,
    })
  ).done;
  await waitForNoChannels(SETTLE_MS);
  let noOutcome: number | null = null;
  let callbacks: number | null = null;
  let rssMb: number | null = null;
  let outcomeKinds = '';
  if (service && callsKey) {
    // The last outcomes are written as the calls end; wait until every call the service saw is logged.
    const until = Date.now() + SETTLE_MS;
    while ((await service.health()).body['activeCalls'] !== 0 && Date.now() < until) await sleep(200);
    const ids = await bench.redis.zrange(callsKey, loggedBefore, -1);
    const outcomes = await Promise.all(ids.map((id) => bench.redis.hget(`{${service.keyPrefix}}:call:${id}`, 'outcome')));
    const kinds = outcomes.map((o) => (JSON.parse(o ?? '{}') as { kind?: string; callbackId?: string }));
    outcomeKinds = [...new Set(kinds.map((o) => o.kind ?? '?'))].map((kind) => `${kind} ${kinds.filter((o) => (o.kind ?? '?') === kind).length}`).join(', ');
    callbacks = kinds.filter((o) => o.kind === 'callback-pending' || (o.kind === 'fallback' && o.callbackId !== undefined)).length;
    noOutcome = Math.max(0, n - report.refused - ids.length);
    const memory = (await service.health()).body['memory'] as { rss?: number } | undefined;
    rssMb = (memory?.rss ?? 0) / 1024 / 1024;
  }
  const asteriskCpu = cpuMs(bench.asterisk) - asteriskBefore;
  const nodeCpu = appPid === undefined || nodeBefore === undefined ? null : cpuMs(appPid) - nodeBefore;
  const asteriskIo = ioCalls(bench.asterisk) - asteriskIoBefore;
  const nodeIo = appPid === undefined || nodeIoBefore === undefined ? null : ioCalls(appPid) - nodeIoBefore;
  const times = report.setupMs;
  const run: Run = {
    label,
    rate: callRate,
    calls: n,
    answered: times.length,
    failed: report.failed + report.refused + Math.max(0, n - report.failed - report.refused - times.length),
    noOutcome,
    callbacks,
    p50: percentile(times, 50),
    p95: percentile(times, 95),
    p99: percentile(times, 99),
    asteriskCpuMs: asteriskCpu / n,
    nodeCpuMs: nodeCpu === null ? null : nodeCpu / n,
    asteriskIo: asteriskIo / n,
    nodeIo: nodeIo === null ? null : nodeIo / n,
    rssMb,
    load,
  };
  const problems = (service?.logs.slice(logsBefore) ?? []).filter((line) => line.level === 'warn' || line.level === 'error');
  if (problems.length > 0 && options.quiet !== true) {
    const byMessage = new Map<string, number>();
    for (const line of problems) byMessage.set(`${line.level}: ${line.message}`, (byMessage.get(`${line.level}: ${line.message}`) ?? 0) + 1);
    log(`the service logged ${problems.length} warnings and errors: ${[...byMessage].slice(0, 5).map(([m, k]) => `${m} ×${k}`).join('; ')}`);
  }
  if (options.quiet !== true) log(`${label} at ${callRate}/s: ${run.answered}/${n} answered, p50 ${ms(run.p50)} p99 ${ms(run.p99)} ms, Asterisk ${ms(run.asteriskCpuMs)} ms/call, Node ${run.nodeCpuMs === null ? '-' : ms(run.nodeCpuMs)} ms/call, system calls per call Asterisk ${run.asteriskIo.toFixed(0)} Node ${run.nodeIo === null ? '-' : run.nodeIo.toFixed(0)}${outcomeKinds ? `; outcomes: ${outcomeKinds}` : ''}; ${load}`);
  return run;
}

/**
 * Waits (at most two minutes) for the machine to calm down, so that one program's sweep does not
 * start in the backlog of the previous one's overloaded last step.
 */
async function settle(): Promise<void> {
  const until = Date.now() + 120_000;
  while (oneMinuteLoad() > 1.5 && Date.now() < until) await sleep(2_000);
  log(`settled: ${machineLoad()}`);
}

/** Rates in turn, stepS seconds each, up to the first with a failed call or p99 > 100 ms. */
async function sweep(bench: Bench, target: Target): Promise<Run[]> {
  await settle();
  const steps: Run[] = [];
  for (const stepRate of rates) {
    const label = target === 'plain' ? 'plain dialplan Dial()' : target === 'floor' ? 'ARI floor' : 'nevermiss, default';
    const run = await runLoad(bench, target, label, stepRate, Math.round(stepRate * stepS));
    steps.push(run);
    if (!passes(run)) break;
  }
  return steps;
}

const passes = (run: Run): boolean => run.failed === 0 && (run.noOutcome ?? 0) === 0 && (run.callbacks ?? 0) === 0 && run.p99 <= 100;

/** Hunts that ring and ring: the service's RSS and heap with N of them at once. */
async function ringingHunts(bench: Bench): Promise<void> {
  const service = bench.service;
  if (service === undefined) throw new Error('no service runs');
  await waitForNoChannels(60_000);
  const most = Math.max(...ringing);
  const idle = await memory(service);
  const idleHeld = await memoryAfterGc(service);
  const rampMs = (most / ringingRate) * 1000;
  // The callers wait (the PBX may place them slower than asked on a busy machine); once measured,
  // they are hung up through ARI, and the service ends each hunt as a caller who hung up.
  const load = await startLoad({
    calls: most,
    rate: ringingRate,
    numbers: callerNumbers(most),
    to: firmNumber(0),
    dids: firmNumbers(most),
    callerPort: CALLER_PORTS.caller,
    cancelAfterMs: 600_000,
    waitMs: 600_000,
  });
  const rows: string[] = [];
  for (const hunts of ringing) {
    const until = Date.now() + rampMs * 4 + 60_000;
    let active = 0;
    while (Date.now() < until && (active = Number((await service.health()).body['activeCalls'] ?? 0)) < hunts) await sleep(250);
    await sleep(2_000); // the hunts' legs are up
    const mem = await memory(service);
    const held = await memoryAfterGc(service);
    const channels = await channelCount();
    rows.push(`| ${active} | ${channels} | ${mb(mem.rss)} | ${mb(mem.heapUsed)} | ${mb(held.rss)} | ${mb(held.heapUsed)} |`);
    log(`${active} hunts ringing: ${channels} channels, RSS ${mb(mem.rss)} MB, heap ${mb(mem.heapUsed)} MB; after a full GC: RSS ${mb(held.rss)} MB, heap ${mb(held.heapUsed)} MB`);
  }
  await hangUpCallers();
  const report = await load.done;
  await waitForNoChannels(SETTLE_MS * 2);
  const after = await memory(service);
  const afterHeld = await memoryAfterGc(service);
  console.log(`\n### Hunts ringing at once (the owner's mobile rings and never answers, steps of 10 min; ${most} callers at ${ringingRate}/s)\n`);
  console.log('| hunts ringing | Asterisk channels | service RSS (MB) | heap used (MB) | RSS after a full GC (MB) | heap after a full GC (MB) |');
  console.log('| --- | --- | --- | --- | --- | --- |');
  console.log(`| 0 (before) | 0 | ${mb(idle.rss)} | ${mb(idle.heapUsed)} | ${mb(idleHeld.rss)} | ${mb(idleHeld.heapUsed)} |`);
  for (const row of rows) console.log(row);
  console.log(`| 0 (after, every caller hung up) | 0 | ${mb(after.rss)} | ${mb(after.heapUsed)} | ${mb(afterHeld.rss)} | ${mb(afterHeld.heapUsed)} |`);
  console.log(`\n${report.created} calls placed, ${report.refused} turned down by the PBX.`);
}

/** Hangs up every caller's channel (PJSIP/caller-...) through ARI, a few at a time. */
async function hangUpCallers(): Promise<void> {
  const listed = await ariRequest('GET', '/channels');
  const callers = (Array.isArray(listed.body) ? (listed.body as Array<{ id: string; name: string }>) : []).filter((c) => c.name.startsWith('PJSIP/caller-'));
  for (let i = 0; i < callers.length; i += 20) {
    await Promise.all(callers.slice(i, i + 20).map((c) => ariRequest('DELETE', `/channels/${encodeURIComponent(c.id)}`).catch(() => undefined)));
  }
}

/** The service's memory once it collected its garbage (SIGUSR2, gc-on-signal.cjs): what it holds. */
async function memoryAfterGc(service: Service): Promise<{ rss: number; heapUsed: number }> {
  if (service.pid !== undefined) process.kill(service.pid, 'SIGUSR2');
  await sleep(1_000);
  return memory(service);
}

/** Asterisk's channels now; its CLI may not answer in time while it sets up thousands of calls. */
async function channelCount(): Promise<string> {
  const counted = await asteriskCli('core show channels count').then((out) => /(\d+) active channels?/.exec(out)?.[1], () => undefined);
  if (counted !== undefined) return counted;
  const listed = await ariRequest('GET', '/channels').catch(() => ({ body: null }));
  return Array.isArray(listed.body) ? String(listed.body.length) : '?';
}

async function memory(service: Service): Promise<{ rss: number; heapUsed: number }> {
  const mem = (await service.health()).body['memory'] as { rss?: number; heapUsed?: number } | undefined;
  return { rss: mem?.rss ?? 0, heapUsed: mem?.heapUsed ?? 0 };
}

/** The sandbox's asterisk.conf allows enough channels for the ringing hunts; an older running one is restarted. */
async function ensureAsteriskLimits(channels: number): Promise<void> {
  const settings = await asteriskCli('core show settings');
  const max = Number(/Maximum calls:\s+(\d+)/.exec(settings)?.[1] ?? 0);
  // A channel holds four or five file descriptors (RTP, RTCP, a timer, an alert pipe).
  const files = Number(/Maximum open file handles:\s+(\d+)/.exec(settings)?.[1] ?? 0);
  if ((max !== 0 && max < channels) || (files !== 0 && files < channels * 4)) {
    log(`Asterisk allows ${max} channels and ${files} open files, the ringing hunts need ${channels} and ${channels * 4}: restarting it with the sandbox's settings`);
    await restartAsterisk();
  }
}

function printRuns(title: string, runs: readonly Run[], baseline?: Run): void {
  const ratio = (value: number | null, base: number | undefined): string =>
    value === null || base === undefined || !(base > 0) ? '' : ` (${(value / base).toFixed(2)}×)`;
  console.log(`\n### ${title}\n`);
  console.log('| | answer p50 / p95 / p99 (ms) | Asterisk CPU per call (ms) | Node CPU per call (ms) | read/write system calls per call, Asterisk / Node | service RSS (MB) | failed | no outcome | callbacks | load |');
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const run of runs) {
    const base = run === baseline ? undefined : baseline;
    console.log(
      `| ${run.label} | ${ms(run.p50)}${ratio(run.p50, base?.p50)} / ${ms(run.p95)} / ${ms(run.p99)}${ratio(run.p99, base?.p99)} | ` +
        `${ms(run.asteriskCpuMs)}${ratio(run.asteriskCpuMs, base?.asteriskCpuMs)} | ${run.nodeCpuMs === null ? '–' : ms(run.nodeCpuMs)} | ` +
        `${run.asteriskIo.toFixed(0)} / ${run.nodeIo === null ? '–' : run.nodeIo.toFixed(0)} | ` +
        `${run.rssMb === null ? '–' : run.rssMb.toFixed(0)} | ${run.failed} | ${run.noOutcome ?? '–'} | ${run.callbacks ?? '–'} | ${run.load.replace(/^load /, '')} |`,
    );
  }
}

function printSweep(plain: readonly Run[], floor: readonly Run[], service: readonly Run[]): void {
  console.log(`\n### Sweep: ${stepS} s per rate, up to the first rate with a failed call or p99 > 100 ms\n`);
  console.log('| calls/s | plain p50 / p99 (ms), failed | ARI floor p50 / p99 (ms), failed | nevermiss p50 / p99 (ms), failed, no outcome | Asterisk CPU per call, plain / floor / nevermiss (ms) | Node CPU per call, floor / nevermiss (ms) |');
  console.log('| --- | --- | --- | --- | --- | --- |');
  const cpu = (run: Run | undefined): string => (run ? ms(run.asteriskCpuMs) : '–');
  const node = (run: Run | undefined): string => (run?.nodeCpuMs == null ? '–' : ms(run.nodeCpuMs));
  for (const stepRate of rates) {
    const p = plain.find((run) => run.rate === stepRate);
    const f = floor.find((run) => run.rate === stepRate);
    const s = service.find((run) => run.rate === stepRate);
    if (!p && !f && !s) continue;
    console.log(
      `| ${stepRate} | ${p ? `${ms(p.p50)} / ${ms(p.p99)}, ${p.failed}` : '–'} | ${f ? `${ms(f.p50)} / ${ms(f.p99)}, ${f.failed}` : '–'} | ` +
        `${s ? `${ms(s.p50)} / ${ms(s.p99)}, ${s.failed}, ${s.noOutcome ?? '–'}` : '–'} | ${cpu(p)} / ${cpu(f)} / ${cpu(s)} | ${node(f)} / ${node(s)} |`,
    );
  }
  const best = (runs: readonly Run[]): number => Math.max(0, ...runs.filter(passes).map((run) => run.rate));
  const capped = (runs: readonly Run[]): string => {
    const b = best(runs);
    return b === Math.max(...rates) && runs.every(passes) ? `≥ ${b}` : String(b);
  };
  const ratio = (runs: readonly Run[], base: readonly Run[]): string => (best(base) > 0 ? ` (${(best(runs) / best(base)).toFixed(2)}×)` : '');
  console.log(
    `\nHighest rate with no failed call and p99 ≤ 100 ms: plain dialplan ${capped(plain)}, the ARI floor ${capped(floor)}${ratio(floor, plain)}, ` +
      `nevermiss ${capped(service)} calls/s${ratio(service, plain)} of plain, ${best(floor) > 0 ? `${(best(service) / best(floor)).toFixed(2)}× the floor` : '–'}`,
  );
}

const ms = (value: number): string => (Number.isFinite(value) ? value.toFixed(1) : '–');
const mb = (bytes: number): string => (bytes / 1024 / 1024).toFixed(0);

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);

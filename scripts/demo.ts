/**
 * The demo: runs `nevermiss serve` with config/demo.yaml against the sandbox PBX, places a few
 * scripted SIPp calls, and prints what happened to each (from the service's own log) and the
 * callbacks that resulted.
 */
import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { PHONES, TEST_DID, stasisAppConnected, waitForNoChannels } from '../test/support/sandbox.js';
import { placeCall, startPhone, type CallOptions, type PhoneBehavior, type PhoneHandle } from '../test/support/sipp.js';

const ROOT = resolve(import.meta.dirname, '..');
const CONFIG = join(ROOT, 'config', 'demo.yaml');
const PREFIX = 'nevermiss-demo';
const HTTP = 'http://127.0.0.1:8090';
/** The demo's token (config/demo.yaml, http.tokens "anna-demo"): every API route needs one. */
const TOKEN = process.env['NEVERMISS_DEMO_TOKEN'] ?? 'demo-token-for-the-sandbox-only-0123456789';
const api = (path: string, init: { method?: 'GET' | 'POST'; body?: string } = {}): Promise<Response> =>
  fetch(`${HTTP}${path}`, {
    method: init.method ?? 'GET',
    headers: { authorization: `Bearer ${TOKEN}`, ...(init.body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(init.body === undefined ? {} : { body: init.body }),
  });

interface LogLine {
  readonly timestamp: string;
  readonly message: string;
  readonly callId?: string;
  readonly [field: string]: unknown;
}

interface Scenario {
  readonly title: string;
  readonly phones: readonly [desk: PhoneBehavior, mobile: PhoneBehavior, colleague: PhoneBehavior];
  readonly call: CallOptions;
}

const scenarios: Scenario[] = [
  { title: "The owner's desk phone answers", phones: ['answer', 'ring', 'ring'], call: { to: TEST_DID, from: '4520111111', talkMs: 2000 } },
  { title: 'The owner is busy on both phones; the colleague answers', phones: ['busy', 'busy', 'answer'], call: { to: TEST_DID, from: '4520222222', talkMs: 2000 } },
  { title: 'Nobody answers: a callback is recorded, then the caller hears the promise', phones: ['ring', 'ring', 'ring'], call: { to: TEST_DID, from: '4520333333' } },
  { title: 'The same customer rings again and hangs up during the hunt', phones: ['ring', 'ring', 'ring'], call: { to: TEST_DID, from: '4520333333', hangupAfterMs: 2500 } },
  {
    title: 'A caller with a withheld number: no callback possible, so they leave a message',
    phones: ['ring', 'ring', 'ring'],
    call: { to: TEST_DID, from: 'anonymous', speakAfterMs: 9_500 },
  },
];

const logs: LogLine[] = [];

async function main(): Promise<void> {
  if (await stasisAppConnected()) throw new Error('another nevermiss is connected to the sandbox PBX; stop it first');
  const redis = new Redis('redis://127.0.0.1:6379/0');
  const old = await redis.keys(`{${PREFIX}}:*`);
  if (old.length > 0) await redis.del(...old); // the previous demo run's own keys only

  const service = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src', 'cli', 'main.ts'), 'serve', '--config', CONFIG], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let pending = '';
  service.stderr.on('data', (chunk: Buffer) => {
    pending += chunk.toString();
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      try {
        logs.push(JSON.parse(line) as LogLine);
      } catch {
        // not a log line
      }
    }
  });

  try {
    await waitForHealthy();
    console.log(`\nnevermiss is running and active (${HTTP}/healthz). Route "main": ring the owner's desk and mobile for 4 s, then the colleague for 4 s, then promise a callback within 10 minutes.\n`);
    for (const [index, scenario] of scenarios.entries()) {
      await runScenario(index + 1, scenario);
    }
    console.log('\nPending callbacks (GET /api/callbacks):');
    const callbacks = (await (await api('/api/callbacks')).json()) as Array<Record<string, unknown>>;
    for (const cb of callbacks) {
      console.log(`  ${String(cb['id'])}  caller ${String(cb['caller'])}  due ${String(cb['dueAt'])}  attempts ${String(cb['attempts'])}  status ${String(cb['status'])}`);
    }
    const first = callbacks[0];
    if (first) await dialBack(String(first['id']), String(first['caller']));
    console.log(`\nTry: npx nevermiss callbacks list -c config/demo.yaml   (and: npx nevermiss callbacks history ID -c config/demo.yaml)`);
  } finally {
    service.kill('SIGTERM');
    redis.disconnect();
  }
}

async function runScenario(n: number, scenario: Scenario): Promise<void> {
  await waitForNoChannels(15_000);
  const [desk, mobile, colleague] = scenario.phones;
  const phones: PhoneHandle[] = await Promise.all([
    startPhone({ port: PHONES['owner-desk'], behavior: desk, ringMs: 1200 }),
    startPhone({ port: PHONES['owner-mobile'], behavior: mobile, ringMs: 1500 }),
    startPhone({ port: PHONES.colleague, behavior: colleague, ringMs: 1800 }),
  ]);
  const firstLine = logs.length;
  const call = await placeCall({ maxWaitMs: 40_000, ...scenario.call });
  await waitFor(() => logs.slice(firstLine).some((line) => line.message.startsWith('call ended')), 10_000);
  await Promise.all(phones.map((phone) => phone.stop()));

  const lines = logs.slice(firstLine).filter((line) => line.callId !== undefined);
  const start = Date.parse(lines[0]?.timestamp ?? new Date().toISOString());
  console.log(`${n}. ${scenario.title}`);
  console.log(`   ${scenario.call.from} calls ${scenario.call.to}`);
  for (const line of lines) {
    const at = ((Date.parse(line.timestamp) - start) / 1000).toFixed(3).padStart(7);
    console.log(`   +${at}s  ${describe(line)}`);
  }
  const caller = call.answered
    ? `answered after ${Math.round(call.setupMs ?? 0)} ms, ${call.hungUpBy === 'asterisk' ? 'nevermiss hung up' : 'the caller hung up'} after ${((call.talkMs ?? 0) / 1000).toFixed(1)} s`
    : `not answered (SIP ${call.status ?? '-'}), the caller hung up`;
  console.log(`   caller's phone: ${caller}\n`);
}

/** The owner calls the customer back in one step, and the callback's history shows it kept. */
async function dialBack(id: string, caller: string): Promise<void> {
  console.log(`\n6. Anna calls ${caller} back in one step (POST /api/callbacks/${id}/dial)`);
  await waitForNoChannels(15_000);
  const phones = await Promise.all([
    startPhone({ port: PHONES['owner-desk'], behavior: 'answer', ringMs: 1_000, dtmf: { digit: '1', afterMs: 3_000 } }),
    startPhone({ port: PHONES['owner-mobile'], behavior: 'ring' }),
    startPhone({ port: PHONES['phone-5075'], behavior: 'answer', ringMs: 1_500, talkMs: 7_000 }),
  ]);
  const response = await api(`/api/callbacks/${id}/dial`, { method: 'POST', body: '{"by":"owner"}' });
  console.log(`   HTTP ${response.status}: her phones ring; her desk answers, hears who to call back, presses 1; the customer answers and talks 7 s`);
  await waitFor(async () => {
    const callback = (await (await api(`/api/callbacks/${id}/history`)).json()) as Array<{ event: string }>;
    return callback.some((entry) => entry.event === 'done' || entry.event === 'attempt-failed' || entry.event === 'failed');
  }, 60_000);
  await Promise.all(phones.map((phone) => phone.stop()));
  console.log('   the callback\'s history (GET /api/callbacks/:id/history):');
  const history = (await (await api(`/api/callbacks/${id}/history`)).json()) as Array<{ at: string; event: string; from: string | null; to: string; by: string; detail?: string }>;
  for (const entry of history) {
    const change = entry.from === null || entry.from === entry.to ? entry.to : `${entry.from} -> ${entry.to}`;
    console.log(`     ${entry.at}  ${entry.event.padEnd(14)} ${change.padEnd(18)} by ${entry.by}${entry.detail ? `  (${entry.detail})` : ''}`);
  }
}

function describe(line: LogLine): string {
  if (line.message === 'call arrived') return `call arrived, route "${String(line['route'])}"`;
  if (line.message.startsWith('call ended')) return `outcome: ${JSON.stringify(line['outcome'])}`;
  return line.message;
}

/** Healthy and active: it holds the lease and the Stasis app (a fresh start stands by for a moment first). */
async function waitForHealthy(): Promise<void> {
  await waitFor(async () => {
    try {
      const response = await fetch(`${HTTP}/healthz`);
      const body = (await response.json()) as { role?: string; ari?: boolean };
      return response.status === 200 && body.role === 'active' && body.ari === true;
    } catch {
      return false;
    }
  }, 30_000);
}

async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms; last log lines:\n${logs.slice(-10).map((l) => JSON.stringify(l)).join('\n')}`);
    await sleep(100);
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});

// The test bench: a real Asterisk 22 in a chroot (scripts/sandbox.sh), reached on loopback.
// These constants are the one place tests, benchmarks and the demo take addresses from.
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const SANDBOX_SCRIPT = path.join(REPO_ROOT, 'scripts', 'sandbox.sh');

/** ARI of the sandbox Asterisk (sandbox/asterisk/http.conf, ari.conf). */
export const ARI_URL = 'http://127.0.0.1:8088';
export const ARI_USER = 'nevermiss';
export const ARI_PASSWORD = 'nevermiss-sandbox';
/** The Stasis application the dialplan snippet sends calls to. */
export const ARI_APP = 'nevermiss';
export const ARI = { url: ARI_URL, username: ARI_USER, password: ARI_PASSWORD, app: ARI_APP } as const;

/** Asterisk's PJSIP UDP transport. */
export const ASTERISK_SIP_HOST = '127.0.0.1';
export const ASTERISK_SIP_PORT = 5060;

/**
 * Source ports of SIPp callers. Asterisk identifies them by address and port:
 * `caller`, `caller2` and `caller3` enter the snippet (context nevermiss-inbound) as a trunk's
 * calls do; `plain` enters [sandbox-plain], a plain Dial(${SANDBOX_PLAIN_DIAL},20) for benchmark
 * baselines; `deskOut` is the owner's desk phone dialling out (endpoint owner-desk-out, see DESK_OUT):
 * feature codes such as *71.
 */
export const CALLER_PORTS = { caller: 5070, caller2: 5069, caller3: 5082, plain: 5068, deskOut: 5081 } as const;
export type CallerPort = (typeof CALLER_PORTS)[keyof typeof CALLER_PORTS];

/**
 * Calls from CALLER_PORTS.deskOut: PJSIP endpoint owner-desk-out, context sandbox-phones-out
 * (which includes the snippet's nevermiss-features), caller id "Owner desk" <101> set by the
 * endpoint whatever the From header says.
 */
export const DESK_OUT = {
  endpoint: 'owner-desk-out',
  context: 'sandbox-phones-out',
  callerIdName: 'Owner desk',
  callerIdNumber: '101',
} as const;

/** SIPp phones: PJSIP endpoint name -> the UDP port its static contact points at. */
export const PHONES = {
  'owner-desk': 5071,
  'owner-mobile': 5072,
  colleague: 5073,
  fallback: 5074,
  'phone-5075': 5075,
  'phone-5076': 5076,
  'phone-5077': 5077,
  'phone-5078': 5078,
  'phone-5079': 5079,
} as const;
export type PhoneName = keyof typeof PHONES;

/** The Dial()/ARI endpoint string of a sandbox phone, e.g. `PJSIP/owner-desk`. */
export function phoneEndpoint(name: PhoneName): string {
  return `PJSIP/${name}`;
}

/** A DID for tests; any digits work (the snippet matches _X.). */
export const TEST_DID = '4530123456';
/** What the snippet's fallback dials when no service is connected ([globals] in extensions.conf). */
export const FALLBACK_PHONE: PhoneName = 'fallback';
export const FALLBACK_TIMEOUT_S = 10;

/**
 * The bench's report token: NEVERMISS_REPORT_TOKEN in sandbox/asterisk/extensions.conf, which the
 * dialplan's outbound report sends; the tests' configs list it with scope report.
 */
export const REPORT_TOKEN = '5a4e0b2c6e1f4d3a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a';
/** The admin token of the tests' services (test/support/service.ts), for their API requests. */
export const ADMIN_TOKEN = 'bench-admin-token-0123456789abcdef0123456789abcdef';

/** Redis of the bench (scripts/ensure-redis.sh). */
export const REDIS_URL = 'redis://127.0.0.1:6379';

/** Local-channel test phones in [sandbox-test-phones], e.g. `Local/answer-2@sandbox-test-phones/n`. */
export function localTestPhone(
  exten: `answer-${number}` | 'noanswer' | 'busy' | 'congested' | 'reject' | 'unavailable' | 'voicemail' | 'accept',
): string {
  return `Local/${exten}@sandbox-test-phones/n`;
}

function runScript(args: string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      'bash',
      [SANDBOX_SCRIPT, ...args],
      { timeout: timeoutMs, maxBuffer: 8 * 1024 * 1024, cwd: REPO_ROOT },
      (error, stdout, stderr) => {
        if (error) {
          reject(
            new Error(`scripts/sandbox.sh ${args.join(' ')} failed: ${error.message}\n${stderr}${stdout}`.trim()),
          );
          return;
        }
        resolve(stdout);
      },
    );
  });
}

let started: Promise<void> | undefined;

/**
 * Starts the sandbox once per process (builds the chroot first if needed: minutes on a fresh machine).
 * Cheap when Asterisk already runs.
 */
export function ensureSandbox(): Promise<void> {
  started ??= runScript(['start'], 20 * 60_000).then(
    () => undefined,
    (error: unknown) => {
      started = undefined;
      throw error;
    },
  );
  return started;
}

/** Runs an Asterisk CLI command (`asterisk -rx`) and returns its output. */
export function asteriskCli(command: string): Promise<string> {
  return runScript(['cli', command], 60_000);
}

export async function stopAsterisk(): Promise<void> {
  started = undefined;
  await runScript(['stop'], 60_000);
}

export async function startAsterisk(): Promise<void> {
  started = undefined;
  await ensureSandbox();
}

/** Stops and starts Asterisk (ARI clients see their WebSocket drop and must reconnect). */
export async function restartAsterisk(): Promise<void> {
  started = undefined;
  await runScript(['restart'], 120_000);
  started = Promise.resolve();
}

/** A plain ARI REST request with the sandbox credentials (for tests; not the service's client). */
export async function ariRequest(
  method: 'GET' | 'POST' | 'PUT' | 'DELETE',
  pathAndQuery: string,
  body?: unknown,
): Promise<{ status: number; body: unknown }> {
  const headers: Record<string, string> = {
    authorization: `Basic ${Buffer.from(`${ARI_USER}:${ARI_PASSWORD}`).toString('base64')}`,
  };
  const init: RequestInit = { method, headers, signal: AbortSignal.timeout(5000) };
  if (body !== undefined) {
    headers['content-type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const response = await fetch(`${ARI_URL}/ari${pathAndQuery}`, init);
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text === '' ? undefined : (JSON.parse(text) as unknown);
  } catch {
    // not JSON: keep the text
  }
  return { status: response.status, body: parsed };
}

/** Waits until Asterisk has no channels (the previous test's calls are over). */
export async function waitForNoChannels(timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { status, body } = await ariRequest('GET', '/channels');
    if (status === 200 && Array.isArray(body) && body.length === 0) return;
    if (Date.now() > deadline) {
      const names = Array.isArray(body) ? body.map((c) => (c as { name?: string }).name).join(', ') : String(body);
      throw new Error(`Asterisk still has channels after ${timeoutMs} ms: ${names}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * True when a WebSocket is connected for the Stasis app (e.g. a running nevermiss service).
 * Asked of the CLI's session list, not of GET /applications: Asterisk keeps an app whose socket
 * closed registered until the next app registers (e.g. after a service was killed mid-call).
 */
export async function stasisAppConnected(app: string = ARI_APP): Promise<boolean> {
  const sessions = await asteriskCli('ari show websocket sessions');
  // Rows: connection id, type, remote address, state, then the apps, comma-separated.
  return sessions
    .split('\n')
    .slice(2)
    .some((row) => (row.trim().split(/\s+/)[4] ?? '').split(',').includes(app));
}

/**
 * Waits until no WebSocket has been connected for the Stasis app (default: the service's) for
 * `quietMs` in a row: for tests that need the PBX without a nevermiss service while other test
 * files may be running one against it. Rejects after timeoutMs (default 5 minutes).
 */
export async function waitForStasisAppGone(
  app: string = ARI_APP,
  { timeoutMs = 300_000, quietMs = 3000 }: { timeoutMs?: number; quietMs?: number } = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let quietSince: number | undefined;
  for (;;) {
    if (await stasisAppConnected(app)) quietSince = undefined;
    else quietSince ??= Date.now();
    if (quietSince !== undefined && Date.now() - quietSince >= quietMs) return;
    if (Date.now() > deadline) {
      throw new Error(`a WebSocket for Stasis app '${app}' stayed connected for ${timeoutMs} ms (a running service?)`);
    }
    await sleep(250);
  }
}

// ---------------------------------------------------------------------------------------------
// ARI events for bench tests (a throwaway Stasis app; never the service's)

export interface AriChannel {
  id: string;
  name: string;
  state: string;
  caller: { name: string; number: string };
  connected: { name: string; number: string };
  dialplan: { context: string; exten: string; priority: number; app_name?: string; app_data?: string };
  [key: string]: unknown;
}

/** An ARI event as Asterisk sends it (only the fields bench tests look at are typed). */
export interface AriEvent {
  type: string;
  application?: string;
  timestamp?: string;
  channel?: AriChannel;
  /** ChannelDtmfReceived */
  digit?: string;
  duration_ms?: number;
  /** StasisStart */
  args?: string[];
  playback?: { id: string; state?: string; target_uri?: string; media_uri?: string };
  [key: string]: unknown;
}

export interface AriEventStream {
  readonly app: string;
  /** Events received so far, in order. */
  events(): AriEvent[];
  /** The first event (received so far or later) for which predicate holds; rejects after timeoutMs (default 10 s). */
  waitFor(predicate: (event: AriEvent) => boolean, timeoutMs?: number): Promise<AriEvent>;
  close(): Promise<void>;
}

interface MinimalWebSocket {
  on(event: 'open' | 'close', listener: () => void): unknown;
  on(event: 'message', listener: (data: unknown) => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  close(): void;
}
type WebSocketConstructor = new (url: string) => MinimalWebSocket;

/** Node 20 has no global WebSocket: use the `ws` that ari-client depends on (no dependency of ours). */
function loadWebSocket(): WebSocketConstructor {
  const ariClient = createRequire(import.meta.url).resolve('ari-client');
  return createRequire(ariClient)('ws') as WebSocketConstructor;
}

/**
 * Connects a WebSocket for a throwaway Stasis app (e.g. `bench-dtmf`) and collects its events.
 * Resolves once Asterisk has registered the app, so channels can be originated into it.
 * Refuses the service's app: connecting for it would take calls away from a running nevermiss.
 */
export async function openAriEvents(app: string, timeoutMs = 5000): Promise<AriEventStream> {
  if (app === ARI_APP) throw new Error(`openAriEvents: '${ARI_APP}' is the service's Stasis app; use a bench app name`);
  const WebSocket = loadWebSocket();
  const apiKey = `${ARI_USER}:${ARI_PASSWORD}`;
  const query = `app=${encodeURIComponent(app)}&api_key=${encodeURIComponent(apiKey)}`;
  const url = `${ARI_URL.replace(/^http/, 'ws')}/ari/events?${query}`;
  const ws = new WebSocket(url);
  const events: AriEvent[] = [];
  let closed = false;
  let failure: Error | undefined;
  ws.on('message', (data) => {
    try {
      events.push(JSON.parse(String(data)) as AriEvent);
    } catch {
      // not JSON: ignore
    }
  });
  ws.on('close', () => {
    closed = true;
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`ARI WebSocket for app '${app}' did not open within ${timeoutMs} ms`));
    }, timeoutMs);
    ws.on('open', () => {
      clearTimeout(timer);
      resolve();
    });
    ws.on('error', (error) => {
      failure = error;
      clearTimeout(timer);
      reject(new Error(`ARI WebSocket for app '${app}': ${error.message}`));
    });
  });
  const registeredBy = Date.now() + timeoutMs;
  while (!(await stasisAppConnected(app))) {
    if (Date.now() > registeredBy) {
      ws.close();
      throw new Error(`Stasis app '${app}' not registered ${timeoutMs} ms after its WebSocket opened`);
    }
    await sleep(20);
  }
  return {
    app,
    events: () => [...events],
    async waitFor(predicate, waitMs = 10_000) {
      const deadline = Date.now() + waitMs;
      for (;;) {
        const found = events.find(predicate);
        if (found) return found;
        if (closed || failure) {
          throw new Error(`ARI WebSocket for app '${app}' closed${failure ? `: ${failure.message}` : ''}`);
        }
        if (Date.now() > deadline) {
          const seen = events.map((e) => `${e.type}${e.channel ? ` ${e.channel.id}` : ''}`).join(', ');
          throw new Error(`no matching ARI event for app '${app}' within ${waitMs} ms; events: ${seen || 'none'}`);
        }
        await sleep(10);
      }
    },
    async close() {
      if (closed) return;
      ws.close();
      const until = Date.now() + 2000;
      while (!closed && Date.now() < until) await sleep(10);
    },
  };
}

/**
 * Where the dialplan's outbound report goes (NEVERMISS_URL, '' for nowhere) and the token it sends
 * (NEVERMISS_REPORT_TOKEN): globals of the bench's dialplan, set through ARI.
 */
export async function setOutboundReport(url: string, token: string = REPORT_TOKEN): Promise<void> {
  for (const [variable, value] of [['NEVERMISS_URL', url], ['NEVERMISS_REPORT_TOKEN', token]] as const) {
    const set = await ariRequest('POST', `/asterisk/variable?variable=${variable}&value=${encodeURIComponent(value)}`);
    if (set.status !== 204) throw new Error(`could not set ${variable} through ARI: HTTP ${set.status}`);
  }
}

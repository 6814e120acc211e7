// The test bench: a real Asterisk 22 in a chroot (scripts/sandbox.sh), reached on loopback.
// These constants are the one place tests, benchmarks and the demo take addresses from.
import { execFile } from 'node:child_process';
import path from 'node:path';
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
 * `caller` and `caller-2` enter the snippet (context nevermiss-inbound) as a trunk's calls do;
 * `plain` enters [sandbox-plain], a plain Dial(${SANDBOX_PLAIN_DIAL},20) for benchmark baselines.
 */
export const CALLER_PORTS = { caller: 5070, caller2: 5069, plain: 5068 } as const;
export type CallerPort = (typeof CALLER_PORTS)[keyof typeof CALLER_PORTS];

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

/** True when a WebSocket is connected for the Stasis app (e.g. a running nevermiss service). */
export async function stasisAppConnected(app: string = ARI_APP): Promise<boolean> {
  const { status } = await ariRequest('GET', `/applications/${encodeURIComponent(app)}`);
  return status === 200;
}

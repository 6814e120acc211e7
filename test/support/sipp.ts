// SIPp callers and phones against the sandbox Asterisk (scenarios in test/sipp/).
//
// Every SIPp process writes its full SIP trace (-trace_msg); reports are parsed from it, so a
// report shows exactly what went over the wire. Processes and temp files are removed by stop(),
// when a call ends, and on process exit. Set NEVERMISS_KEEP_SIPP_LOGS=1 to keep the traces.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { rewriteRtpPcap } from './pcap.js';
import { ASTERISK_SIP_HOST, ASTERISK_SIP_PORT, CALLER_PORTS, REPO_ROOT, type CallerPort } from './sandbox.js';

const SCENARIO_DIR = path.join(REPO_ROOT, 'test', 'sipp');
const LOCAL_IP = '127.0.0.1';
const KEEP_LOGS = process.env['NEVERMISS_KEEP_SIPP_LOGS'] === '1';

// ---------------------------------------------------------------------------------------------
// SIP trace parsing

export interface SipMessage {
  /** Epoch milliseconds (fractional) from SIPp's trace. */
  at: number;
  direction: 'sent' | 'received';
  startLine: string;
  /** Request method, for requests. */
  method?: string;
  /** Status code, for responses. */
  status?: number;
  callId: string;
  cseqMethod: string;
  /** Header names lower-cased (compact forms expanded), values trimmed, in order. */
  headers: [string, string][];
  /** The body as traced (lines joined with \n, trailing blank lines removed). */
  body: string;
  raw: string;
}

const COMPACT: Record<string, string> = {
  i: 'call-id',
  f: 'from',
  t: 'to',
  v: 'via',
  m: 'contact',
  l: 'content-length',
  c: 'content-type',
};

export function headerValues(msg: SipMessage, name: string): string[] {
  const n = name.toLowerCase();
  return msg.headers.filter(([k]) => k === n).map(([, v]) => v);
}

export function headerValue(msg: SipMessage, name: string): string | undefined {
  return headerValues(msg, name)[0];
}

const SEPARATOR = /^-{10,} (\d{4})-(\d{2})-(\d{2})[ \t]+(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?\s*$/;

/** Parses a SIPp -trace_msg file. An unfinished last entry (still being written) is skipped. */
export function parseSippTrace(text: string): SipMessage[] {
  const lines = text.split('\n').map((l) => l.replace(/\r$/, ''));
  const entries: { at: number; lines: string[] }[] = [];
  let current: { at: number; lines: string[] } | undefined;
  for (const line of lines) {
    const m = SEPARATOR.exec(line);
    if (m) {
      const [, y, mo, d, h, mi, s, frac = '0'] = m;
      const at =
        new Date(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)).getTime() +
        Number(`0.${frac}`) * 1000;
      current = { at, lines: [] };
      entries.push(current);
    } else if (current) {
      current.lines.push(line);
    }
  }
  const messages: SipMessage[] = [];
  for (const entry of entries) {
    const intro = entry.lines.findIndex((l) => /message (sent|received)/.test(l));
    if (intro < 0) continue;
    const direction = /message sent/.test(entry.lines[intro]!) ? 'sent' : 'received';
    let i = intro + 1;
    while (i < entry.lines.length && entry.lines[i]!.trim() === '') i++;
    const startLine = entry.lines[i]?.trim() ?? '';
    if (!/^(SIP\/2\.0 \d{3}|[A-Z]+ \S+ SIP\/2\.0)/.test(startLine)) continue;
    const headers: [string, string][] = [];
    let complete = false;
    for (i = i + 1; i < entry.lines.length; i++) {
      const line = entry.lines[i]!;
      if (line.trim() === '') {
        complete = true;
        break;
      }
      if (/^[ \t]/.test(line) && headers.length > 0) {
        headers[headers.length - 1]![1] += ` ${line.trim()}`; // folded header
        continue;
      }
      const colon = line.indexOf(':');
      if (colon < 0) continue;
      const rawName = line.slice(0, colon).trim().toLowerCase();
      headers.push([COMPACT[rawName] ?? rawName, line.slice(colon + 1).trim()]);
    }
    if (!complete) continue;
    const get = (n: string): string => headers.find(([k]) => k === n)?.[1] ?? '';
    const cseq = get('cseq').split(/\s+/);
    const msg: SipMessage = {
      at: entry.at,
      direction,
      startLine,
      callId: get('call-id'),
      cseqMethod: (cseq[1] ?? '').toUpperCase(),
      headers,
      body: entry.lines
        .slice(i + 1)
        .join('\n')
        .replace(/\s+$/, ''),
      raw: entry.lines.join('\n'),
    };
    const status = /^SIP\/2\.0 (\d{3})/.exec(startLine);
    if (status) msg.status = Number(status[1]);
    else msg.method = startLine.split(' ')[0]!;
    messages.push(msg);
  }
  return messages;
}

/** Caller id as a phone sees it in a From header: `"Name" <sip:number@host>;tag=...`. */
export function parseNameAddr(value: string): { name?: string; user: string; uri: string } {
  const uri = /<([^>]*)>/.exec(value)?.[1] ?? value.split(';')[0]!.trim();
  const user = /^sips?:([^@;>]*)@/.exec(uri)?.[1] ?? '';
  const quoted = /^\s*"((?:[^"\\]|\\.)*)"/.exec(value);
  const bare = /^\s*([^"<]+?)\s*</.exec(value);
  const name = quoted?.[1] ?? bare?.[1];
  return name === undefined ? { user, uri } : { name, user, uri };
}

// ---------------------------------------------------------------------------------------------
// Processes, ports, temp files

const liveProcesses = new Set<ChildProcess>();
const tempDirs = new Set<string>();
let exitHooksInstalled = false;

function cleanupSync(): void {
  for (const child of liveProcesses) {
    try {
      child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
  liveProcesses.clear();
  if (!KEEP_LOGS) for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
  tempDirs.clear();
}

function installExitHooks(): void {
  if (exitHooksInstalled) return;
  exitHooksInstalled = true;
  process.once('exit', cleanupSync);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      cleanupSync();
      process.kill(process.pid, signal);
    });
  }
}

function makeTempDir(): string {
  installExitHooks();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'nevermiss-sipp-'));
  tempDirs.add(dir);
  return dir;
}

function removeTempDir(dir: string): void {
  tempDirs.delete(dir);
  if (!KEEP_LOGS) rmSync(dir, { recursive: true, force: true });
}

/** True when something has UDP port `port` bound on 127.0.0.1 or 0.0.0.0. */
export function udpPortInUse(port: number): boolean {
  const hex = port.toString(16).toUpperCase().padStart(4, '0');
  for (const file of ['/proc/net/udp', '/proc/net/udp6']) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const local = line.trim().split(/\s+/)[1];
      if (local?.endsWith(`:${hex}`)) return true;
    }
  }
  return false;
}

async function waitPortFree(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (udpPortInUse(port)) {
    if (Date.now() > deadline) {
      throw new Error(
        `UDP port ${port} is in use: a SIPp from an earlier test still runs? (ss -lunp 'sport = :${port}')`,
      );
    }
    await sleep(20);
  }
}

/** SIPp's own media port, derived from its SIP port so that parallel SIPp processes never clash. */
function mediaPortFor(sipPort: number): number {
  return 30000 + (sipPort - 5000) * 10;
}

function render(template: string, values: Record<string, string | number>, dir: string): string {
  let xml = readFileSync(path.join(SCENARIO_DIR, template), 'utf8');
  for (const [key, value] of Object.entries(values)) {
    xml = xml.split(`@${key}@`).join(String(value));
  }
  const left = /@[A-Z_]+@/.exec(xml);
  if (left) throw new Error(`test/sipp/${template}: no value for placeholder ${left[0]}`);
  const file = path.join(dir, template);
  writeFileSync(file, xml);
  return file;
}

interface Spawned {
  child: ChildProcess;
  exited: Promise<number | null>;
  stderr: () => string;
}

/** `cwd`: where SIPp writes the files it names itself (-trace_counts). */
function spawnSipp(args: string[], cwd?: string): Spawned {
  const child = spawn('sipp', args, { stdio: ['ignore', 'ignore', 'pipe'], ...(cwd === undefined ? {} : { cwd }) });
  liveProcesses.add(child);
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    if (stderr.length < 64_000) stderr += chunk;
  });
  const exited = new Promise<number | null>((resolve) => {
    child.once('error', (error) => {
      stderr += `\n${error.message}`;
      liveProcesses.delete(child);
      resolve(null);
    });
    child.once('exit', (code) => {
      liveProcesses.delete(child);
      resolve(code);
    });
  });
  return { child, exited, stderr: () => stderr };
}

async function terminate(spawned: Spawned): Promise<void> {
  if (spawned.child.exitCode !== null || spawned.child.signalCode !== null) return;
  spawned.child.kill('SIGTERM');
  const done = await Promise.race([spawned.exited.then(() => true), sleep(2000).then(() => false)]);
  if (!done) {
    spawned.child.kill('SIGKILL');
    await spawned.exited;
  }
}

function readTrace(file: string): string {
  return existsSync(file) ? readFileSync(file, 'utf8') : '';
}

// ---------------------------------------------------------------------------------------------
// Phones

export type PhoneBehavior = 'answer' | 'ring' | 'busy';

/** How an answering phone sends its digit. */
export type DtmfMode = 'info' | 'rfc4733';

export interface PhoneDtmfOptions {
  /** One key: 0-9, * or # (and A-D for SIP INFO). */
  digit: string;
  /** ms after the phone's 200 OK (counted from Asterisk's ACK, which follows within a millisecond). */
  afterMs: number;
  /**
   * 'info' (default): SIP INFO, application/dtmf-relay `Signal=<digit>\r\nDuration=250`.
   * 'rfc4733': RTP telephone-events (payload type 101, ~140 ms) played from the pcaps that
   * Debian's sip-tester ships in /usr/share/sip-tester/ (digits 0-9, *, # only).
   */
  mode?: DtmfMode;
}

export interface PhoneOptions {
  port: number;
  behavior: PhoneBehavior;
  /** answer: ms from INVITE to 200 OK (default 500). */
  ringMs?: number;
  /** answer: the phone hangs up after this many ms of talk (default: never; it waits for BYE). */
  talkMs?: number;
  /**
   * answer: send one DTMF digit after answering (a person pressing a key). Without it the phone
   * answers and stays silent, like a mobile network's voicemail.
   */
  dtmf?: PhoneDtmfOptions;
}

/** The digit a phone sent in one call. */
export interface PhoneDtmfSent {
  digit: string;
  mode: DtmfMode;
  /** Epoch ms when the INFO went out / the RTP events started. */
  sentAt: number;
  /** ms from the phone's 200 OK to sentAt. */
  afterAnswerMs?: number;
  /** info: the final response Asterisk sent to the INFO (undefined while none came). */
  infoStatus?: number;
  /** info: Asterisk answered the INFO with 200 (always false for rfc4733: nothing to answer). */
  infoAnswered: boolean;
}

/** A request the phone received inside the call's dialog (re-INVITE, UPDATE, INFO, BYE, ...). */
export interface InDialogRequest {
  method: string;
  at: number;
  cseq: number;
  contentType?: string;
  /** The body ('' if none), e.g. `Signal=1\nDuration=250` for a DTMF INFO from Asterisk. */
  body: string;
  /** Status of the phone's final response to it, if it sent one. */
  responseStatus?: number;
  message: SipMessage;
}

/** What one phone saw of one call (one INVITE dialog). */
export interface PhoneCall {
  callId: string;
  inviteAt: number;
  requestUri: string;
  /** The From header of the INVITE as received (the caller id the phone shows). */
  from: string;
  callerIdName?: string;
  callerIdNumber: string;
  /** Final response the phone sent to the INVITE (200, 486, 487) if any. */
  finalStatus?: number;
  answered: boolean;
  answeredAt?: number;
  cancelled: boolean;
  cancelledAt?: number;
  /** The CANCEL's Reason header values, e.g. `SIP;cause=200;text="Call completed elsewhere"`. */
  cancelReasons: string[];
  /** cancelReasons joined with ', ' (undefined when not cancelled or no Reason). */
  cancelReason?: string;
  byeReceived: boolean;
  byeSent: boolean;
  byeAt?: number;
  byeReasons: string[];
  /** The DTMF digit the phone sent (dtmf option), once sent. */
  dtmf?: PhoneDtmfSent;
  /**
   * Every request received in the dialog, in order, retransmissions dropped: all but the
   * initial INVITE, its CANCEL and ACKs (so re-INVITEs, UPDATE, INFO, OPTIONS, NOTIFY, BYE).
   */
  inDialogRequests: InDialogRequest[];
  messages: SipMessage[];
}

export interface PhoneReport {
  port: number;
  behavior: PhoneBehavior;
  calls: PhoneCall[];
  exitCode: number | null;
  stderr: string;
  /** The raw SIP trace, for assertion messages. */
  log: string;
}

export interface PhoneHandle {
  readonly port: number;
  readonly behavior: PhoneBehavior;
  /** Calls seen so far (parsed from the live trace). */
  calls(): PhoneCall[];
  /** Resolves with the calls once `predicate` holds; rejects after timeoutMs (default 15 s). */
  waitFor(predicate: (calls: PhoneCall[]) => boolean, timeoutMs?: number): Promise<PhoneCall[]>;
  /** Waits until at least n INVITEs arrived. */
  waitForInvites(n: number, timeoutMs?: number): Promise<PhoneCall[]>;
  /** The raw trace so far. */
  log(): string;
  stop(): Promise<PhoneReport>;
}

/** A digit sent as RTP, from the scenario's <log> line (SIP traces can't show it). */
export interface RtpDtmfLogEntry {
  callId: string;
  digit: string;
  at: number;
}

/** Parses the phone's -log_file: `nevermiss-dtmf <call-id> rfc4733 <digit> <date>\t<time>\t<epoch.us>`. */
export function parseDtmfLog(text: string): RtpDtmfLogEntry[] {
  const entries: RtpDtmfLogEntry[] = [];
  for (const line of text.split('\n')) {
    const m = /^nevermiss-dtmf (\S+) rfc4733 (\S+) .*?(\d{9,}\.\d+)\s*$/.exec(line.trim());
    if (m) entries.push({ callId: m[1]!, digit: m[2]!, at: Number(m[3]) * 1000 });
  }
  return entries;
}

function cseqNumber(msg: SipMessage): number {
  return Number((headerValue(msg, 'cseq') ?? '').split(/\s+/)[0]);
}

/** True when m is a final response (>= 200) to the request `<cseq> <method>`, in that direction. */
function isFinalTo(m: SipMessage, direction: SipMessage['direction'], method: string, cseq: number): boolean {
  return m.direction === direction && m.cseqMethod === method && (m.status ?? 0) >= 200 && cseqNumber(m) === cseq;
}

export function phoneCalls(messages: SipMessage[], rtpDtmf: RtpDtmfLogEntry[] = []): PhoneCall[] {
  const byId = new Map<string, SipMessage[]>();
  for (const m of messages) {
    const list = byId.get(m.callId) ?? [];
    list.push(m);
    byId.set(m.callId, list);
  }
  const calls: PhoneCall[] = [];
  for (const [callId, msgs] of byId) {
    const invite = msgs.find((m) => m.direction === 'received' && m.method === 'INVITE');
    if (!invite) continue;
    const inviteCseq = cseqNumber(invite);
    const from = headerValue(invite, 'from') ?? '';
    const parsed = parseNameAddr(from);
    const final = msgs.find((m) => isFinalTo(m, 'sent', 'INVITE', inviteCseq));
    const cancel = msgs.find((m) => m.direction === 'received' && m.method === 'CANCEL');
    const byeIn = msgs.find((m) => m.direction === 'received' && m.method === 'BYE');
    const byeOut = msgs.find((m) => m.direction === 'sent' && m.method === 'BYE');
    const bye = [byeIn, byeOut].filter((m) => m !== undefined).sort((a, b) => a.at - b.at)[0];
    const cancelReasons = cancel ? headerValues(cancel, 'reason') : [];
    const inDialogRequests: InDialogRequest[] = [];
    const seen = new Set<string>();
    for (const m of msgs) {
      const method = m.direction === 'received' ? m.method : undefined;
      if (method === undefined || method === 'ACK' || method === 'CANCEL') continue;
      const cseq = cseqNumber(m);
      if (method === 'INVITE' && cseq === inviteCseq) continue;
      const key = `${cseq} ${method}`;
      if (seen.has(key)) continue; // a retransmission
      seen.add(key);
      const request: InDialogRequest = { method, at: m.at, cseq, body: m.body, message: m };
      const contentType = headerValue(m, 'content-type');
      if (contentType !== undefined) request.contentType = contentType;
      const response = msgs.find((r) => isFinalTo(r, 'sent', method, cseq));
      if (response?.status !== undefined) request.responseStatus = response.status;
      inDialogRequests.push(request);
    }
    const call: PhoneCall = {
      callId,
      inviteAt: invite.at,
      requestUri: invite.startLine.split(' ')[1] ?? '',
      from,
      callerIdNumber: parsed.user,
      answered: final?.status === 200,
      cancelled: cancel !== undefined,
      cancelReasons,
      byeReceived: byeIn !== undefined,
      byeSent: byeOut !== undefined,
      byeReasons: byeIn ? headerValues(byeIn, 'reason') : [],
      inDialogRequests,
      messages: msgs,
    };
    if (parsed.name !== undefined) call.callerIdName = parsed.name;
    if (final?.status !== undefined) call.finalStatus = final.status;
    if (final?.status === 200) call.answeredAt = final.at;
    if (cancel) call.cancelledAt = cancel.at;
    if (cancelReasons.length > 0) call.cancelReason = cancelReasons.join(', ');
    if (bye) call.byeAt = bye.at;

    const info = msgs.find((m) => m.direction === 'sent' && m.method === 'INFO');
    const rtp = rtpDtmf.find((e) => e.callId === callId);
    if (info) {
      const infoCseq = cseqNumber(info);
      const answer = msgs.find((m) => isFinalTo(m, 'received', 'INFO', infoCseq));
      call.dtmf = {
        digit: /^Signal=\s*(\S+)/m.exec(info.body)?.[1] ?? '',
        mode: 'info',
        sentAt: info.at,
        infoAnswered: answer?.status === 200,
      };
      if (answer?.status !== undefined) call.dtmf.infoStatus = answer.status;
    } else if (rtp) {
      call.dtmf = { digit: rtp.digit, mode: 'rfc4733', sentAt: rtp.at, infoAnswered: false };
    }
    if (call.dtmf && call.answeredAt !== undefined) call.dtmf.afterAnswerMs = call.dtmf.sentAt - call.answeredAt;
    calls.push(call);
  }
  return calls.sort((a, b) => a.inviteAt - b.inviteAt);
}

const SCENARIO_OF: Record<PhoneBehavior, string> = {
  answer: 'phone-answer.xml',
  ring: 'phone-ring.xml',
  busy: 'phone-busy.xml',
};

/** Where Debian's sip-tester keeps its RFC 4733 pcaps (dtmf_2833_<0-9|star|pound>.pcap). */
export const SIPP_PCAP_DIR = '/usr/share/sip-tester';

function dtmfPcap(digit: string): string {
  const name = digit === '*' ? 'star' : digit === '#' ? 'pound' : digit;
  return path.join(SIPP_PCAP_DIR, `dtmf_2833_${name}.pcap`);
}

/** The scenario placeholders of phone-answer.xml for the dtmf option. */
function dtmfPlaceholders(
  dtmf: PhoneDtmfOptions | undefined,
  talkMs: number | undefined,
): Record<string, string | number> {
  const talk = (afterMs: number): number =>
    talkMs === undefined ? 24 * 3600_000 : Math.max(1, Math.round(talkMs - afterMs));
  if (dtmf === undefined) {
    return { DTMF_MS: 1, DTMF_NEXT: 'talk', DIGIT: '', DTMF_RTP_ACTION: '', TALK_MS: talk(0) };
  }
  if (!Number.isFinite(dtmf.afterMs) || dtmf.afterMs < 0) {
    throw new Error(`dtmf.afterMs must be >= 0, not ${dtmf.afterMs}`);
  }
  const mode = dtmf.mode ?? 'info';
  const afterMs = Math.max(1, Math.round(dtmf.afterMs)); // SIPp reads timeout="0" as "no timeout"
  if (mode === 'info') {
    if (!/^[0-9*#A-D]$/.test(dtmf.digit)) throw new Error(`dtmf.digit must be one of 0-9 * # A-D, not '${dtmf.digit}'`);
    return { DTMF_MS: afterMs, DTMF_NEXT: 'dtmf_info', DIGIT: dtmf.digit, DTMF_RTP_ACTION: '', TALK_MS: talk(afterMs) };
  }
  if (!/^[0-9*#]$/.test(dtmf.digit)) throw new Error(`rfc4733 dtmf.digit must be one of 0-9 * #, not '${dtmf.digit}'`);
  const pcap = dtmfPcap(dtmf.digit);
  if (!existsSync(pcap)) {
    throw new Error(`${pcap} is missing: RFC 4733 digits are played from the pcaps of Debian's sip-tester package`);
  }
  return {
    DTMF_MS: afterMs,
    DTMF_NEXT: 'dtmf_rfc4733',
    DIGIT: dtmf.digit,
    DTMF_RTP_ACTION: `<exec play_pcap_audio="${pcap}"/>`,
    TALK_MS: talk(afterMs),
  };
}

/** Starts a SIPp phone (UAS) on 127.0.0.1:port that serves calls until stop(). */
export async function startPhone(options: PhoneOptions): Promise<PhoneHandle> {
  const { port, behavior } = options;
  if (options.dtmf !== undefined && behavior !== 'answer') {
    throw new Error(`phone ${port}: the dtmf option needs behavior 'answer', not '${behavior}'`);
  }
  const placeholders = dtmfPlaceholders(options.dtmf, options.talkMs);
  await waitPortFree(port, 3000);
  const dir = makeTempDir();
  const scenario = render(SCENARIO_OF[behavior], { RING_MS: options.ringMs ?? 500, ...placeholders }, dir);
  const traceFile = path.join(dir, 'messages.log');
  const dtmfLogFile = path.join(dir, 'dtmf.log');
  // prettier-ignore
  const spawned = spawnSipp([
    '-sf', scenario, '-i', LOCAL_IP, '-p', String(port), '-mp', String(mediaPortFor(port)),
    '-nostdin', '-aa', '-trace_msg', '-message_file', traceFile,
    '-trace_err', '-error_file', path.join(dir, 'errors.log'),
    '-trace_logs', '-log_file', dtmfLogFile,
  ]);
  // Ready when SIPp has bound its port.
  const deadline = Date.now() + 5000;
  while (!udpPortInUse(port)) {
    if (spawned.child.exitCode !== null || Date.now() > deadline) {
      await terminate(spawned);
      removeTempDir(dir);
      throw new Error(`SIPp phone on port ${port} did not start: ${spawned.stderr() || 'no output'}`);
    }
    await sleep(10);
  }

  const parse = (trace: string, dtmfLog: string): PhoneCall[] =>
    phoneCalls(parseSippTrace(trace), parseDtmfLog(dtmfLog));
  const calls = (): PhoneCall[] => parse(readTrace(traceFile), readTrace(dtmfLogFile));
  let stopped: Promise<PhoneReport> | undefined;
  const handle: PhoneHandle = {
    port,
    behavior,
    calls,
    log: () => readTrace(traceFile),
    async waitFor(predicate, timeoutMs = 15_000) {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const current = calls();
        if (predicate(current)) return current;
        if (Date.now() > until) {
          throw new Error(
            `phone ${port} (${behavior}): condition not met within ${timeoutMs} ms; calls so far:\n` +
              JSON.stringify(current.map(summarizePhoneCall), null, 1),
          );
        }
        await sleep(20);
      }
    },
    waitForInvites(n, timeoutMs) {
      return handle.waitFor((c) => c.length >= n, timeoutMs);
    },
    stop() {
      stopped ??= (async () => {
        await terminate(spawned);
        const log = readTrace(traceFile);
        const dtmfLog = readTrace(dtmfLogFile);
        removeTempDir(dir);
        return {
          port,
          behavior,
          calls: parse(log, dtmfLog),
          exitCode: spawned.child.exitCode,
          stderr: spawned.stderr(),
          log,
        };
      })();
      return stopped;
    },
  };
  return handle;
}

/** A compact view of a phone call for assertion messages. */
export function summarizePhoneCall(c: PhoneCall): Record<string, unknown> {
  return {
    callId: c.callId,
    from: c.from,
    finalStatus: c.finalStatus,
    cancelled: c.cancelled,
    cancelReason: c.cancelReason,
    byeReceived: c.byeReceived,
    byeSent: c.byeSent,
    dtmf: c.dtmf,
    inDialogRequests: c.inDialogRequests.map((r) => `${r.method} -> ${r.responseStatus ?? 'no response'}`),
  };
}

// ---------------------------------------------------------------------------------------------
// Callers

export interface CallOptions {
  /** The dialled number (DID). */
  to: string;
  /** Caller's number, or 'anonymous' for a withheld caller ("Anonymous" <sip:anonymous@anonymous.invalid>). */
  from: string;
  /** Optional display name in the From header (ignored for 'anonymous'). */
  fromName?: string;
  /**
   * SIPp's source port (CALLER_PORTS): 5070, 5069 and 5082 enter the snippet like a trunk's calls;
   * 5068 the plain dialplan; 5081 is the owner's desk phone dialling out (feature codes such as
   * `*71`, caller id "Owner desk" <101> whatever `from` says). Default 5070.
   */
  callerPort?: CallerPort;
  /** Hang up (CANCEL) after this many ms if not answered by then. */
  hangupAfterMs?: number;
  /** After the answer, send our own BYE after this many ms (default: wait for Asterisk's BYE). */
  talkMs?: number;
  /** Longest wait for a final response, and for Asterisk's BYE when talkMs is not set (default 60 s). */
  maxWaitMs?: number;
  /** This long after the answer, send about 5 s of real speech (Debian's g711a.pcap; the call offers PCMA only). */
  speakAfterMs?: number;
  /**
   * After the answer, at these times (ms from the ACK): 'speech' sends the 7 s of speech of
   * Debian's g711a.pcap, as PCMU (support/pcap.ts: the bench's phone endpoints allow only ulaw), a
   * digit sends its RFC 4733 events from sip-tester's dtmf_2833_<digit>.pcap. Steps in time order;
   * not with speakAfterMs.
   */
  afterAnswer?: readonly CallerStep[];
}

export interface CallerStep {
  readonly atMs: number;
  /** 'speech', or a digit 0-9 * #. */
  readonly send: string;
}

/**
 * The scenario actions of `afterAnswer`: pauses and pcaps, in order. Each step's pcap is written
 * to `dir` as part of one RTP stream (support/pcap.ts), its timestamps on the call's timeline.
 */
function callerSteps(steps: readonly CallerStep[], dir: string): string {
  let at = 0;
  let seq = 1000;
  return steps
    .map((step, index) => {
      if (step.atMs < at) throw new Error(`afterAnswer steps must be in time order: ${step.atMs} ms comes after ${at} ms`);
      const source = step.send === 'speech' ? path.join(SIPP_PCAP_DIR, 'g711a.pcap') : dtmfPcap(step.send);
      if (!existsSync(source)) throw new Error(`${source} is missing: install Debian's sip-tester`);
      const pcap = path.join(dir, `step-${index}.pcap`);
      seq = rewriteRtpPcap(source, pcap, { ssrc: 0x6e6d0001, seq, timestamp: 8 * Math.round(step.atMs) }, { toPcmu: step.send === 'speech' });
      const pause = Math.max(1, Math.round(step.atMs - at));
      at = step.atMs;
      return `<pause milliseconds="${pause}"/><nop><action><exec play_pcap_audio="${pcap}"/></action></nop>`;
    })
    .join('');
}

export interface CallReport {
  callId?: string;
  /** Final SIP status of the INVITE (200, 486, 487, ...), undefined if none came. */
  status?: number;
  answered: boolean;
  /** Got a 180 or 183. */
  ringing: boolean;
  /** ms from our INVITE to the first 180/183. */
  ringingMs?: number;
  /** ms from our INVITE to the 200 OK. */
  setupMs?: number;
  /** Who ended the call: 'caller' (our CANCEL or BYE) or 'asterisk' (its BYE or error response). */
  hungUpBy?: 'caller' | 'asterisk';
  cancelled: boolean;
  byeReceived: boolean;
  byeSent: boolean;
  /** Reason header values of Asterisk's BYE (e.g. `Q.850;cause=16`). */
  byeReasons: string[];
  /** ms from 200 OK to the BYE. */
  talkMs?: number;
  /** ms from our INVITE to the last message of the call. */
  durationMs: number;
  exitCode: number | null;
  stderr: string;
  messages: SipMessage[];
  /** The raw SIP trace, for assertion messages. */
  log: string;
}

export interface CallHandle {
  /** Messages so far (live). */
  messages(): SipMessage[];
  /** Resolves when the call is over. */
  done: Promise<CallReport>;
  /** Ends SIPp now (no BYE is sent); done resolves with what happened so far. */
  kill(): Promise<CallReport>;
}

export function callReport(messages: SipMessage[], exitCode: number | null, stderr: string, log: string): CallReport {
  const invite = messages.find((m) => m.direction === 'sent' && m.method === 'INVITE');
  const inviteId = invite?.callId;
  const msgs = inviteId === undefined ? [] : messages.filter((m) => m.callId === inviteId);
  const responses = msgs.filter((m) => m.direction === 'received' && m.cseqMethod === 'INVITE' && m.status);
  const final = responses.find((m) => (m.status ?? 0) >= 200);
  const ring = responses.find((m) => m.status === 180 || m.status === 183);
  const cancel = msgs.find((m) => m.direction === 'sent' && m.method === 'CANCEL');
  const byeIn = msgs.find((m) => m.direction === 'received' && m.method === 'BYE');
  const byeOut = msgs.find((m) => m.direction === 'sent' && m.method === 'BYE');
  const t0 = invite?.at ?? 0;
  const last = msgs.at(-1);
  const report: CallReport = {
    answered: final?.status === 200,
    ringing: ring !== undefined,
    cancelled: cancel !== undefined,
    byeReceived: byeIn !== undefined,
    byeSent: byeOut !== undefined,
    byeReasons: byeIn ? headerValues(byeIn, 'reason') : [],
    durationMs: last && invite ? last.at - t0 : 0,
    exitCode,
    stderr,
    messages: msgs,
    log,
  };
  if (inviteId !== undefined) report.callId = inviteId;
  if (final?.status !== undefined) report.status = final.status;
  if (ring) report.ringingMs = ring.at - t0;
  if (final?.status === 200) report.setupMs = final.at - t0;
  const firstBye = [byeIn, byeOut].filter((m) => m !== undefined).sort((a, b) => a.at - b.at)[0];
  if (final?.status === 200 && firstBye) {
    report.talkMs = firstBye.at - final.at;
    report.hungUpBy = firstBye === byeIn ? 'asterisk' : 'caller';
  } else if (cancel && (final === undefined || final.status === 487)) {
    report.hungUpBy = 'caller';
  } else if (final !== undefined && final.status !== 200) {
    report.hungUpBy = 'asterisk';
  }
  return report;
}

/** Starts a call from a SIPp caller to Asterisk and returns at once. */
export async function startCall(options: CallOptions): Promise<CallHandle> {
  const port = options.callerPort ?? CALLER_PORTS.caller;
  const maxWaitMs = options.maxWaitMs ?? 60_000;
  const talkMs = options.talkMs ?? maxWaitMs;
  const anonymous = options.from.toLowerCase() === 'anonymous';
  const fromUser = anonymous ? 'anonymous' : options.from;
  const fromHeader = anonymous
    ? '"Anonymous" <sip:anonymous@anonymous.invalid>'
    : `${options.fromName === undefined ? '' : `"${options.fromName}" `}<sip:${fromUser}@${LOCAL_IP}>`;
  await waitPortFree(port, 5000);
  const dir = makeTempDir();
  const cancelling = options.hangupAfterMs !== undefined;
  const scenario = render(
    cancelling ? 'caller-cancel.xml' : 'caller.xml',
    {
      FROM: fromHeader,
      FROM_USER: fromUser,
      WAIT_MS: maxWaitMs,
      TALK_MS: talkMs,
      CANCEL_MS: options.hangupAfterMs ?? 0,
      ...(cancelling
        ? {}
        : options.afterAnswer !== undefined
          ? { CODEC: 0, CODEC_NAME: 'PCMU', SPEAK: `-->${callerSteps(options.afterAnswer, dir)}<!--` }
          : options.speakAfterMs !== undefined
          ? {
              CODEC: 8,
              CODEC_NAME: 'PCMA',
              SPEAK: `--><pause milliseconds="${Math.max(1, Math.round(options.speakAfterMs))}"/><nop><action><exec play_pcap_audio="${SIPP_PCAP_DIR}/g711a.pcap"/></action></nop><!--`,
            }
          : { CODEC: 0, CODEC_NAME: 'PCMU', SPEAK: '' }),
    },
    dir,
  );
  const traceFile = path.join(dir, 'messages.log');
  const globalTimeoutS = Math.ceil((maxWaitMs + talkMs + 40_000) / 1000);
  // prettier-ignore
  const spawned = spawnSipp([
    `${ASTERISK_SIP_HOST}:${ASTERISK_SIP_PORT}`,
    '-sf', scenario, '-i', LOCAL_IP, '-p', String(port), '-mp', String(mediaPortFor(port)),
    '-s', options.to, '-m', '1', '-nostdin', '-aa',
    '-timeout', `${globalTimeoutS}s`, '-timeout_error',
    '-trace_msg', '-message_file', traceFile,
  ]);
  const killTimer = setTimeout(() => spawned.child.kill('SIGKILL'), (globalTimeoutS + 5) * 1000);
  const finish = async (): Promise<CallReport> => {
    const exitCode = await spawned.exited;
    clearTimeout(killTimer);
    const log = readTrace(traceFile);
    removeTempDir(dir);
    return callReport(parseSippTrace(log), exitCode, spawned.stderr(), log);
  };
  const done = finish();
  return {
    messages: () => parseSippTrace(readTrace(traceFile)),
    done,
    async kill() {
      await terminate(spawned);
      return done;
    },
  };
}

/** Places a call and resolves with what the caller saw once it is over. */
export async function placeCall(options: CallOptions): Promise<CallReport> {
  return (await startCall(options)).done;
}

/** A compact view of a call for assertion messages. */
export function summarizeCall(r: CallReport): Record<string, unknown> {
  return {
    status: r.status,
    answered: r.answered,
    setupMs: r.setupMs,
    hungUpBy: r.hungUpBy,
    cancelled: r.cancelled,
    byeReasons: r.byeReasons,
    durationMs: Math.round(r.durationMs),
    exitCode: r.exitCode,
  };
}

// ---------------------------------------------------------------------------------------------
// Load: many calls from one SIPp process (soak, benchmarks)

export interface LoadOptions {
  /** Calls in all, and calls started per second. */
  calls: number;
  rate: number;
  /** Callers' numbers, one per call in turn ('anonymous' for a withheld caller). */
  numbers: readonly string[];
  to: string;
  /** A dialled number per call in turn, instead of `to` for all: tells the calls apart at the PBX. */
  dids?: readonly string[];
  callerPort: CallerPort;
  /** Hang up (CANCEL) this long after the INVITE if not answered by then; default: wait up to waitMs. */
  cancelAfterMs?: number;
  /** Longest wait for a final response (default 120 s). */
  waitMs?: number;
  /** After the answer, send our own BYE after this long unless Asterisk ends the call first (default 60 s). */
  talkMs?: number;
  /**
   * Trace every message (-trace_msg, microsecond timestamps) and report each answered call's time
   * from its INVITE to its 200 (setupMs). Costs SIPp some disk writes; for benchmarks.
   */
  timing?: boolean;
}

export interface LoadReport {
  created: number;
  successful: number;
  failed: number;
  /** Calls the PBX turned down with a final error response (4xx-6xx but 487, the answer to our own CANCEL), each once. */
  refused: number;
  /** The numbers those calls dialled. */
  refusedTo: string[];
  /** With the timing option: ms from each answered call's INVITE to its 200 OK, in call order. */
  setupMs: number[];
  exitCode: number | null;
  stderr: string;
}

export interface LoadHandle {
  done: Promise<LoadReport>;
  stop(): Promise<LoadReport>;
}

/** Starts a SIPp caller that places `calls` calls at `rate` per second, each from the next of `numbers`. */
export async function startLoad(options: LoadOptions): Promise<LoadHandle> {
  const port = options.callerPort;
  await waitPortFree(port, 5000);
  const dir = makeTempDir();
  const cancelling = options.cancelAfterMs !== undefined;
  // SIPp substitutes [field0] per call from the injection file.
  const scenario = render(
    cancelling ? 'caller-cancel.xml' : 'caller.xml',
    {
      FROM: '<sip:[field0]@127.0.0.1>',
      FROM_USER: '[field0]',
      WAIT_MS: options.waitMs ?? 120_000,
      TALK_MS: options.talkMs ?? 60_000,
      CANCEL_MS: options.cancelAfterMs ?? 0,
      ...(cancelling ? {} : { CODEC: 0, CODEC_NAME: 'PCMU', SPEAK: '' }),
    },
    dir,
  );
  const inject = path.join(dir, 'numbers.csv');
  const dids = options.dids;
  if (dids) {
    if (dids.length !== options.numbers.length) throw new Error('startLoad: one dialled number per caller number');
    // [field1] is each call's own dialled number.
    writeFileSync(scenario, readFileSync(scenario, 'utf8').split('[service]').join('[field1]'));
  }
  const line = (n: string, i: number): string => `${n.replace(/[^0-9a-z+]/gi, '')};${dids ? `${(dids[i] ?? '').replace(/[^0-9+]/g, '')};` : ''}`;
  writeFileSync(inject, ['SEQUENTIAL', ...options.numbers.map(line)].join('\n') + '\n');
  const statFile = path.join(dir, 'stats.csv');
  const traceFile = path.join(dir, 'messages.log');
  // prettier-ignore
  const spawned = spawnSipp([
    `${ASTERISK_SIP_HOST}:${ASTERISK_SIP_PORT}`,
    '-sf', scenario, '-inf', inject, '-i', LOCAL_IP, '-p', String(port), '-mp', String(mediaPortFor(port)),
    '-s', options.to, '-m', String(options.calls), '-r', String(options.rate), '-l', '100000', '-nostdin', '-aa',
    '-trace_stat', '-stf', statFile, '-fd', '1', '-trace_logs',
    ...(options.timing === true ? ['-trace_msg', '-message_file', traceFile] : []),
  ], dir);
  const report = async (): Promise<LoadReport> => {
    const exitCode = await spawned.exited;
    const stats = parseSippStats(readTrace(statFile));
    // -trace_logs writes the scenario's <log> actions to <scenario name>_<pid>_logs.log in SIPp's working directory.
    const logs = readdirSync(dir).find((name) => name.endsWith('_logs.log'));
    const refused = logs === undefined ? { calls: 0, to: [] } : refusedCalls(readTrace(path.join(dir, logs)));
    const setupMs = options.timing === true ? setupTimes(parseSippTrace(readTrace(traceFile))) : [];
    removeTempDir(dir);
    return { ...stats, refused: refused.calls, refusedTo: refused.to, setupMs, exitCode, stderr: spawned.stderr() };
  };
  const done = report();
  return {
    done,
    async stop() {
      await terminate(spawned);
      return done;
    },
  };
}

/**
 * From SIPp's -trace_logs file: the calls the PBX turned down, each counted once, and the numbers
 * they dialled. The caller scenarios log "refused <Call-ID> to <dialled number>" when an INVITE
 * gets a final error response (but the 487 that answers our own CANCEL); a retransmitted
 * response is not a second call.
 */
export function refusedCalls(text: string): { calls: number; to: string[] } {
  const calls = new Map<string, string>();
  for (const line of text.split('\n')) {
    const match = /\brefused (\S+) to (\S*)\s*$/.exec(line);
    if (match?.[1]) calls.set(match[1], match[2] ?? '');
  }
  return { calls: calls.size, to: [...calls.values()] };
}

/** Per call (Call-ID) that was answered: ms from the caller's first INVITE to the first 200 to it, in call order. */
export function setupTimes(messages: readonly SipMessage[]): number[] {
  const invites = new Map<string, number>();
  const answered = new Map<string, number>();
  for (const m of messages) {
    if (m.direction === 'sent' && m.method === 'INVITE' && !invites.has(m.callId)) invites.set(m.callId, m.at);
    else if (m.direction === 'received' && m.status === 200 && m.cseqMethod === 'INVITE' && !answered.has(m.callId)) {
      const sentAt = invites.get(m.callId);
      if (sentAt !== undefined) answered.set(m.callId, m.at - sentAt);
    }
  }
  return [...answered.values()];
}

/** The last row of SIPp's -trace_stat file: calls created, successful and failed in all. */
export function parseSippStats(text: string): { created: number; successful: number; failed: number } {
  const lines = text.split('\n').filter((line) => line.trim() !== '');
  const header = lines[0]?.split(';') ?? [];
  const last = lines.at(-1)?.split(';') ?? [];
  const column = (name: string): number => {
    const index = header.indexOf(name);
    return index >= 0 && lines.length > 1 ? Number(last[index] ?? 0) : 0;
  };
  return { created: column('TotalCallCreated'), successful: column('SuccessfulCall(C)'), failed: column('FailedCall(C)') };
}

/**
 * The connection to Asterisk's ARI, kept alive for as long as the service runs.
 *
 * ari-client has traps that this module exists to contain (see docs/decisions/0005-ari-client.md):
 * - connect() throws an uncatchable error on a 401 or a 503 from a booting Asterisk, so a plain
 *   HTTP pre-flight decides first whether connecting makes sense;
 * - its WebSocket gives up after ten retries (~43 s), so its backoff is made endless;
 * - it has no heartbeat, so a ping watchdog kills a socket that stopped answering;
 * - it opens one HTTP socket per REST call through Node's global agent, and past Asterisk's
 *   session limit requests vanish silently, so the global agent is replaced by a capped keep-alive one;
 * - per-instance listeners leak, so there is exactly one listener for all events ('*').
 */
import http from 'node:http';
import { createRequire } from 'node:module';
import type { Logger } from 'winston';
import { ErrorCodes, NevermissError, describeError } from '../errors.js';
import { createAriRest, type AriClientLike, type AriRest } from './rest.js';
import { createAriHttp } from './http.js';
import { toAriEvent, type AriEvent } from './events.js';

const require = createRequire(import.meta.url);

export interface AriSettings {
  readonly url: string;
  readonly username: string;
  readonly password: string;
  readonly app: string;
  readonly requestTimeoutMs: number;
}

export interface AriConnectionHandlers {
  onEvent(event: AriEvent): void;
  /** After every (re)connect, once events flow: the moment to reconcile. */
  onConnected(rest: AriRest): void;
  onDisconnected(reason: string): void;
}

export interface AriConnection {
  start(): void;
  stop(): Promise<void>;
  isConnected(): boolean;
  /** The REST interface of the current connection; throws NM_ARI_UNREACHABLE while disconnected. */
  rest(): AriRest;
}

interface AriClient extends AriClientLike {
  on(event: string, listener: (...args: unknown[]) => void): void;
  removeAllListeners(): void;
  start(app: string): PromiseLike<void>;
  stop(): void;
  ping(): void;
  _ws?: AriSocket;
}

/** The part of ari-client's WebSocket (ws 6) this module touches. */
interface AriSocket {
  terminate(): void;
  on(event: 'message', listener: (data: unknown) => void): void;
  removeAllListeners(event: 'message'): void;
}

type Connect = (url: string, user: string, pass: string) => PromiseLike<AriClient>;

const PING_EVERY_MS = 10_000;
const PONG_WITHIN_MS = 20_000;
const MAX_BACKOFF_MS = 2_000;

let libraryPatched = false;

/** Applied once per process, before the first connect. */
function patchLibrary(): void {
  if (libraryPatched) return;
  libraryPatched = true;
  // ari-client resolves backoff-func at call time, so its retries can be made endless here.
  const backoff = createRequire(require.resolve('ari-client'))('backoff-func') as { create: (o: object) => unknown };
  const original = backoff.create.bind(backoff);
  backoff.create = (options: object) => original({ ...options, maxDelay: MAX_BACKOFF_MS, maxRetries: Number.MAX_SAFE_INTEGER });
  // swagger-client (inside ari-client) uses Node's global agent for every REST call.
  http.globalAgent = new http.Agent({ keepAlive: true, maxSockets: 32, timeout: 30_000 });
}

export function createAriConnection(settings: AriSettings, handlers: AriConnectionHandlers, logger: Logger): AriConnection {
  const log = logger.child({ component: 'ari' });
  let client: AriClient | null = null;
  let rest: AriRest | null = null;
  let connected = false;
  let stopped = false;
  let pingTimer: NodeJS.Timeout | undefined;
  let retryTimer: NodeJS.Timeout | undefined;
  let lastPong = 0;
  let attempt = 0;
  let version = '';

  const connect = (require('ari-client') as { connect: Connect }).connect;

  function setConnected(value: boolean, reason: string): void {
    if (connected === value) return;
    connected = value;
    if (value) {
      log.info('ARI connected', { url: settings.url, app: settings.app });
      if (rest) handlers.onConnected(rest);
    } else {
      log.warn('ARI disconnected; new calls take the dialplan fallback until it is back, calls in progress wait for it', { reason });
      handlers.onDisconnected(reason);
    }
  }

  function scheduleRetry(err: unknown): void {
    if (stopped) return;
    attempt += 1;
    const delay = Math.min(MAX_BACKOFF_MS, 250 * 2 ** Math.min(attempt, 5));
    const level = err instanceof NevermissError && err.code === ErrorCodes.ARI_AUTH ? 'error' : 'warn';
    log.log(level, `${describeError(err)}; retrying in ${delay} ms`, { attempt });
    retryTimer = setTimeout(() => void open(), delay);
  }

  async function open(): Promise<void> {
    if (stopped) return;
    try {
      await preflight(settings);
      const fresh = await guardSwaggerThrow(() =>
        withoutSwaggerNotice(() => withTimeout(connect(settings.url, settings.username, settings.password), 15_000, settings.url)),
      );
      if (stopped) return;
      attach(fresh);
      await withTimeout(fresh.start(settings.app), 15_000, settings.url);
      attempt = 0;
    } catch (err) {
      discard();
      scheduleRetry(err);
    }
  }

  function attach(fresh: AriClient): void {
    client = fresh;
    rest = createAriRest(fresh, settings.requestTimeoutMs, createAriHttp(settings));
    // Until the socket's own listener is swapped in (below), events come through ari-client.
    fresh.on('*', (raw: unknown) => {
      const event = toAriEvent(raw);
      if (event) handlers.onEvent(event);
    });
    fresh.on('WebSocketConnected', () => {
      readEventsDirectly(fresh);
      void onSocketOpen();
    });
    fresh.on('WebSocketReconnecting', (err: unknown) => setConnected(false, err ? describeError(err) : 'socket closed'));
    fresh.on('pong', () => {
      lastPong = Date.now();
    });
    lastPong = Date.now();
    clearInterval(pingTimer);
    pingTimer = setInterval(watchdog, PING_EVERY_MS);
  }

  /**
   * ari-client turns every event into objects with the whole channel API attached before it emits
   * it; we read the raw JSON anyway (events.ts), so the socket's messages are parsed here instead
   * (docs/decisions/0027). ari-client opens a new socket on each reconnect and emits
   * WebSocketConnected from its 'open', before any message, so the swap is made on every open.
   */
  function readEventsDirectly(owner: AriClient): void {
    const socket = owner._ws;
    if (!socket || client !== owner) return;
    socket.removeAllListeners('message');
    socket.on('message', (data: unknown) => {
      let raw: unknown;
      try {
        raw = JSON.parse(String(data));
      } catch (err) {
        log.warn('ARI sent an event that is not JSON; ignored', { error: describeError(err), data: String(data).slice(0, 200) });
        return;
      }
      const event = toAriEvent(raw);
      if (!event) return;
      try {
        handlers.onEvent(event);
      } catch (err) {
        // An event of a shape we did not expect must not end the process.
        log.error('could not handle an ARI event; ignored', { type: event.type, error: describeError(err) });
      }
    });
  }

  /** On every open: an Asterisk upgraded behind our back gets a fresh client (new API models). */
  async function onSocketOpen(): Promise<void> {
    lastPong = Date.now();
    const current = rest;
    if (!current) return;
    try {
      const info = await current.info();
      if (version && info.version !== version) {
        log.warn('Asterisk version changed; reconnecting with its new API', { from: version, to: info.version });
        version = info.version;
        discard();
        void open();
        return;
      }
      version = info.version;
    } catch (err) {
      log.warn('could not read Asterisk info after connecting', { error: describeError(err) });
    }
    setConnected(true, 'connected');
  }

  function watchdog(): void {
    // While the socket is down, ari-client's own reconnect runs; there is nothing to ping.
    if (!client || !connected) return;
    if (Date.now() - lastPong > PONG_WITHIN_MS) {
      log.warn('ARI WebSocket stopped answering pings; reconnecting');
      lastPong = Date.now();
      client._ws?.terminate();
      return;
    }
    try {
      client.ping();
    } catch (err) {
      // The socket closed since the last event (ws throws on a closed socket); its reconnect is under way.
      log.debug('could not ping ARI', { error: describeError(err) });
    }
  }

  function discard(): void {
    clearInterval(pingTimer);
    const old = client;
    client = null;
    rest = null;
    setConnected(false, 'connection discarded');
    if (!old) return;
    old.removeAllListeners();
    try {
      old.stop();
    } catch {
      // stop() throws when start() never ran; nothing to close then.
    }
  }

  return {
    start() {
      patchLibrary();
      stopped = false;
      void open();
    },
    async stop() {
      stopped = true;
      clearTimeout(retryTimer);
      discard();
      await Promise.resolve();
    },
    isConnected: () => connected,
    rest() {
      if (!rest || !connected) throw new NevermissError(ErrorCodes.ARI_UNREACHABLE, `not connected to ARI at ${settings.url}`);
      return rest;
    },
  };
}

/**
 * Whether ARI answers a plain HTTP request with these credentials. A standby asks this instead of
 * opening the app's WebSocket, which would take the app over from the active instance.
 */
export async function checkAri(settings: AriSettings, timeoutMs: number): Promise<AriCheck> {
  try {
    await preflight(settings, timeoutMs);
    return { reachable: true };
  } catch (err) {
    return { reachable: false, problem: describeError(err) };
  }
}

export type AriCheck = { readonly reachable: true } | { readonly reachable: false; readonly problem: string };

/** A plain HTTP request tells a wrong password or a booting Asterisk apart before ari-client can crash on it. */
async function preflight(settings: AriSettings, timeoutMs = 5_000): Promise<void> {
  const url = new URL('/ari/asterisk/info?only=status', settings.url);
  const auth = Buffer.from(`${settings.username}:${settings.password}`).toString('base64');
  let status: number;
  try {
    const response = await fetch(url, { headers: { authorization: `Basic ${auth}` }, signal: AbortSignal.timeout(timeoutMs) });
    status = response.status;
    await response.body?.cancel();
  } catch (err) {
    throw new NevermissError(ErrorCodes.ARI_UNREACHABLE, `cannot reach ARI at ${settings.url} (${describeError(err)}); is Asterisk running and http.conf enabled?`);
  }
  if (status === 401 || status === 403) {
    throw new NevermissError(
      ErrorCodes.ARI_AUTH,
      `ARI at ${settings.url} refused user "${settings.username}" (HTTP ${status}); check ari.username/ari.password against ari.conf`,
    );
  }
  if (status !== 200) {
    throw new NevermissError(ErrorCodes.ARI_NOT_READY, `ARI at ${settings.url} is not ready (HTTP ${status}); Asterisk may still be booting`);
  }
}

function withTimeout<T>(promise: PromiseLike<T>, ms: number, url: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new NevermissError(ErrorCodes.ARI_UNREACHABLE, `connecting to ARI at ${url} took longer than ${ms} ms`));
    }, ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err instanceof Error ? err : new Error(String(err)));
      },
    );
  });
}

/**
 * swagger-client throws a bare string from an HTTP callback when loading the API docs fails
 * (ari-client issue #81). Between pre-flight and connect that can still happen (Asterisk
 * restarting at that very moment); for that window such a throw becomes a failed attempt.
 */
async function guardSwaggerThrow<T>(run: () => Promise<T>): Promise<T> {
  let fail: ((err: Error) => void) | undefined;
  const guard = (err: unknown): void => {
    if (typeof err === 'string' && fail) {
      fail(new NevermissError(ErrorCodes.ARI_NOT_READY, `ARI refused to load its API description: ${err}`));
      return;
    }
    process.removeListener('uncaughtException', guard);
    throw err;
  };
  process.on('uncaughtException', guard);
  try {
    return await new Promise<T>((resolve, reject) => {
      fail = reject;
      run().then(resolve, reject);
    });
  } finally {
    process.removeListener('uncaughtException', guard);
  }
}

/**
 * swagger-client prints a deprecation notice with console.log on every connect, which would
 * break JSON log lines on stdout; that one notice is dropped while connecting.
 */
async function withoutSwaggerNotice<T>(run: () => Promise<T>): Promise<T> {
  const original = console.log;
  console.log = (...args: unknown[]) => {
    if (JSON.stringify(args).includes('deprecated version of Swagger')) return;
    original(...args);
  };
  try {
    return await run();
  } finally {
    console.log = original;
  }
}

/**
 * The ARI operations nevermiss uses, as a small typed interface over ari-client. Every call has
 * a timeout (the library has none) and failures become coded errors; "not found" is its own code
 * because a peer that already hung up is normal, not a fault.
 */
import { ErrorCodes, NevermissError } from '../errors.js';
import type { AriHttp, Query } from './http.js';

export type HangupReason = 'normal' | 'answered_elsewhere' | 'no_answer' | 'busy';

export interface OriginateRequest {
  readonly endpoint: string;
  readonly channelId: string;
  readonly app: string;
  readonly appArgs: string;
  readonly callerId: string;
  readonly timeoutSec: number;
  /** The channel this one is dialled for (linkedid, codecs); empty for none. */
  readonly originator: string;
}

/** A channel as ARI reports it (GET /channels/{id}), the fields reconciliation reads. */
export interface AriChannelInfo {
  readonly id: string;
  /** Asterisk's channel state: Up once answered; Ring, Ringing, Down before. */
  readonly state: string;
  readonly caller: { readonly name: string; readonly number: string };
  /** ISO time the channel was created. */
  readonly creationtime: string;
  /** Where the channel is: for a caller in our app, app Stasis with data "<app>,inbound,<DID>". */
  readonly dialplan: { readonly context: string; readonly exten: string; readonly appName: string; readonly appData: string };
}

export interface AriBridgeInfo {
  readonly id: string;
  readonly channels: readonly string[];
  readonly creationtime: string;
}

/** A channel that runs dialplan rather than entering the app, e.g. a Local/ channel whose other half does. */
export interface DialplanOriginateRequest {
  readonly endpoint: string;
  /** The id of the originated channel (for a Local/ channel, its ;1 half). */
  readonly channelId: string;
  /** For a Local/ channel: the id of its ;2 half (the one that runs `endpoint`'s extension). */
  readonly otherChannelId: string;
  /** Where the originated channel goes once answered. */
  readonly context: string;
  readonly extension: string;
  readonly priority: number;
  /** Channel variables set before it dials (a Local/ channel passes them on to its ;2 half). */
  readonly variables: Readonly<Record<string, string>>;
  readonly timeoutSec: number;
}

export interface AriRest {
  info(): Promise<{ readonly version: string; readonly startupTime: string }>;
  ring(channelId: string): Promise<void>;
  answer(channelId: string): Promise<void>;
  /** Sets a dialplan global variable. */
  setGlobal(variable: string, value: string): Promise<void>;
  originate(req: OriginateRequest): Promise<void>;
  originateToDialplan(req: DialplanOriginateRequest): Promise<void>;
  hangup(channelId: string, reason: HangupReason): Promise<void>;
  createBridge(bridgeId: string): Promise<void>;
  addToBridge(bridgeId: string, channelIds: readonly string[]): Promise<void>;
  destroyBridge(bridgeId: string): Promise<void>;
  play(channelId: string, playbackId: string, media: readonly string[], lang: string): Promise<void>;
  channelExists(channelId: string): Promise<boolean>;
  /** The channel, or null when it is gone. */
  channel(channelId: string): Promise<AriChannelInfo | null>;
  bridges(): Promise<readonly AriBridgeInfo[]>;
  playbackExists(playbackId: string): Promise<boolean>;
  /** Whether a recording is still being made, was stored, or does not exist. */
  recordingState(name: string): Promise<'recording' | 'stored' | 'none'>;
  stopPlayback(playbackId: string): Promise<void>;
  record(channelId: string, name: string, maxSeconds: number): Promise<void>;
  /** The names of Asterisk's stored recordings. */
  storedRecordings(): Promise<readonly string[]>;
  /** Copies a stored recording to a new name, replacing one of that name. */
  copyStoredRecording(from: string, to: string): Promise<void>;
  /** Deletes a stored recording; one already gone is fine. */
  deleteStoredRecording(name: string): Promise<void>;
  /** Whether a device (e.g. PJSIP/owner-desk) has a call on it right now. */
  endpointInUse(tech: string, resource: string): Promise<boolean>;
  /** Asterisk sends the app events of these types only. */
  filterEvents(app: string, types: readonly string[]): Promise<void>;
  /** The app is told each change of the device's state (DeviceStateChanged). */
  subscribeDeviceState(app: string, device: string): Promise<void>;
  /** A device's state now, as Asterisk names it: NOT_INUSE, INUSE, RINGING, UNAVAILABLE, ... */
  deviceState(device: string): Promise<string>;
  appChannels(app: string): Promise<readonly string[]>;
  continueInDialplan(channelId: string, context: string, extension: string, label: string): Promise<void>;
}

/** The subset of ari-client's generated client that the adapter calls. */
export interface AriClientLike {
  asterisk: {
    getInfo(p: object): PromiseLike<{ system?: { version?: string }; status?: { startup_time?: string } }>;
    setGlobalVar(p: { variable: string; value: string }): PromiseLike<unknown>;
  };
  channels: Record<string, (p: object) => PromiseLike<unknown>>;
  bridges: Record<string, (p: object) => PromiseLike<unknown>>;
  applications: { get(p: object): PromiseLike<{ channel_ids?: string[] }>; subscribe(p: object): PromiseLike<unknown>; filter(p: object): PromiseLike<unknown> };
  deviceStates: { get(p: object): PromiseLike<{ state?: string }> };
  recordings: Record<string, (p: object) => PromiseLike<unknown>>;
  endpoints: { get(p: object): PromiseLike<{ channel_ids?: string[]; state?: string }> };
  playbacks: Record<string, (p: object) => PromiseLike<unknown>>;
}

/**
 * `lean`: the hot requests of a call go through it rather than ari-client (src/ari/http.ts,
 * docs/decisions/0026); without it, everything goes through ari-client.
 */
export function createAriRest(client: AriClientLike, timeoutMs: number, lean?: AriHttp): AriRest {
  const call = async <T>(what: string, op: () => PromiseLike<T>): Promise<T> => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        reject(new NevermissError(ErrorCodes.ARI_TIMEOUT, `ARI request timed out after ${timeoutMs} ms: ${what}`, { what }));
      }, timeoutMs);
    });
    try {
      return await Promise.race([Promise.resolve(op()), timeout]);
    } catch (err) {
      throw toAriError(what, err);
    } finally {
      clearTimeout(timer);
    }
  };
  const operation = (resource: 'channels' | 'bridges' | 'playbacks' | 'recordings', op: string, params: object): Promise<unknown> => {
    const what = `${resource}.${op} ${JSON.stringify(params)}`;
    const fn = client[resource][op];
    if (!fn) return Promise.reject(new NevermissError(ErrorCodes.ARI_REQUEST, `this Asterisk's ARI has no operation ${resource}.${op}`, { what }));
    return call(what, () => fn(params));
  };
  const channels = async (op: string, params: object): Promise<void> => {
    await operation('channels', op, params);
  };
  const bridges = async (op: string, params: object): Promise<void> => {
    await operation('bridges', op, params);
  };

  const hot = async (method: 'POST' | 'DELETE', path: string, query: Query, fallback: () => Promise<void>): Promise<void> => {
    if (lean === undefined) return fallback();
    await lean.request(method, path, query);
  };
  const id = encodeURIComponent;

  return {
    async info() {
      const info = await call('asterisk.getInfo', () => client.asterisk.getInfo({}));
      return { version: info.system?.version ?? 'unknown', startupTime: info.status?.startup_time ?? '' };
    },
    ring: (channelId) => hot('POST', `/channels/${id(channelId)}/ring`, {}, () => channels('ring', { channelId })),
    answer: (channelId) => hot('POST', `/channels/${id(channelId)}/answer`, {}, () => channels('answer', { channelId })),
    async setGlobal(variable, value) {
      await call(`asterisk.setGlobalVar ${variable}`, () => client.asterisk.setGlobalVar({ variable, value }));
    },
    originate: (req) => {
      const params = {
        endpoint: req.endpoint,
        channelId: req.channelId,
        app: req.app,
        appArgs: req.appArgs,
        callerId: req.callerId,
        timeout: req.timeoutSec,
        ...(req.originator ? { originator: req.originator } : {}),
      };
      return hot('POST', '/channels', params, () => channels('originate', params));
    },
    originateToDialplan: (req) =>
      channels('originate', {
        endpoint: req.endpoint,
        channelId: req.channelId,
        otherChannelId: req.otherChannelId,
        context: req.context,
        extension: req.extension,
        priority: req.priority,
        timeout: req.timeoutSec,
        variables: req.variables,
      }),
    hangup: (channelId, reason) => hot('DELETE', `/channels/${id(channelId)}`, { reason }, () => channels('hangup', { channelId, reason })),
    createBridge: (bridgeId) => hot('POST', `/bridges/${id(bridgeId)}`, { type: 'mixing' }, () => bridges('create', { bridgeId, type: 'mixing' })),
    addToBridge: (bridgeId, channelIds) => {
      const params = { channel: channelIds.join(','), inhibitConnectedLineUpdates: true };
      return hot('POST', `/bridges/${id(bridgeId)}/addChannel`, params, () => bridges('addChannel', { bridgeId, ...params }));
    },
    destroyBridge: (bridgeId) => hot('DELETE', `/bridges/${id(bridgeId)}`, {}, () => bridges('destroy', { bridgeId })),
    play: (channelId, playbackId, media, lang) => {
      const params = { media: media.join(','), lang };
      return hot('POST', `/channels/${id(channelId)}/play/${id(playbackId)}`, params, () => channels('play', { channelId, playbackId, ...params }));
    },
    async channelExists(channelId) {
      try {
        await channels('get', { channelId });
        return true;
      } catch (err) {
        if (err instanceof NevermissError && err.code === ErrorCodes.ARI_NOT_FOUND) return false;
        throw err;
      }
    },
    async channel(channelId) {
      const found = await orNull(operation('channels', 'get', { channelId }));
      return found === null ? null : toChannelInfo(found);
    },
    async bridges() {
      const list = await operation('bridges', 'list', {});
      return (Array.isArray(list) ? list : []).map((raw): AriBridgeInfo => {
        const bridge = raw as { id?: unknown; channels?: unknown; creationtime?: unknown };
        return {
          id: typeof bridge.id === 'string' ? bridge.id : '',
          channels: Array.isArray(bridge.channels) ? bridge.channels.map(String) : [],
          creationtime: typeof bridge.creationtime === 'string' ? bridge.creationtime : '',
        };
      });
    },
    playbackExists: async (playbackId) => (await orNull(operation('playbacks', 'get', { playbackId }))) !== null,
    async recordingState(name) {
      if ((await orNull(operation('recordings', 'getLive', { recordingName: name }))) !== null) return 'recording';
      return (await orNull(operation('recordings', 'getStored', { recordingName: name }))) !== null ? 'stored' : 'none';
    },
    stopPlayback: async (playbackId) => {
      await operation('playbacks', 'stop', { playbackId });
    },
    record: (channelId, name, maxSeconds) =>
      channels('record', {
        channelId,
        name,
        format: 'wav',
        maxDurationSeconds: maxSeconds,
        maxSilenceSeconds: 5,
        ifExists: 'overwrite',
        beep: true,
        terminateOn: '#',
      }),
    async storedRecordings() {
      const list = await operation('recordings', 'listStored', {});
      return (Array.isArray(list) ? list : []).flatMap((raw) => {
        const name = (raw as { name?: unknown }).name;
        return typeof name === 'string' ? [name] : [];
      });
    },
    async copyStoredRecording(from, to) {
      // ARI refuses to copy over an existing recording (409), so the old one goes first.
      await orNull(operation('recordings', 'deleteStored', { recordingName: to }));
      await operation('recordings', 'copyStored', { recordingName: from, destinationRecordingName: to });
    },
    async deleteStoredRecording(name) {
      await orNull(operation('recordings', 'deleteStored', { recordingName: name }));
    },
    async endpointInUse(tech, resource) {
      const endpoint = await call(`endpoints.get ${tech}/${resource}`, () => client.endpoints.get({ tech, resource }));
      return (endpoint.channel_ids ?? []).length > 0;
    },
    async filterEvents(app, types) {
      await call(`applications.filter ${app}`, () => client.applications.filter({ applicationName: app, filter: { allowed: types.map((type) => ({ type })) } }));
    },
    async subscribeDeviceState(app, device) {
      await call(`applications.subscribe ${app} deviceState:${device}`, () =>
        client.applications.subscribe({ applicationName: app, eventSource: `deviceState:${device}` }),
      );
    },
    async deviceState(device) {
      const found = await call(`deviceStates.get ${device}`, () => client.deviceStates.get({ deviceName: device }));
      return found.state ?? 'UNKNOWN';
    },
    async appChannels(app) {
      const found = await call(`applications.get ${app}`, () => client.applications.get({ applicationName: app }));
      return found.channel_ids ?? [];
    },
    continueInDialplan: (channelId, context, extension, label) => channels('continueInDialplan', { channelId, context, extension, label }),
  };
}

/** Errors of the connection, not of the request: the request may be sent again once ARI is back. */
const NETWORK_ERRORS = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNABORTED']);

/** A request for something that may be gone: null when it is. */
async function orNull<T>(request: Promise<T>): Promise<T | null> {
  try {
    return await request;
  } catch (err) {
    if (err instanceof NevermissError && err.code === ErrorCodes.ARI_NOT_FOUND) return null;
    throw err;
  }
}

/** ari-client hands back a Channel instance with the JSON fields on it. */
function toChannelInfo(raw: unknown): AriChannelInfo {
  const channel = raw as {
    id?: unknown;
    state?: unknown;
    caller?: { name?: unknown; number?: unknown };
    creationtime?: unknown;
    dialplan?: { context?: unknown; exten?: unknown; app_name?: unknown; app_data?: unknown };
  };
  const text = (value: unknown): string => (typeof value === 'string' ? value : '');
  return {
    id: text(channel.id),
    state: text(channel.state),
    caller: { name: text(channel.caller?.name), number: text(channel.caller?.number) },
    creationtime: text(channel.creationtime),
    dialplan: {
      context: text(channel.dialplan?.context),
      exten: text(channel.dialplan?.exten),
      appName: text(channel.dialplan?.app_name),
      appData: text(channel.dialplan?.app_data),
    },
  };
}

/** ari-client rejects with the response body as the message; its HTTP status is lost, so read the body. */
function toAriError(what: string, err: unknown): NevermissError {
  if (err instanceof NevermissError) return err;
  const text = err instanceof Error ? err.message : String(err);
  const errno = (err as { code?: unknown } | null)?.code;
  if ((typeof errno === 'string' && NETWORK_ERRORS.has(errno)) || /socket hang up|ECONNRESET|ECONNREFUSED|EPIPE/.test(text)) {
    return new NevermissError(ErrorCodes.ARI_UNREACHABLE, `ARI request failed: ${what}: the connection to Asterisk broke (${text})`, { what }, { cause: err });
  }
  let reason = text;
  try {
    const body = JSON.parse(text) as { message?: string; error?: string };
    reason = body.message ?? body.error ?? text;
  } catch {
    // not JSON: keep the text as it is
  }
  const code = /not found/i.test(reason) ? ErrorCodes.ARI_NOT_FOUND : /already exists/i.test(reason) ? ErrorCodes.ARI_CONFLICT : ErrorCodes.ARI_REQUEST;
  return new NevermissError(code, `ARI request failed: ${what}: ${reason}`, { what, reason }, { cause: err });
}

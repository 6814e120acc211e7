/**
 * Whether a phone is in a call, kept in memory from Asterisk's device-state events
 * (docs/decisions/0025-busy-state-from-events.md).
 *
 * The first time a call asks about a device on a connection, the app subscribes to its state
 * (deviceState:<device>) and reads it once; from then on DeviceStateChanged events keep it, and
 * asking costs no request at all. A reconnect forgets every state (events may have been missed),
 * so each device is read once again when a call next asks. When the subscription or the read
 * fails, that one question is answered by asking ARI for the endpoint's channels, as before.
 */
import type { Logger } from 'winston';
import { describeError } from '../errors.js';
import type { AriRest } from './rest.js';

/** Device states of a device with a call on it (ringing, talking, on hold, or busy by its own count). */
const IN_CALL = new Set(['INUSE', 'BUSY', 'RINGING', 'RINGINUSE', 'ONHOLD']);

export interface DeviceStates {
  /** Whether the device (e.g. PJSIP/owner-desk) has a call on it now. */
  inUse(device: string): Promise<boolean>;
  /** Feed DeviceStateChanged events here. */
  changed(device: string, state: string): void;
  /** Events may have been missed (a reconnect): every state is read again when next asked. */
  forget(): void;
  /** Devices whose state is known from events now (for tests and figures). */
  watched(): number;
}

interface Watch {
  /** The state as last told; undefined until the first read came back. */
  state: string | undefined;
  /** The first read, shared by the questions asked while it runs. */
  ready: Promise<void>;
}

export function createDeviceStates(rest: () => AriRest, app: string, logger: Logger): DeviceStates {
  let watches = new Map<string, Watch>();

  function watch(device: string): Watch {
    const known = watches.get(device);
    if (known) return known;
    const current = watches;
    const entry: Watch = { state: undefined, ready: Promise.resolve() };
    entry.ready = (async () => {
      const ari = rest();
      // Subscribed first, then read: a change between the two is an event, and an event wins over the read.
      await ari.subscribeDeviceState(app, device);
      const state = await ari.deviceState(device);
      entry.state ??= state;
    })().catch((err: unknown) => {
      // Not watched after all: the next question tries again.
      if (current.get(device) === entry) current.delete(device);
      throw err;
    });
    current.set(device, entry);
    return entry;
  }

  return {
    async inUse(device) {
      const entry = watch(device);
      try {
        await entry.ready;
      } catch (err) {
        logger.debug('device state not known; asking for the endpoint', { device, error: describeError(err) });
        return endpointInUse(rest(), device);
      }
      return entry.state !== undefined && IN_CALL.has(entry.state);
    },
    changed(device, state) {
      const entry = watches.get(device);
      if (entry) entry.state = state;
    },
    forget() {
      watches = new Map();
    },
    watched: () => watches.size,
  };
}

async function endpointInUse(ari: AriRest, device: string): Promise<boolean> {
  const slash = device.indexOf('/');
  return ari.endpointInUse(device.slice(0, slash), device.slice(slash + 1));
}

/**
 * The owner's status switch, in Redis so every instance sees it and it survives restarts.
 * One key, written with one SET (with PXAT when it expires), so no script is needed.
 */
import type { Redis } from 'ioredis';
import { ErrorCodes, NevermissError, describeError } from '../errors.js';
import { createKeys } from './keys.js';

export type StatusMode = 'normal' | 'away' | 'closed';

export interface OwnerStatus {
  readonly mode: StatusMode;
  /** When it falls back to normal by itself (ms), or null for "until changed". */
  readonly until: number | null;
  readonly setBy: string;
  readonly setAt: number;
}

export interface StatusStore {
  get(now: number): Promise<OwnerStatus>;
  set(mode: StatusMode, options: { readonly until: number | null; readonly by: string; readonly now: number }): Promise<OwnerStatus>;
}

const NORMAL: OwnerStatus = { mode: 'normal', until: null, setBy: 'default', setAt: 0 };

/** A status whose `until` has passed is normal again (Redis expires the key, but a clock slightly ahead must not apply it). */
export function statusAt(status: OwnerStatus, now: number): OwnerStatus {
  return status.until !== null && status.until <= now ? NORMAL : status;
}

export function isStatusMode(value: string): value is StatusMode {
  return value === 'normal' || value === 'away' || value === 'closed';
}

export function createStatusStore(redis: Redis, prefix: string): StatusStore {
  const key = createKeys(prefix).status;
  return {
    async get(now) {
      const raw = await guard('read the status', redis.get(key));
      if (raw === null) return NORMAL;
      return statusAt(JSON.parse(raw) as OwnerStatus, now);
    },
    async set(mode, { until, by, now }) {
      if (until !== null && until <= now) {
        throw new NevermissError(ErrorCodes.USAGE, `the status would expire before it starts (until ${new Date(until).toISOString()})`);
      }
      const status: OwnerStatus = { mode, until: mode === 'normal' ? null : until, setBy: by, setAt: now };
      const value = JSON.stringify(status);
      if (status.until === null) await guard('set the status', redis.set(key, value));
      else await guard('set the status', redis.set(key, value, 'PXAT', status.until));
      return status;
    },
  };
}

async function guard<T>(what: string, promise: Promise<T>): Promise<T> {
  try {
    return await promise;
  } catch (err) {
    throw new NevermissError(ErrorCodes.REDIS, `Redis failed to ${what}: ${describeError(err)}`, {}, { cause: err });
  }
}

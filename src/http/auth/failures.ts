/**
 * Failed authentications per client address: after `max` failures within `windowMs`, the address
 * gets no further hearing until the window ends, so secrets can't be guessed at speed. Kept in
 * memory per instance (no Redis needed to refuse a guess); at most `maxAddresses` addresses are
 * remembered, the oldest forgotten first. Time is passed in.
 */
export interface FailureLimits {
  readonly max: number;
  readonly windowMs: number;
  readonly maxAddresses?: number;
}

export interface FailureLimiter {
  /** How long this address must still wait (ms); 0 when it may try. */
  blockedFor(address: string, now: number): number;
  /** Counts a failed attempt. */
  failed(address: string, now: number): void;
}

interface Window {
  readonly startedAt: number;
  count: number;
}

export function createFailureLimiter(limits: FailureLimits): FailureLimiter {
  const maxAddresses = limits.maxAddresses ?? 10_000;
  const windows = new Map<string, Window>();
  const current = (address: string, now: number): Window | undefined => {
    const window = windows.get(address);
    if (window !== undefined && now - window.startedAt >= limits.windowMs) {
      windows.delete(address);
      return undefined;
    }
    return window;
  };
  return {
    blockedFor(address, now) {
      const window = current(address, now);
      return window !== undefined && window.count >= limits.max ? window.startedAt + limits.windowMs - now : 0;
    },
    failed(address, now) {
      const window = current(address, now);
      if (window !== undefined) {
        window.count += 1;
        return;
      }
      windows.set(address, { startedAt: now, count: 1 });
      if (windows.size > maxAddresses) {
        const oldest = windows.keys().next();
        if (oldest.done !== true) windows.delete(oldest.value);
      }
    },
  };
}

/**
 * Time, passed in: the one clock and the in-process timers every shell reads time through, so
 * that pure code gets `now` as an argument and tests can run a call at any instant. (Durable jobs
 * that outlive a process are another thing, in Redis.)
 */
export interface Clock {
  now(): number;
}

export interface Timers {
  set(ms: number, fire: () => void): { cancel(): void };
}

export const systemClock: Clock = { now: () => Date.now() };

export const systemTimers: Timers = {
  set(ms, fire) {
    const timer = setTimeout(fire, ms);
    return { cancel: () => clearTimeout(timer) };
  },
};

/** Named timers of one session: starting a name again replaces it; all end with the session. */
export class KeyedTimers {
  private readonly running = new Map<string, { cancel(): void }>();

  constructor(private readonly timers: Timers) {}

  start(key: string, ms: number, fire: () => void): void {
    this.cancel(key);
    this.running.set(
      key,
      this.timers.set(ms, () => {
        this.running.delete(key);
        fire();
      }),
    );
  }

  cancel(key: string): void {
    this.running.get(key)?.cancel();
    this.running.delete(key);
  }

  cancelAll(): void {
    for (const timer of this.running.values()) timer.cancel();
    this.running.clear();
  }
}

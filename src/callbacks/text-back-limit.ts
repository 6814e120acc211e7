/**
 * How many text-backs are sent: per clock hour, to one number range (the first `prefixDigits`
 * digits) and in all, counted atomically in Redis (takeTextBackSlot-2.lua), so any number of
 * instances share the limits. A spoofed caller ID walking through a range of premium or foreign
 * numbers gets a few texts, not thousands.
 */
import type { Redis } from 'ioredis';
import { numberPrefix } from '../numbers/callable.js';
import type { Keys } from './keys.js';
import { defineScript } from './scripts.js';

const MS_PER_HOUR = 3_600_000;

export interface TextBackLimits {
  readonly perPrefix: number;
  readonly prefixDigits: number;
  readonly perHour: number;
}

export type TextBackSlot =
  | { readonly taken: true }
  | { readonly taken: false; readonly limit: 'prefix' | 'hour'; readonly prefix: string; readonly count: number };

export interface TextBackLimiter {
  /** Counts one text-back to `e164` at `now` if both limits allow it; otherwise says which one is reached. */
  take(e164: string, limits: TextBackLimits, now: number): Promise<TextBackSlot>;
}

export function createTextBackLimiter(redis: Redis, keys: Keys): TextBackLimiter {
  const takeSlot = defineScript(redis, 'takeTextBackSlot-2');
  return {
    async take(e164, limits, now) {
      const hour = Math.floor(now / MS_PER_HOUR);
      const prefix = numberPrefix(e164, limits.prefixDigits);
      // Kept a minute past the end of their hour, so a late clock still finds them.
      const keepMs = (hour + 1) * MS_PER_HOUR - now + 60_000;
      const reply = (await takeSlot(
        keys.textBackPerPrefix(hour, prefix),
        keys.textBackPerHour(hour),
        String(limits.perPrefix),
        String(limits.perHour),
        String(keepMs),
      )) as [number, string | number, number | undefined];
      if (reply[0] === 1) return { taken: true };
      return { taken: false, limit: reply[1] === 'prefix' ? 'prefix' : 'hour', prefix, count: reply[2] ?? 0 };
    },
  };
}

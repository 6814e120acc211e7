/**
 * Single-use action links (src/http/auth/credentials.ts): the first to claim a link's id uses it,
 * every later claim is refused. One SET NX, so two taps, two instances or a replayed request race
 * for one key and exactly one wins. The key outlives the link's own expiry by a day, so an
 * instance whose clock is behind cannot accept it again.
 */
import type { Redis } from 'ioredis';
import { createKeys } from './keys.js';
import { guardRedis } from './scripts.js';

export interface UsedLinks {
  /** True when this call used the link (it was unused); false when it was used before. */
  claim(linkId: string, linkExpiresAt: number): Promise<boolean>;
}

const KEEP_AFTER_EXPIRY_MS = 24 * 3_600_000;

export function createUsedLinks(redis: Redis, prefix: string): UsedLinks {
  const keys = createKeys(prefix);
  return {
    async claim(linkId, linkExpiresAt) {
      const reply = await guardRedis('claim an action link', redis.set(keys.usedLink(linkId), '1', 'PXAT', linkExpiresAt + KEEP_AFTER_EXPIRY_MS, 'NX'));
      return reply === 'OK';
    },
  };
}

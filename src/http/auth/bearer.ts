/**
 * The bearer tokens of the config, looked up in constant time: the presented secret and every
 * configured one are hashed to equal lengths and all compared, so neither the time taken nor an
 * early exit says how much of a guess was right, or which token nearly matched.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

import type { ApiToken } from '../../config/types.js';

export interface TokenTable {
  /** The token whose secret this is, or null. */
  find(presented: string): ApiToken | null;
}

export function createTokenTable(tokens: readonly ApiToken[]): TokenTable {
  const hashed = tokens.map((token) => ({ token, digest: digest(token.secret) }));
  return {
    find(presented) {
      const given = digest(presented);
      let found: ApiToken | null = null;
      for (const { token, digest: expected } of hashed) {
        if (timingSafeEqual(given, expected)) found = token;
      }
      return found;
    },
  };
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

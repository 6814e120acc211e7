/**
 * What a Redis server says about itself, for `nevermiss doctor`: version, persistence, eviction,
 * its clock, and whether an instance of this installation holds the active lease. Read with a
 * client of its own that never reconnects, so an unreachable Redis is one clear error, not a
 * retry loop. Judging the facts is pure code (src/doctor/checks/redis.ts).
 */
import { Redis } from 'ioredis';
import { createKeys } from './keys.js';

export interface RedisFacts {
  readonly version: string;
  /** standalone, sentinel or cluster (INFO server redis_mode). */
  readonly mode: string;
  readonly aofEnabled: boolean;
  /** CONFIG GET save: "" when RDB snapshots are off; null when CONFIG is not allowed (a managed Redis). */
  readonly rdbSave: string | null;
  /** Seconds since the last successful RDB save, or null (INFO persistence rdb_last_save_time). */
  readonly rdbLastSaveAgoS: number | null;
  readonly rdbLastSaveOk: boolean;
  /** Bytes; 0: no limit. */
  readonly maxmemory: number;
  readonly maxmemoryPolicy: string;
  /** Redis's clock (TIME), epoch ms, and the local clock halfway through the request. */
  readonly serverTimeMs: number;
  readonly localTimeMs: number;
  /** The instance id holding this installation's active lease, or null when it is free. */
  readonly leaseHolder: string | null;
}

export async function readRedisFacts(url: string, keyPrefix: string, timeoutMs: number): Promise<RedisFacts> {
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    commandTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableOfflineQueue: false,
  });
  redis.on('error', () => {
    // reported by the command that fails
  });
  try {
    await redis.connect();
    const info = parseInfo(await redis.info());
    let rdbSave: string | null;
    try {
      const reply = (await redis.config('GET', 'save')) as string[];
      rdbSave = reply[1] ?? '';
    } catch {
      rdbSave = null;
    }
    const before = Date.now();
    const [seconds, micros] = await redis.time();
    const after = Date.now();
    const leaseHolder = await redis.get(createKeys(keyPrefix).lease);
    const lastSave = Number(info.get('rdb_last_save_time'));
    const serverTimeMs = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
    return {
      version: info.get('redis_version') ?? 'unknown',
      mode: info.get('redis_mode') ?? 'standalone',
      aofEnabled: info.get('aof_enabled') === '1',
      rdbSave,
      rdbLastSaveAgoS: Number.isFinite(lastSave) && lastSave > 0 ? Math.round(serverTimeMs / 1000 - lastSave) : null,
      rdbLastSaveOk: info.get('rdb_last_bgsave_status') !== 'err',
      maxmemory: Number(info.get('maxmemory') ?? '0'),
      maxmemoryPolicy: info.get('maxmemory_policy') ?? 'unknown',
      serverTimeMs,
      localTimeMs: Math.round((before + after) / 2),
      leaseHolder,
    };
  } finally {
    redis.disconnect();
  }
}

/** INFO's "key:value" lines. */
function parseInfo(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const at = line.indexOf(':');
    if (at > 0 && !line.startsWith('#')) fields.set(line.slice(0, at), line.slice(at + 1).trim());
  }
  return fields;
}

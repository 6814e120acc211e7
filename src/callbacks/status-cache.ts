/**
 * The owner's status, read by every call before its first phone rings, kept in memory and told
 * of every change by Redis itself (server-assisted client-side caching: CLIENT TRACKING in
 * broadcast mode on the status key, invalidations on `__redis__:invalidate`;
 * docs/decisions/0027).
 *
 * Redis tells of any write to the key, whoever makes it (another instance, the CLI, an older
 * version, a hand-made SET) and of its expiry, so a status set anywhere counts for the next call
 * as it did when every call read it. The cached value is only trusted while the tracking
 * connection is up and tracking: on any disconnect the cache is dropped and calls read Redis again
 * until tracking is back. A value is also never kept longer than `MAX_AGE_MS`, a bound on
 * staleness should an invalidation ever be lost without the connection noticing.
 */
import type { Redis } from 'ioredis';
import type { Logger } from 'winston';
import { describeError } from '../errors.js';
import { statusAt, type OwnerStatus, type StatusStore } from './status.js';

const INVALIDATIONS = '__redis__:invalidate';
/** Even while tracking, a cached status is read again after this long. */
const MAX_AGE_MS = 30_000;

export interface CachedStatus extends StatusStore {
  /** Whether Redis is telling this process of changes right now (for tests and figures). */
  tracking(): boolean;
  close(): Promise<void>;
}

/**
 * `redis` is the connection the store reads with; a connection of its own (a duplicate) listens
 * for the invalidations. Where tracking is not available (Redis before 6, a server without
 * CLIENT TRACKING), every call reads the status as before.
 */
export function cachedStatus(store: StatusStore, redis: Redis, statusKey: string, logger: Logger): CachedStatus {
  const log = logger.child({ component: 'status-cache' });
  const listener = redis.duplicate({ autoResubscribe: false, enableOfflineQueue: true, lazyConnect: true, connectionName: trackingConnectionName(statusKey) });
  let tracking = false;
  let closed = false;
  /** Bumped on every invalidation and every loss of tracking: a read started before it is not kept. */
  let generation = 0;
  let cached: { readonly raw: OwnerStatus; readonly at: number } | null = null;
  let warned = false;

  const forget = (): void => {
    generation += 1;
    cached = null;
  };

  listener.on('message', (channel: string) => {
    if (channel === INVALIDATIONS) forget();
  });
  listener.on('error', () => undefined); // the main connection reports Redis trouble; this one only loses tracking
  listener.on('close', () => {
    tracking = false;
    forget();
  });
  listener.on('ready', () => void track());

  async function track(): Promise<void> {
    try {
      const id = String(await listener.client('ID'));
      await listener.client('TRACKING', 'ON', 'REDIRECT', id, 'BCAST', 'PREFIX', statusKey);
      await listener.subscribe(INVALIDATIONS);
      forget();
      tracking = true;
      warned = false;
    } catch (err) {
      if (closed) return;
      if (!warned) log.warn('Redis cannot tell of status changes (CLIENT TRACKING); every call reads the status', { error: describeError(err) });
      warned = true;
    }
  }

  listener.connect().catch(() => undefined); // retried by ioredis; until then, calls read Redis

  return {
    async get(now) {
      const held = cached;
      if (tracking && held !== null && now - held.at < MAX_AGE_MS) return statusAt(held.raw, now);
      const before = generation;
      const read = await store.get(now);
      // Kept only if nothing changed meanwhile; an expired status reads as normal, so the raw one is not needed.
      if (tracking && generation === before) cached = { raw: read, at: now };
      return read;
    },
    async set(mode, options) {
      forget();
      const set = await store.set(mode, options);
      forget();
      return set;
    },
    tracking: () => tracking,
    async close() {
      closed = true;
      tracking = false;
      forget();
      await listener.quit().catch(() => listener.disconnect());
    },
  };
}

/** The listener's name in Redis' CLIENT LIST. */
export function trackingConnectionName(statusKey: string): string {
  return `nevermiss-tracking:${statusKey.replace(/\s/g, '_')}`;
}

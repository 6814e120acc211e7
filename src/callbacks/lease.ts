/**
 * The active instance's lease and the instances' heartbeats, in Redis (see
 * docs/decisions/0014-active-and-standby.md). The lease is one key holding the active instance's
 * id, with an expiry: taken with SET NX PX, renewed and released by compare-and-set scripts, so
 * no instance ever extends or deletes a lease another one holds.
 */
import type { Redis } from 'ioredis';
import { createKeys } from './keys.js';
import { defineScript, fieldsFromPairs, guardRedis } from './scripts.js';

/** What an instance tells the others each tick. */
export interface Heartbeat {
  readonly role: 'active' | 'standby';
  /** A standby that would take a free lease now (it reaches ARI and is not cooling down). */
  readonly ready: boolean;
  /** The writer's clock (ms). */
  readonly at: number;
}

export type RenewResult =
  | { readonly kind: 'renewed' }
  /** The lease was gone (Redis lost it, or it expired) and this instance took it again. */
  | { readonly kind: 'reclaimed' }
  | { readonly kind: 'lost'; readonly holder: string };

export interface LeaseStore {
  /** The id of the instance holding the lease, or null when it is free. */
  holder(): Promise<string | null>;
  /** Takes the lease if it is free; true when this instance now holds it. */
  acquire(instanceId: string, ttlMs: number): Promise<boolean>;
  renew(instanceId: string, ttlMs: number): Promise<RenewResult>;
  /** Deletes the lease if this instance holds it; true when it did. */
  release(instanceId: string): Promise<boolean>;
  heartbeat(instanceId: string, beat: Heartbeat, keepMs: number): Promise<void>;
  /** Instances heard from within maxAgeMs before now (stale ones are removed). */
  instances(now: number, maxAgeMs: number): Promise<ReadonlyMap<string, Heartbeat>>;
  /** Removes this instance's heartbeat (a clean stop). */
  forget(instanceId: string): Promise<void>;
}

export function createLeaseStore(redis: Redis, prefix: string): LeaseStore {
  const keys = createKeys(prefix);
  const extendLease = defineScript(redis, 'extendLease-1');
  const releaseLease = defineScript(redis, 'releaseLease-1');
  const listInstances = defineScript(redis, 'listInstances-1');
  return {
    holder: () => guardRedis('read the lease', redis.get(keys.lease)),
    async acquire(instanceId, ttlMs) {
      return (await guardRedis('take the lease', redis.set(keys.lease, instanceId, 'PX', ttlMs, 'NX'))) === 'OK';
    },
    async renew(instanceId, ttlMs) {
      const reply = (await extendLease(keys.lease, instanceId, String(ttlMs))) as [number, string?];
      switch (reply[0]) {
        case 1:
          return { kind: 'renewed' };
        case 2:
          return { kind: 'reclaimed' };
        default:
          return { kind: 'lost', holder: String(reply[1]) };
      }
    },
    async release(instanceId) {
      return (await releaseLease(keys.lease, instanceId)) === 1;
    },
    async heartbeat(instanceId, beat, keepMs) {
      // The hash as a whole expires too, so an installation that is gone leaves nothing behind.
      await guardRedis('write the heartbeat', redis.multi().hset(keys.instances, instanceId, JSON.stringify(beat)).pexpire(keys.instances, keepMs).exec());
    },
    async instances(now, maxAgeMs) {
      const fields = fieldsFromPairs(await listInstances(keys.instances, String(now), String(maxAgeMs)));
      return new Map(Object.entries(fields).map(([id, json]) => [id, JSON.parse(json) as Heartbeat]));
    },
    async forget(instanceId) {
      await guardRedis('remove the heartbeat', redis.hdel(keys.instances, instanceId));
    },
  };
}

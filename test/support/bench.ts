/**
 * The life of an end-to-end test file on the bench, in one place: the sandbox PBX and Redis are up
 * and no other process holds the Stasis app before the first test; no channel is left over before
 * each test; after each test every phone, service and fault proxy it started is stopped and the
 * services' Redis keys are deleted. Call it inside `describe`.
 */
import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { ensureSandbox, stasisAppConnected, waitForNoChannels } from './sandbox.js';
import { deleteNevermissKeys, ensureRedis } from './redis.js';
import { startPhone, type PhoneHandle, type PhoneOptions } from './sipp.js';
import { Service, type ServiceOptions } from './service.js';
import { startFaultProxy, type FaultProxy } from './fault-proxy.js';

export interface Bench {
  /** The bench's Redis, for assertions on what the services wrote. */
  readonly redis: Redis;
  /** A service process for this test (not started yet); stopped and its keys deleted after it. */
  service(options: ServiceOptions): Promise<Service>;
  /** A SIPp phone for this test, stopped after it. */
  phone(options: PhoneOptions): Promise<PhoneHandle>;
  /** A fault proxy in front of host:port for this test, closed after it. */
  proxy(target: { host: string; port: number }): Promise<FaultProxy>;
  /** Something else to undo after this test (after the services stopped). */
  onCleanup(undo: () => unknown): void;
}

export interface BenchOptions {
  /** How long a test waits for the channels of the one before to end (default 20 s). */
  readonly channelsGoneMs?: number;
  /** Runs before each test, after the channels are gone. */
  readonly beforeEach?: () => Promise<void>;
}

export function useBench(options: BenchOptions = {}): Bench {
  const redis = new Redis('redis://127.0.0.1:6379/0');
  let services: Service[] = [];
  let phones: PhoneHandle[] = [];
  let proxies: FaultProxy[] = [];
  let undos: Array<() => unknown> = [];

  before(async () => {
    await Promise.all([ensureSandbox(), ensureRedis()]);
    assert.equal(await stasisAppConnected(), false, 'another process holds the Stasis app "nevermiss"; stop it first');
  });

  beforeEach(async () => {
    await waitForNoChannels(options.channelsGoneMs ?? 20_000);
    await options.beforeEach?.();
  });

  afterEach(async () => {
    await Promise.all(phones.map((phone) => phone.stop()));
    phones = [];
    for (const service of services) await service.stop();
    for (const prefix of new Set(services.map((service) => service.keyPrefix))) await deleteNevermissKeys(redis, prefix);
    for (const service of services) service.cleanup();
    services = [];
    await Promise.all(proxies.map((proxy) => proxy.close()));
    proxies = [];
    for (const undo of undos.reverse()) await undo();
    undos = [];
  });

  after(() => redis.disconnect());

  return {
    redis,
    async service(serviceOptions) {
      const created = await Service.create(serviceOptions);
      services.push(created);
      return created;
    },
    async phone(phoneOptions) {
      const started = await startPhone(phoneOptions);
      phones.push(started);
      return started;
    },
    async proxy(target) {
      const started = await startFaultProxy(target);
      proxies.push(started);
      return started;
    },
    onCleanup(undo) {
      undos.push(undo);
    },
  };
}

/** Polls `probe` until it gives a value (not undefined); rejects naming `what` after timeoutMs. */
export async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

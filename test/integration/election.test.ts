/**
 * The lease and the election shell against a real Redis: each instance has its own connection (so
 * one can lose Redis while the other keeps it), every test its own key prefix. ARI is a port here
 * (whether the app WebSocket is up, whether a plain check reaches it); the real thing is in
 * test/e2e/standby.test.ts.
 */
import { after, before, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import winston from 'winston';
import { deleteNevermissKeys, ensureRedis } from '../support/redis.js';
import { createLeaseStore } from '../../src/callbacks/lease.js';
import { createKeys } from '../../src/callbacks/keys.js';
import { createElector, type Elector } from '../../src/election/elector.js';
import type { ElectionSettings, StandDownReason } from '../../src/election/machine.js';
import { systemClock, systemTimers } from '../../src/clock/clock.js';

const REDIS_URL = process.env['NEVERMISS_TEST_REDIS'] ?? 'redis://127.0.0.1:6379/0';
const redis = new Redis(REDIS_URL);
const logger = winston.createLogger({ silent: true });
/** A short lease: ticks every 200 ms. */
const SETTINGS: ElectionSettings = { leaseMs: 1_000, ariLossGraceMs: 1_000, coolDownMs: 3_000 };

before(async () => {
  await ensureRedis();
  assert.equal(await redis.ping(), 'PONG');
});

after(() => redis.disconnect());

function freshPrefix(t: TestContext): string {
  const prefix = `nm-test-${randomUUID()}`;
  t.after(() => deleteNevermissKeys(redis, prefix));
  return prefix;
}

interface Instance {
  readonly id: string;
  readonly elector: Elector;
  /** Its own Redis connection: disconnect it to cut this instance off Redis. */
  readonly connection: Redis;
  /** Whether its app WebSocket is up while active (set by activate, cleared by standDown). */
  ari: { connected: boolean; reachable: boolean; connectsOnActivate: boolean };
  readonly activations: number[];
  readonly standDowns: StandDownReason[];
}

function instance(t: TestContext, prefix: string, id: string, settings: ElectionSettings = SETTINGS): Instance {
  const connection = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  const self: Instance = {
    id,
    connection,
    ari: { connected: false, reachable: true, connectsOnActivate: true },
    activations: [],
    standDowns: [],
    elector: createElector({
      instanceId: id,
      settings,
      lease: createLeaseStore(connection, prefix),
      checkAri: () => Promise.resolve(self.ari.reachable ? { reachable: true } : { reachable: false, problem: 'test: ARI unreachable' }),
      ariConnected: () => self.ari.connected,
      activate: () => {
        self.activations.push(Date.now());
        self.ari.connected = self.ari.connectsOnActivate;
      },
      standDown: (reason) => {
        self.standDowns.push(reason);
        self.ari.connected = false;
        return Promise.resolve();
      },
      clock: systemClock,
      timers: systemTimers,
      logger,
    }),
  };
  t.after(async () => {
    await self.elector.stop();
    connection.disconnect();
  });
  return self;
}

/** Two instances of one installation: a started first and active, then b, standing by. */
async function activeAndStandby(t: TestContext, prepareB: (b: Instance) => void = () => undefined): Promise<{ prefix: string; a: Instance; b: Instance }> {
  const prefix = freshPrefix(t);
  const a = instance(t, prefix, 'host-a:1');
  const b = instance(t, prefix, 'host-b:2');
  prepareB(b);
  a.elector.start();
  await waitFor('a active', () => a.elector.view().role === 'active');
  b.elector.start();
  await sleep(600);
  return { prefix, a, b };
}

const activeOnes = (...instances: Instance[]): string[] => instances.filter((i) => i.elector.view().role === 'active').map((i) => i.id);

async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 5_000): Promise<number> {
  const start = Date.now();
  while (Date.now() - start < timeoutMs) {
    if (await check()) return Date.now() - start;
    await sleep(20);
  }
  throw new Error(`${what}: not within ${timeoutMs} ms`);
}

/** Samples the roles for a while: never two active at once. */
async function assertNeverTwoActive(instances: Instance[], ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    assert.ok(activeOnes(...instances).length <= 1, `two active instances: ${activeOnes(...instances).join(', ')}`);
    await sleep(10);
  }
}

test('the lease: SET NX gives it to one instance; only its holder extends or releases it; a lost key is taken again by renewal', async (t) => {
  const prefix = freshPrefix(t);
  const lease = createLeaseStore(redis, prefix);
  const key = createKeys(prefix).lease;

  assert.equal(await lease.holder(), null);
  assert.equal(await lease.acquire('a', 5_000), true);
  assert.equal(await lease.acquire('b', 5_000), false, 'taken');
  assert.equal(await lease.holder(), 'a');

  assert.deepEqual(await lease.renew('b', 60_000), { kind: 'lost', holder: 'a' }, 'compare-and-extend refuses a non-holder');
  assert.ok((await redis.pttl(key)) <= 5_000, "the non-holder's renewal did not extend it");
  assert.deepEqual(await lease.renew('a', 60_000), { kind: 'renewed' });
  assert.ok((await redis.pttl(key)) > 5_000, "the holder's renewal extended it");

  assert.equal(await lease.release('b'), false, 'only the holder releases');
  assert.equal(await lease.holder(), 'a');
  assert.equal(await lease.release('a'), true);
  assert.equal(await lease.holder(), null);

  assert.deepEqual(await lease.renew('a', 5_000), { kind: 'reclaimed' }, 'a lease gone from Redis is taken again by its renewal');
  assert.equal(await lease.holder(), 'a');
  assert.ok((await redis.pttl(key)) > 0, 'with an expiry');
});

test('heartbeats: fresh ones are listed, stale and unreadable ones removed', async (t) => {
  const prefix = freshPrefix(t);
  const lease = createLeaseStore(redis, prefix);
  const now = 1_800_000_000_000;
  await lease.heartbeat('a', { role: 'active', ready: false, at: now - 1_000 }, 60_000);
  await lease.heartbeat('b', { role: 'standby', ready: true, at: now - 500 }, 60_000);
  await lease.heartbeat('old', { role: 'standby', ready: true, at: now - 10_001 }, 60_000);
  await redis.hset(createKeys(prefix).instances, 'garbage', 'not json');

  const seen = await lease.instances(now, 10_000);
  assert.deepEqual([...seen.keys()].sort(), ['a', 'b']);
  assert.deepEqual(seen.get('b'), { role: 'standby', ready: true, at: now - 500 });
  assert.deepEqual((await redis.hkeys(createKeys(prefix).instances)).sort(), ['a', 'b'], 'stale ones are gone from Redis');

  await lease.forget('a');
  assert.deepEqual([...(await lease.instances(now, 10_000)).keys()], ['b']);
});

test('two instances on one prefix: exactly one is active, the other stands by; they never fight', async (t) => {
  const prefix = freshPrefix(t);
  const a = instance(t, prefix, 'host-a:1');
  const b = instance(t, prefix, 'host-b:2');
  a.elector.start();
  b.elector.start();
  await waitFor('one active', () => activeOnes(a, b).length === 1);
  await assertNeverTwoActive([a, b], 2_000);
  const [winner] = activeOnes(a, b);
  assert.equal(await createLeaseStore(redis, prefix).holder(), winner);
  assert.equal(a.activations.length + b.activations.length, 1, 'one activation in all');
  assert.deepEqual([...a.standDowns, ...b.standDowns], []);
  const loser = winner === a.id ? b : a;
  assert.deepEqual(loser.elector.view(), { role: 'standby', instance: loser.id, leaseHolder: winner, ariReachable: true });
});

test('the active is cut off Redis: it keeps its role; the standby takes over within the lease and a few ticks; back, the first stands down at once', async (t) => {
  const { a, b } = await activeAndStandby(t);
  assert.deepEqual(activeOnes(a, b), [a.id]);

  a.connection.disconnect();
  const cutAt = Date.now();
  await waitFor('b takes over', () => b.elector.view().role === 'active', 5_000);
  const tookMs = Date.now() - cutAt;
  assert.ok(tookMs <= SETTINGS.leaseMs + 3 * 200 + 500, `b took over ${tookMs} ms after a lost Redis`);
  assert.equal(a.elector.view().role, 'active', 'a, without Redis, keeps serving its calls (it cannot know)');
  assert.deepEqual(a.standDowns, []);

  await a.connection.connect();
  await waitFor('a stands down', () => a.elector.view().role === 'standby', 3_000);
  assert.deepEqual(a.standDowns, ['lease-lost']);
  await assertNeverTwoActive([a, b], 1_000);
  assert.deepEqual(activeOnes(a, b), [b.id]);
});

test('the lease key is lost (Redis restarted empty): exactly one instance holds it again, at once', async (t) => {
  const { prefix, a, b } = await activeAndStandby(t);

  for (let round = 0; round < 5; round += 1) {
    await redis.del(createKeys(prefix).lease);
    await sleep(500);
    const holder = await createLeaseStore(redis, prefix).holder();
    assert.ok(holder === a.id || holder === b.id, `round ${round}: the lease is held again (${holder})`);
    assert.deepEqual(activeOnes(a, b), [holder], `round ${round}: its holder alone is active`);
  }
  assert.deepEqual(activeOnes(a, b), [a.id], 'the incumbent re-claims it before a standby has seen it free twice');
});

test('the active loses ARI: with a standby that reaches it, it hands over after the grace period and cools down', async (t) => {
  const { a, b } = await activeAndStandby(t);

  a.ari.connected = false;
  const lostAt = Date.now();
  await waitFor('b active', () => b.elector.view().role === 'active', 5_000);
  const tookMs = Date.now() - lostAt;
  assert.ok(tookMs >= SETTINGS.ariLossGraceMs, `not before the grace period (${tookMs} ms)`);
  assert.ok(tookMs <= SETTINGS.ariLossGraceMs + 1_500, `soon after it (${tookMs} ms)`);
  assert.deepEqual(a.standDowns, ['ari-lost']);

  // a reaches ARI again but waits out its cool-down: no flapping back.
  await assertNeverTwoActive([a, b], 2_000);
  assert.deepEqual(activeOnes(a, b), [b.id]);
  assert.equal(a.activations.length, 1);
});

test('the active loses ARI and no standby reaches it: the active keeps the lease and its calls', async (t) => {
  const { a, b } = await activeAndStandby(t, (standby) => (standby.ari.reachable = false));

  a.ari.connected = false;
  await sleep(SETTINGS.ariLossGraceMs * 3);
  assert.deepEqual(activeOnes(a, b), [a.id]);
  assert.deepEqual(a.standDowns, []);

  // Once the standby reaches ARI, it gets the calls' future.
  b.ari.reachable = true;
  await waitFor('b active', () => b.elector.view().role === 'active', 3_000);
  assert.deepEqual(a.standDowns, ['ari-lost']);
});

test('a single instance never gives up its lease for an ARI loss', async (t) => {
  const prefix = freshPrefix(t);
  const a = instance(t, prefix, 'host-a:1');
  a.ari.connectsOnActivate = false;
  a.elector.start();
  await waitFor('a active', () => a.elector.view().role === 'active');
  await sleep(SETTINGS.ariLossGraceMs * 3);
  assert.equal(a.elector.view().role, 'active');
  assert.deepEqual(a.standDowns, []);
});

test('ApplicationReplaced: the active stands down and releases; the standby takes over; the replaced one does not fight back', async (t) => {
  const { a, b } = await activeAndStandby(t);

  a.elector.appReplaced();
  await waitFor('b active', () => b.elector.view().role === 'active', 2_000);
  assert.deepEqual(a.standDowns, ['app-replaced']);
  await assertNeverTwoActive([a, b], 2_000);
  assert.deepEqual(activeOnes(a, b), [b.id]);
});

test('a clean stop releases the lease: the standby takes over within a few ticks, not a whole lease', async (t) => {
  const prefix = freshPrefix(t);
  const settings = { ...SETTINGS, leaseMs: 5_000 };
  const a = instance(t, prefix, 'host-a:1', settings);
  const b = instance(t, prefix, 'host-b:2', settings);
  a.elector.start();
  await waitFor('a active', () => a.elector.view().role === 'active', 5_000);
  b.elector.start();
  await sleep(1_500);

  const stoppedAt = Date.now();
  await a.elector.stop();
  assert.deepEqual(a.standDowns, ['stopping']);
  await waitFor('b active', () => b.elector.view().role === 'active', 5_000);
  assert.ok(Date.now() - stoppedAt < 3_000, `b took over ${Date.now() - stoppedAt} ms after a stopped`);
  const seen = await createLeaseStore(redis, prefix).instances(Date.now(), 10_000);
  assert.deepEqual([...seen.keys()], [b.id], 'a said goodbye');
});

/** The fault proxy of the fault tests, against a real Redis: forward, cut, black hole, heal. */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Redis } from 'ioredis';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';

let proxy: FaultProxy;

before(async () => {
  proxy = await startFaultProxy({ host: '127.0.0.1', port: 6379 });
});

after(() => proxy.close());

function client(): Redis {
  return new Redis({ port: proxy.port, host: '127.0.0.1', maxRetriesPerRequest: 1, commandTimeout: 500, retryStrategy: () => 50, lazyConnect: true });
}

test('forwards both ways', async () => {
  const redis = client();
  await redis.connect();
  assert.equal(await redis.ping(), 'PONG');
  redis.disconnect();
});

test('cut: open connections are reset and new ones refused until the cut ends', async () => {
  const redis = client();
  await redis.connect();
  const closed = new Promise((resolve) => redis.once('close', resolve));
  proxy.cut(800);
  await closed;
  await assert.rejects(redis.ping());
  assert.equal(proxy.mode(), 'cut');
  await new Promise((resolve) => setTimeout(resolve, 1_200));
  assert.equal(proxy.mode(), 'forward');
  assert.equal(await redis.ping(), 'PONG', 'the client reconnected after the cut');
  redis.disconnect();
});

test('black hole: the connection stays open, nothing answers; after heal the waiting bytes flow on', async () => {
  const raw = new Redis({ port: proxy.port, host: '127.0.0.1', lazyConnect: true });
  await raw.connect();
  proxy.blackhole();
  const late = raw.ping();
  const first = await Promise.race([late.then(() => 'answered'), new Promise((resolve) => setTimeout(() => resolve('silent'), 700))]);
  assert.equal(first, 'silent');
  assert.equal(raw.status, 'ready', 'the connection is still open');
  const timed = client();
  const connecting = timed.connect().then(() => 'connected', () => 'failed');
  proxy.heal();
  assert.equal(await late, 'PONG', 'the stalled request is answered after heal');
  assert.equal(await connecting, 'connected', 'a connection held in the black hole is connected after heal');
  assert.equal(await timed.ping(), 'PONG');
  raw.disconnect();
  timed.disconnect();
});

test('black hole: a client with a command timeout gives up instead of waiting', async () => {
  const redis = client();
  await redis.connect();
  proxy.blackhole();
  const started = Date.now();
  await assert.rejects(redis.ping(), /timed out/i);
  assert.ok(Date.now() - started < 2_000);
  proxy.heal();
  redis.disconnect();
});

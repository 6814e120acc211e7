/** The HTTP API through fastify's inject (no listening), on a real Redis store. */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { deleteNevermissKeys } from '../support/redis.js';
import winston from 'winston';
import { buildHttp, type Health } from '../../src/http/server.js';
import { createCallbackStore } from '../../src/callbacks/store.js';

const redis = new Redis('redis://127.0.0.1:6379/0');
const prefix = `nm-http-${randomUUID()}`;
const store = createCallbackStore(redis, prefix);
const promptsDir = mkdtempSync(join(tmpdir(), 'nevermiss-prompts-'));
mkdirSync(join(promptsDir, 'da', 'nevermiss'), { recursive: true });
writeFileSync(join(promptsDir, 'da', 'nevermiss', 'minutes.wav'), 'RIFF-test');

const ACTIVE = { role: 'active', instance: 'host:1', leaseHolder: 'host:1', ariReachable: null } as const;
let health: Health = { ...ACTIVE, ari: true, redis: true, activeCalls: 0 };
const now = 1_800_000_000_000;
const logger = winston.createLogger({ silent: true });
let reloadProblems: string[] | null = null;
const app = buildHttp({
  store,
  clock: { now: () => now },
  health: () => health,
  promptsDir,
  logger,
  reload: () => ({ rejected: reloadProblems === null ? null : { problems: reloadProblems } }),
});

after(async () => {
  await app.close();
  await deleteNevermissKeys(redis, prefix);
  redis.disconnect();
  rmSync(promptsDir, { recursive: true, force: true });
});

/** /healthz without its memory figures (which vary), after checking they are there. */
function healthBody({ memory, ...rest }: Record<string, unknown>): Record<string, unknown> {
  const { rss, heapUsed } = memory as { rss: number; heapUsed: number };
  assert.ok(rss > heapUsed && heapUsed > 0, `the service's memory: ${JSON.stringify(memory)}`);
  return rest;
}

test('/healthz of the active instance is 200 only when ARI and Redis are both connected', async () => {
  for (const [ari, redisUp, status] of [[true, true, 200], [false, true, 503], [true, false, 503], [false, false, 503]] as const) {
    health = { ...ACTIVE, ari, redis: redisUp, activeCalls: 2 };
    const response = await app.inject({ method: 'GET', url: '/healthz' });
    assert.equal(response.statusCode, status, `ari=${ari} redis=${redisUp}`);
    assert.deepEqual(healthBody(response.json()), { status: status === 200 ? 'ok' : 'degraded', ...ACTIVE, ari, redis: redisUp, activeCalls: 2 });
  }
});

test('/healthz of a standby is 200 when Redis is connected and its plain check reaches ARI (it has no app WebSocket)', async () => {
  const standby = { role: 'standby', instance: 'host:2', leaseHolder: 'host:1', ari: false } as const;
  for (const [ariReachable, redisUp, status] of [[true, true, 200], [false, true, 503], [null, true, 503], [true, false, 503]] as const) {
    health = { ...standby, ariReachable, redis: redisUp, activeCalls: 0 };
    const response = await app.inject({ method: 'GET', url: '/healthz' });
    assert.equal(response.statusCode, status, `ariReachable=${ariReachable} redis=${redisUp}`);
    assert.deepEqual(healthBody(response.json()), { status: status === 200 ? 'ok' : 'degraded', ...standby, ariReachable, redis: redisUp, activeCalls: 0 });
  }
  health = { ...ACTIVE, ari: true, redis: true, activeCalls: 0 };
});

test('/api/callbacks lists pending callbacks by dueAt with ISO times; closed ones are gone', async () => {
  const base = { called: '4530123456', route: 'main', language: 'en', at: now - 60_000 };
  const late = await store.recordMissedCall({ ...base, callId: 'a', caller: '111', dueAt: now + 840_000 });
  const soon = await store.recordMissedCall({ ...base, callId: 'b', caller: '222', dueAt: now - 30_000 });
  const closed = await store.recordMissedCall({ ...base, callId: 'c', caller: '333', dueAt: now });
  await store.close(closed.id, 'done', 'test', now);

  const response = await app.inject({ method: 'GET', url: '/api/callbacks' });
  assert.equal(response.statusCode, 200);
  const body = response.json<Array<Record<string, unknown>>>();
  assert.deepEqual(body.map((cb) => cb['id']), [soon.id, late.id]);
  assert.deepEqual(body[0], {
    id: soon.id,
    caller: '222',
    called: '4530123456',
    route: 'main',
    status: 'pending',
    createdAt: new Date(now - 60_000).toISOString(),
    dueAt: new Date(now - 30_000).toISOString(),
    lastAttemptAt: new Date(now - 60_000).toISOString(),
    attempts: 1,
    overdue: true,
  });
  assert.equal(body[1]?.['overdue'], false);
});

test('POST /api/callbacks/:id/done closes it; unknown is 404, already closed is 409', async () => {
  const { id } = await store.recordMissedCall({ callId: 'd', caller: '444', called: '1', route: 'main', language: 'en', at: now, dueAt: now + 60_000 });
  const done = await app.inject({ method: 'POST', url: `/api/callbacks/${id}/done` });
  assert.equal(done.statusCode, 200);
  assert.equal(done.json<{ status: string }>().status, 'done');
  assert.equal((await app.inject({ method: 'POST', url: `/api/callbacks/${id}/done` })).statusCode, 409);
  assert.equal((await app.inject({ method: 'POST', url: '/api/callbacks/cb-none/done' })).statusCode, 404);
});

test('prompts are served for Asterisk as audio/wav; nothing outside the prompts folder is', async () => {
  const ok = await app.inject({ method: 'GET', url: '/prompts/da/nevermiss/minutes.wav' });
  assert.equal(ok.statusCode, 200);
  assert.equal(ok.headers['content-type'], 'audio/wav');
  assert.equal(ok.body, 'RIFF-test');
  for (const url of ['/prompts/da/nevermiss/missing.wav', '/prompts/da/nevermiss/..%2F..%2Fetc%2Fpasswd', '/prompts/..%2F/nevermiss/minutes.wav']) {
    assert.equal((await app.inject({ method: 'GET', url })).statusCode, 404, url);
  }
});

test('POST /api/reload is 200 when the file was taken, 422 with the problems when it was refused', async () => {
  reloadProblems = null;
  assert.equal((await app.inject({ method: 'POST', url: '/api/reload' })).statusCode, 200);
  reloadProblems = ['nevermiss.yaml:3:5 routes: expected a map'];
  const refused = await app.inject({ method: 'POST', url: '/api/reload' });
  assert.equal(refused.statusCode, 422);
  assert.deepEqual(refused.json(), { rejected: { problems: ['nevermiss.yaml:3:5 routes: expected a map'] } });
});

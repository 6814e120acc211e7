/**
 * Writes docs/openapi.json, the OpenAPI document of the HTTP API, from the routes' schemas (the
 * document GET /api/openapi.json serves). Run it after changing a route or src/http/schemas.ts:
 * `node --import tsx scripts/make-openapi.ts`. An integration test fails until the committed file
 * matches what the service serves.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import winston from 'winston';

import { createCallbackStore } from '../src/callbacks/store.js';
import { createStatusStore } from '../src/callbacks/status.js';
import { createUsedLinks } from '../src/callbacks/used-links.js';
import { buildHttp } from '../src/http/server.js';

const target = fileURLToPath(new URL('../docs/openapi.json', import.meta.url));
// The document comes from the routes, not from what they do: nothing here is called, and this
// Redis client never connects (lazyConnect, no command sent).
const redis = new Redis({ lazyConnect: true });
const state = { file: '', loadedAt: 0, rejected: null };
const unused = (): never => {
  throw new Error('scripts/make-openapi.ts only describes the API');
};
const app = buildHttp({
  store: createCallbackStore(redis, 'openapi'),
  status: createStatusStore(redis, 'openapi'),
  usedLinks: createUsedLinks(redis, 'openapi'),
  clock: { now: Date.now },
  logger: winston.createLogger({ silent: true }),
  promptsDir: '.',
  auth: {
    http: () => ({ host: '127.0.0.1', port: 8080, tokens: [], sessionSecret: null, allowedHosts: [], trustProxy: [] }),
    isPerson: () => false,
  },
  health: unused,
  configState: () => state,
  reload: () => state,
  onClosed: unused,
  dialBack: unused,
  jobs: unused,
  outboundCall: unused,
  report: unused,
});
await app.ready();
writeFileSync(target, `${JSON.stringify(app.swagger(), null, 2)}\n`);
await app.close();
redis.disconnect();
console.log(`wrote ${target}`);

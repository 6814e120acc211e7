/**
 * The two things anyone may fetch (config.public): the health check, which says whether this
 * instance works and nothing about its files or config (those are behind GET /api/admin/config),
 * and the prompt audio Asterisk plays when prompts.source is http.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyPluginCallbackZod } from 'fastify-type-provider-zod';

import { HealthJson, PromptParams } from '../schemas.js';
import type { HttpDeps } from '../server.js';

const PROMPT_FILE = /^[a-z0-9-]+\.wav$/;
const LANGUAGE = /^[a-z]{2}(?:[-_][a-zA-Z]{2})?$/;

export const publicRoutes: FastifyPluginCallbackZod<HttpDeps> = (app, deps, done) => {
  app.get('/healthz', {
    config: { public: true },
    schema: {
      summary: 'Whether this instance works',
      description: '200 when Redis is connected and, for the active instance, its ARI connection is up, for a standby, a plain HTTP request reaches ARI; else 503.',
      tags: ['health'],
      response: { 200: HealthJson, 503: HealthJson },
    },
  }, async (_request, reply) => {
    const { config, spool, ...health } = deps.health();
    // A standby that could take over is healthy: an orchestrator must not kill it for lacking the app.
    const ok = health.redis && (health.role === 'active' ? health.ari : health.ariReachable === true);
    const { rss, heapUsed } = process.memoryUsage();
    const iso = (at: number | null): string | null => (at === null ? null : new Date(at).toISOString());
    return reply.code(ok ? 200 : 503).send({
      status: ok ? 'ok' : 'degraded',
      ...health,
      ...(config === undefined ? {} : { config: { loadedAt: new Date(config.loadedAt).toISOString(), rejectedAt: iso(config.rejected?.at ?? null) } }),
      ...(spool === undefined ? {} : { spool: { depth: spool.depth, oldestAt: iso(spool.oldestAt) } }),
      memory: { rss, heapUsed },
    });
  });

  app.get('/prompts/:lang/nevermiss/:file', {
    config: { public: true },
    schema: { summary: 'Prompt audio for Asterisk (prompts.source: http)', tags: ['health'], params: PromptParams },
  }, async (request, reply) => {
    const { lang, file } = request.params;
    if (!LANGUAGE.test(lang) || !PROMPT_FILE.test(file)) return reply.code(404).send();
    const path = join(deps.promptsDir, lang, 'nevermiss', file);
    const size = await stat(path).then((info) => info.size, () => null);
    if (size === null) {
      deps.logger.warn('prompt requested but not found', { path });
      return reply.code(404).send();
    }
    deps.logger.debug('prompt served', { lang, file });
    return reply.header('content-type', 'audio/wav').header('content-length', size).send(createReadStream(path));
  });
  done();
};

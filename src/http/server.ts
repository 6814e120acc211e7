/**
 * The HTTP API, built without listening so tests can inject requests.
 *   GET  /healthz                      200 when ARI and Redis are connected, 503 otherwise
 *   GET  /api/callbacks                pending callbacks, ordered by dueAt
 *   POST /api/callbacks/:id/done       closes one
 *   GET  /api/status                   the owner's status switch
 *   PUT  /api/status                   { "mode": "normal" | "away" | "closed", "for": "2h" } sets it
 *   POST /api/reload                   reloads the config file (a bad file is refused, the rules stay)
 *   GET  /prompts/:lang/nevermiss/:file  prompt audio, for Asterisk when prompts.source is http
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Logger } from 'winston';
import { ErrorCodes, isNevermissError } from '../errors.js';
import type { CallbackStore } from '../callbacks/store.js';
import { callbackToJson } from '../callbacks/types.js';
import type { Clock } from '../call-flow/ports.js';
import { isStatusMode, type OwnerStatus, type StatusStore } from '../callbacks/status.js';
import { DURATION_PATTERN, parseDuration } from '../config/duration.js';

export interface Health {
  readonly ari: boolean;
  readonly redis: boolean;
  readonly activeCalls: number;
  /** Which config runs, and the problems of a refused reload (the running rules stay). */
  readonly config?: { readonly file: string; readonly loadedAt: number; readonly rejected: { readonly at: number; readonly problems: readonly string[] } | null };
}

export interface HttpDeps {
  readonly store: CallbackStore;
  readonly clock: Clock;
  readonly health: () => Health;
  readonly promptsDir: string;
  readonly logger: Logger;
  readonly status?: StatusStore;
  readonly reload?: () => { readonly rejected: { readonly problems: readonly string[] } | null };
}

const PROMPT_FILE = /^[a-z0-9-]+\.wav$/;
const LANGUAGE = /^[a-z]{2}(?:[-_][a-zA-Z]{2})?$/;

export function buildHttp(deps: HttpDeps): FastifyInstance {
  const app = Fastify({ logger: false });

  app.get('/healthz', async (_req, reply) => {
    const health = deps.health();
    const ok = health.ari && health.redis;
    return reply.code(ok ? 200 : 503).send({ status: ok ? 'ok' : 'degraded', ...health });
  });

  app.get('/api/status', async (_req, reply) => {
    if (!deps.status) return reply.code(404).send();
    return statusToJson(await deps.status.get(deps.clock.now()));
  });

  app.put<{ Body: { mode?: unknown; for?: unknown } | undefined }>('/api/status', async (req, reply) => {
    if (!deps.status) return reply.code(404).send();
    const mode = typeof req.body?.mode === 'string' ? req.body.mode : '';
    const duration = req.body?.for;
    if (!isStatusMode(mode)) {
      return reply.code(400).send({ code: ErrorCodes.USAGE, message: `mode must be "normal", "away" or "closed", got ${JSON.stringify(req.body?.mode)}` });
    }
    if (duration !== undefined && (typeof duration !== 'string' || !DURATION_PATTERN.test(duration) || parseDuration(duration) <= 0)) {
      return reply.code(400).send({ code: ErrorCodes.USAGE, message: `for must be a duration like "2h" or "30m", got ${JSON.stringify(duration)}` });
    }
    const now = deps.clock.now();
    const until = typeof duration === 'string' ? now + parseDuration(duration) : null;
    return statusToJson(await deps.status.set(mode, { until, by: 'api', now }));
  });

  app.post('/api/reload', async (_req, reply) => {
    if (!deps.reload) return reply.code(404).send();
    const state = deps.reload();
    return reply.code(state.rejected ? 422 : 200).send(state);
  });

  app.get('/api/callbacks', async () => {
    const now = deps.clock.now();
    const pending = await deps.store.listPending();
    return pending.map((cb) => callbackToJson(cb, now));
  });

  app.post<{ Params: { id: string } }>('/api/callbacks/:id/done', async (req, reply) => {
    try {
      const closed = await deps.store.close(req.params.id, 'done', 'api', deps.clock.now());
      return callbackToJson(closed, deps.clock.now());
    } catch (err) {
      if (isNevermissError(err, ErrorCodes.CALLBACK_NOT_FOUND)) return reply.code(404).send({ code: err.code, message: err.message });
      if (isNevermissError(err, ErrorCodes.CALLBACK_CLOSED)) return reply.code(409).send({ code: err.code, message: err.message });
      throw err;
    }
  });

  app.get<{ Params: { lang: string; file: string } }>('/prompts/:lang/nevermiss/:file', async (req, reply) => {
    const { lang, file } = req.params;
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

  return app;
}

function statusToJson(status: OwnerStatus): Record<string, unknown> {
  return {
    mode: status.mode,
    until: status.until === null ? null : new Date(status.until).toISOString(),
    setBy: status.setBy,
    setAt: status.setAt === 0 ? null : new Date(status.setAt).toISOString(),
  };
}

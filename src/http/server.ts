/**
 * The HTTP API, built without listening so tests can inject requests.
 *   GET  /healthz                      role (active/standby) and lease holder; 200 when Redis is connected and
 *                                      ARI too (active: the app's WebSocket; standby: a plain HTTP check), else 503; the spool's depth
 * A request that fails because Redis is slow or gone gets 503 with { code: "NM_REDIS", message }.
 *   GET  /api/callbacks                pending callbacks, ordered by dueAt
 *   POST /api/callbacks/:id/done       closes one
 *   GET  /api/status                   the owner's status switch
 *   PUT  /api/status                   { "mode": "normal" | "away" | "closed", "for": "2h" } sets it
 *   POST /api/reload                   reloads the config file (a bad file is refused, the rules stay)
 *   POST /api/callbacks/:id/dial       { "by": "owner" } rings that person, then the customer
 *   GET  /api/callbacks/:id/history    every change of a callback, oldest first
 *   GET  /api/jobs                     the scheduled follow-up jobs (notifications, reminders, escalations)
 *   POST /api/hooks/outbound           the dialplan's report of an outbound call (number, answered seconds)
 *   GET  /api/report?from=&to=         the figures of a period (src/figures): calls, answers, callbacks kept within the promise
 *   GET  /metrics                      Prometheus metrics, behind the metrics token (unless served on metrics.listen)
 *   GET  /prompts/:lang/nevermiss/:file  prompt audio, for Asterisk when prompts.source is http
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import type { Logger } from 'winston';
import { ErrorCodes, isNevermissError } from '../errors.js';
import type { CallbackStore } from '../callbacks/store.js';
import { callbackToJson } from '../callbacks/types.js';
import type { Clock } from '../call-flow/ports.js';
import type { HistoryEntry } from '../callbacks/lifecycle.js';
import type { TimerInfo } from '../callbacks/timers.js';
import type { Callback } from '../callbacks/types.js';
import { isStatusMode, type OwnerStatus, type StatusStore } from '../callbacks/status.js';
import { DURATION_PATTERN, parseDuration } from '../config/duration.js';
import type { PeriodRequest } from '../figures/query.js';
import type { Report } from '../figures/report.js';
import { registerMetricsRoute, type MetricsEndpoint } from '../metrics/http.js';

export interface Health {
  /** Only the active instance opens the Stasis app and runs calls (docs/decisions/0014). */
  readonly role: 'active' | 'standby';
  /** This instance's id, and the one holding the lease as last seen (null: free or unknown). */
  readonly instance: string;
  readonly leaseHolder: string | null;
  /** The active's app WebSocket is up. */
  readonly ari: boolean;
  /** A standby's last plain-HTTP check of ARI (null for the active, and before the first check). */
  readonly ariReachable: boolean | null;
  readonly redis: boolean;
  readonly activeCalls: number;
  /** Which config runs, and the problems of a refused reload (the running rules stay). */
  readonly config?: { readonly file: string; readonly loadedAt: number; readonly rejected: { readonly at: number; readonly problems: readonly string[] } | null };
  /** Records waiting in the local spool for Redis: how many, and since when (ms). */
  readonly spool?: { readonly depth: number; readonly oldestAt: number | null };
}

export interface HttpDeps {
  readonly store: CallbackStore;
  readonly clock: Clock;
  readonly health: () => Health;
  readonly promptsDir: string;
  readonly logger: Logger;
  readonly status?: StatusStore;
  readonly reload?: () => { readonly rejected: { readonly problems: readonly string[] } | null };
  readonly onClosed?: (callback: Callback) => Promise<void>;
  readonly dialBack?: (callbackId: string, person: string | undefined) => Promise<{ readonly sessionId: string; readonly person: string }>;
  readonly history?: (callbackId: string) => Promise<readonly HistoryEntry[]>;
  readonly jobs?: () => Promise<readonly TimerInfo[]>;
  readonly outboundCall?: (report: { readonly number: string; readonly answeredSec: number; readonly from: string }) => Promise<Callback | null>;
  /** The figures of the days asked for (YYYY-MM-DD in the firm's time zone; absent: see requestedPeriod). */
  readonly report?: (request: PeriodRequest) => Promise<Report>;
  /** GET /metrics on this server, behind its token; absent when metrics are off or on their own listener. */
  readonly metrics?: MetricsEndpoint;
}

const PROMPT_FILE = /^[a-z0-9-]+\.wav$/;
const LANGUAGE = /^[a-z]{2}(?:[-_][a-zA-Z]{2})?$/;

export function buildHttp(deps: HttpDeps): FastifyInstance {
  const app = Fastify({ logger: false });
  // Asterisk's CURL() posts form data.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(String(body))));
  });

  // Redis slow or gone is a clear, coded 503 on every route, never a hang (commands have a timeout) or a bare 500.
  app.setErrorHandler((err, _req, reply) => {
    if (isNevermissError(err, ErrorCodes.REDIS)) {
      deps.logger.warn('API request failed: Redis unavailable', { error: err.message });
      return reply.code(503).send({ code: err.code, message: `${err.message}; try again when Redis is back` });
    }
    deps.logger.error('API request failed', { error: err instanceof Error ? err.message : String(err) });
    return reply.send(err);
  });

  app.get('/healthz', async (_req, reply) => {
    const health = deps.health();
    // A standby that could take over is healthy: an orchestrator must not kill it for lacking the app.
    const ok = health.redis && (health.role === 'active' ? health.ari : health.ariReachable === true);
    const { rss, heapUsed } = process.memoryUsage();
    const spool = health.spool && { depth: health.spool.depth, oldestAt: health.spool.oldestAt === null ? null : new Date(health.spool.oldestAt).toISOString() };
    return reply.code(ok ? 200 : 503).send({ status: ok ? 'ok' : 'degraded', ...health, ...(spool ? { spool } : {}), memory: { rss, heapUsed } });
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

  app.post<{ Params: { id: string }; Body: { by?: unknown } | undefined }>('/api/callbacks/:id/dial', async (req, reply) => {
    if (!deps.dialBack) return reply.code(404).send();
    const by = typeof req.body?.by === 'string' && req.body.by !== '' ? req.body.by : undefined;
    const started = await deps.dialBack(req.params.id, by).catch((err: unknown) => err);
    if (started instanceof Error) return sendCoded(reply, started);
    return reply.code(202).send(started);
  });

  app.get<{ Params: { id: string } }>('/api/callbacks/:id/history', async (req, reply) => {
    if (!deps.history) return reply.code(404).send();
    try {
      return (await deps.history(req.params.id)).map((entry) => ({ ...entry, at: new Date(entry.at).toISOString() }));
    } catch (err) {
      return sendCoded(reply, err);
    }
  });

  app.get('/api/jobs', async (_req, reply) => {
    if (!deps.jobs) return reply.code(404).send();
    return (await deps.jobs()).map((job) => ({ ...job, dueAt: new Date(job.dueAt).toISOString() }));
  });

  app.post<{ Body: Record<string, unknown> | undefined }>('/api/hooks/outbound', async (req, reply) => {
    if (!deps.outboundCall) return reply.code(404).send();
    const number = typeof req.body?.['number'] === 'string' ? req.body['number'] : '';
    const answeredSec = Number(req.body?.['answered']);
    if (number === '' || !Number.isFinite(answeredSec)) {
      return reply.code(400).send({ code: ErrorCodes.USAGE, message: 'expected number= and answered= (seconds), as the dialplan snippet sends them' });
    }
    const from = typeof req.body?.['from'] === 'string' ? req.body['from'] : '';
    const closed = await deps.outboundCall({ number, answeredSec, from });
    return { closed: closed?.id ?? null };
  });

  // Reads figures only: the API's authentication grants it to read-only credentials (scope "read").
  app.get<{ Querystring: Record<string, unknown> }>('/api/report', { config: { scope: 'read' } }, async (req, reply) => {
    if (!deps.report) return reply.code(404).send();
    const request: { from?: string; to?: string } = {};
    for (const name of ['from', 'to'] as const) {
      const value = req.query[name];
      if (value === undefined) continue;
      if (typeof value !== 'string') {
        return reply.code(400).send({ code: ErrorCodes.USAGE, message: `${name} must be given once, as a date like 2026-03-01` });
      }
      request[name] = value;
    }
    try {
      return await deps.report(request);
    } catch (err) {
      return sendCoded(reply, err);
    }
  });

  if (deps.metrics) registerMetricsRoute(app, deps.metrics);

  app.get('/api/callbacks', async () => {
    const now = deps.clock.now();
    const pending = await deps.store.listPending();
    return pending.map((cb) => callbackToJson(cb, now));
  });

  app.post<{ Params: { id: string } }>('/api/callbacks/:id/done', async (req, reply) => {
    try {
      const closed = await deps.store.close(req.params.id, 'done', 'api', deps.clock.now());
      await deps.onClosed?.(closed);
      return callbackToJson(closed, deps.clock.now());
    } catch (err) {
      return sendCoded(reply, err);
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

/** Coded errors the client can act on get their own status; anything else is a 500. */
function sendCoded(reply: FastifyReply, err: unknown): FastifyReply {
  if (isNevermissError(err, ErrorCodes.CALLBACK_NOT_FOUND)) return reply.code(404).send({ code: err.code, message: err.message });
  for (const code of [ErrorCodes.CALLBACK_CLOSED, ErrorCodes.CALLBACK_BUSY, ErrorCodes.CALLBACK_NOT_DIALING] as const) {
    if (isNevermissError(err, code)) return reply.code(409).send({ code: err.code, message: err.message });
  }
  if (isNevermissError(err, ErrorCodes.USAGE)) return reply.code(400).send({ code: err.code, message: err.message });
  // Asterisk or Redis away or too slow: a later try may work (a dial-back that could not start is pending again).
  for (const code of [ErrorCodes.ARI_UNREACHABLE, ErrorCodes.ARI_NOT_READY, ErrorCodes.ARI_TIMEOUT, ErrorCodes.REDIS] as const) {
    if (isNevermissError(err, code)) return reply.code(503).send({ code: err.code, message: err.message });
  }
  if (isNevermissError(err, ErrorCodes.ARI_REQUEST)) return reply.code(502).send({ code: err.code, message: err.message });
  throw err;
}

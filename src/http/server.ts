/**
 * The HTTP server, built without listening so tests can inject requests. Every route is behind a
 * credential unless it says it is public (auth/guard.ts, docs/decisions/0016):
 *
 *   public   GET  /healthz                          whether this instance works (no files, no config problems)
 *            GET  /metrics                          Prometheus metrics, behind the metrics token (unless on metrics.listen)
 *            GET  /prompts/:lang/nevermiss/:file    prompt audio, for Asterisk when prompts.source is http
 *   read     GET  /api/callbacks                    pending callbacks, ordered by dueAt
 *            GET  /api/callbacks/:id/history        every change of a callback, oldest first
 *            GET  /api/jobs                         scheduled follow-up jobs
 *            GET  /api/status                       the owner's status switch
 *            GET  /api/openapi.json                 the OpenAPI document (docs/openapi.json)
 *   act      POST /api/callbacks/:id/done           closes one
 *            POST /api/callbacks/:id/dial           { "by": "owner" } rings that person, then the customer
 *            PUT  /api/status                       { "mode": "normal" | "away" | "closed", "for": "2h" }
 *   admin    POST /api/reload                       reloads the config file (a bad file is refused, the rules stay)
 *            GET  /api/admin/config                 which file runs, and the problems of a refused reload
 *            GET  /api/report?from=&to=             the figures of a period (src/figures): calls, answers, promises kept
 *   report   POST /api/hooks/outbound               the dialplan's report of an outbound call (number, answered seconds)
 *   read     GET  /api/me                           who the credential is; the firm, the people, the page's language
 *            GET  /api/callbacks/:id                one callback, open or closed
 *            GET  /api/calls/live                   the calls this instance runs now and the phones ringing for them
 *            GET  /api/events                       server-sent events: what changed (callbacks, status, calls)
 *   act      POST /api/callbacks/:id/not-reached    { note? } called from a person's own phone, not reached
 *   admin    GET  /api/events/open                  how many event streams are open
 *   public   GET  /, /callbacks/:id, /now, /status, /numbers, /page/*   the owner's phone page (no data)
 *   link     GET  /login?t=...&next=/path           a login link: sets the session cookie
 *            POST /api/act/:token                   a single-use action link: ring me now, or done
 *
 * Every parameter and body is checked against src/http/schemas.ts; a request that fails gets 400
 * { code: "NM_USAGE", message }. A request that fails because Redis is slow or gone gets 503
 * { code: "NM_REDIS", message } within redis.commandTimeout, never a hang.
 */
import cookie from '@fastify/cookie';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import Fastify, { type FastifyError, type FastifyInstance, type FastifySchema } from 'fastify';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { Logger } from 'winston';

import type { Clock } from '../clock/clock.js';
import type { CallableRules } from '../numbers/callable.js';
import type { StatusStore } from '../callbacks/status.js';
import type { CallbackStore } from '../callbacks/store.js';
import type { JobInfo } from '../callbacks/job-queue.js';
import type { Callback } from '../callbacks/types.js';
import type { UsedLinks } from '../callbacks/used-links.js';
import type { HttpSettings } from '../config/types.js';
import { ErrorCodes, isNevermissError } from '../errors.js';
import { createFailureLimiter } from './auth/failures.js';
import { installGuard } from './auth/guard.js';
import { accessOf } from './auth/principal.js';
import { validationMessage } from './replies.js';
import { apiRoutes } from './routes/api.js';
import { eventRoutes, type StreamLimits } from './routes/events.js';
import { pageRoutes } from './routes/page.js';
import { pageApiRoutes } from './routes/page-api.js';
import { linkRoutes } from './routes/links.js';
import { publicRoutes } from './routes/public.js';
import type { PeriodRequest } from '../figures/query.js';
import type { Report } from '../figures/report.js';
import { registerMetricsRoute, type MetricsEndpoint } from '../metrics/http.js';
import type { LiveCall } from '../call-flow/live.js';
import type { Config } from '../config/types.js';
import type { EventHub } from '../live/hub.js';

/** Which config runs, and the problems of a refused reload (the running rules stay). */
export interface ConfigStateView {
  readonly file: string;
  readonly loadedAt: number;
  readonly rejected: { readonly at: number; readonly problems: readonly string[] } | null;
}

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
  /** Shown in /healthz only as times: the file's path and the problems are for GET /api/admin/config. */
  readonly config?: ConfigStateView;
  /** Records waiting in the local spool for Redis: how many, and since when (ms). */
  readonly spool?: { readonly depth: number; readonly oldestAt: number | null };
}

/** How much the API takes from one client address. */
export interface HttpLimits {
  /** Requests per minute to any route behind a credential. */
  readonly requestsPerMinute: number;
  /** Failed authentications within failureWindowMs before the address is refused until the window ends. */
  readonly failures: number;
  readonly failureWindowMs: number;
}

export const DEFAULT_LIMITS: HttpLimits = { requestsPerMinute: 300, failures: 10, failureWindowMs: 10 * 60_000 };

export interface HttpDeps {
  readonly store: CallbackStore;
  readonly status: StatusStore;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly promptsDir: string;
  /** Credentials: the http settings (tokens, session secret, hosts) and the people of the running config. */
  readonly auth: { readonly http: () => HttpSettings; readonly isPerson: (id: string) => boolean };
  /** Where single-use action links are marked used. */
  readonly usedLinks: UsedLinks;
  readonly limits?: HttpLimits;
  readonly health: () => Health;
  readonly configState: () => ConfigStateView;
  readonly reload: () => ConfigStateView;
  readonly onClosed: (callback: Callback) => Promise<void>;
  /** Which numbers are called back (callable: in the config), so a callback says when it can't be; none: not said. */
  readonly callable?: () => CallableRules;
  /** Rings `person` (undefined: the default person), then the customer; `by` is who asked, for the history. */
  readonly dialBack: (callbackId: string, person: string | undefined, by: string) => Promise<{ readonly sessionId: string; readonly person: string }>;
  /** The follow-up jobs still to run or running. */
  readonly jobs: () => Promise<readonly JobInfo[]>;
  readonly outboundCall: (report: { readonly number: string; readonly answeredSec: number; readonly from: string }) => Promise<Callback | null>;
  /** The figures of the days asked for (YYYY-MM-DD in the firm's time zone; absent: see requestedPeriod). */
  readonly report: (request: PeriodRequest) => Promise<Report>;
  /** GET /metrics on this server, behind its own token; absent when metrics are off or on their own listener. */
  readonly metrics?: MetricsEndpoint;
  /** The owner's phone page and what it needs from the service; absent: no page (its API routes answer 404). */
  readonly page?: PageDeps;
}

/** What the phone page (src/http/page, docs/decisions/0018) needs beyond the API's first set. */
export interface PageDeps {
  /** The changes the event stream tells. */
  readonly hub: EventHub;
  /** The calls this instance runs now. */
  readonly liveCalls: () => readonly LiveCall[];
  /** The running config: the people's names, the firm, the page's language. */
  readonly config: () => Config;
  /** A person called the customer from their own phone and did not reach them: the next reminder waits callbacks.retryPause. */
  readonly notReached: (callbackId: string) => Promise<void>;
  /** Limits of the event streams (default DEFAULT_STREAM_LIMITS; tests make them small). */
  readonly streams?: StreamLimits;
}

/** The OpenAPI document's frame; the paths come from the routes' schemas. */
export const OPENAPI_INFO = {
  openapi: '3.0.3',
  info: {
    title: 'nevermiss',
    description:
      'The HTTP API of nevermiss. Every route but /healthz and the prompts needs a credential: a bearer token of the config ' +
      '(http.tokens, with a scope: read < act < admin, or report for the dialplan only), or the session cookie set by a login ' +
      'link. Each operation names the scope it needs in x-nevermiss-scope.',
    version: '1',
  },
  components: {
    securitySchemes: {
      bearer: { type: 'http', scheme: 'bearer', description: 'A token of http.tokens in the config' },
      session: { type: 'apiKey', in: 'cookie', name: 'nevermiss-session', description: 'Set by GET /login (named __Host-nevermiss-session with an https publicUrl); acts as its person, scope act' },
    },
  },
} as const;

export function buildHttp(deps: HttpDeps): FastifyInstance {
  const limits = deps.limits ?? DEFAULT_LIMITS;
  const startup = deps.auth.http();
  // Action tokens are a path parameter of about 160 characters (find-my-way's default limit is 100).
  const app = Fastify({ logger: false, routerOptions: { maxParamLength: 2_048 }, trustProxy: startup.trustProxy.length === 0 ? false : [...startup.trustProxy] });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  // Asterisk's CURL() posts form data.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 4_096 }, (_req, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(String(body))));
  });

  app.setErrorHandler<FastifyError>((err, _req, reply) => {
    const invalid = validationMessage(err);
    if (invalid !== null) return reply.code(400).send({ code: ErrorCodes.USAGE, message: invalid });
    // Redis slow or gone is a clear, coded 503 on every route, never a hang (commands have a timeout) or a bare 500.
    if (isNevermissError(err, ErrorCodes.REDIS)) {
      deps.logger.warn('API request failed: Redis unavailable', { error: err.message });
      return reply.code(503).send({ code: err.code, message: `${err.message}; try again when Redis is back` });
    }
    if (err.statusCode === 429) return reply.code(429).send({ code: ErrorCodes.RATE_LIMITED, message: err.message });
    if (err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500) {
      return reply.code(err.statusCode).send({ code: ErrorCodes.USAGE, message: err.message });
    }
    deps.logger.error('API request failed', { error: err.message });
    return reply.code(500).send({ code: ErrorCodes.INTERNAL, message: 'the request failed inside nevermiss; the log has the details' });
  });

  installGuard(app, {
    http: deps.auth.http,
    isPerson: deps.auth.isPerson,
    clock: deps.clock,
    failures: createFailureLimiter({ max: limits.failures, windowMs: limits.failureWindowMs }),
    logger: deps.logger,
  });
  app.addHook('onRoute', (route) => {
    // The OpenAPI document says what each operation needs.
    const access = accessOf(route.config);
    if (typeof access === 'string') return;
    const security = 'scope' in access ? (['read', 'act'].includes(access.scope) ? [{ bearer: [] }, { session: [] }] : [{ bearer: [] }]) : [];
    const needs = 'scope' in access ? access.scope : 'link' in access ? `${access.link} link` : 'none';
    const documented: FastifySchema & Record<string, unknown> = { ...route.schema, security };
    documented['x-nevermiss-scope'] = needs;
    route.schema = documented;
  });

  void app.register(cookie);
  void app.register(rateLimit, {
    global: true,
    max: limits.requestsPerMinute,
    timeWindow: 60_000,
    errorResponseBuilder: (_req, context) => ({
      statusCode: 429,
      code: ErrorCodes.RATE_LIMITED,
      message: `more than ${context.max} requests a minute from this address; try again in ${Math.ceil(context.ttl / 1_000)} s`,
    }),
  });
  void app.register(swagger, { openapi: OPENAPI_INFO, transform: jsonSchemaTransform });
  void app.register(publicRoutes, deps);
  void app.register(linkRoutes, deps);
  void app.register(apiRoutes, deps);
  void app.register(pageApiRoutes, deps);
  void app.register(eventRoutes, deps);
  void app.register(pageRoutes, deps);
  // Public for the guard: it checks its own credential, the metrics token (src/metrics/http.ts).
  if (deps.metrics) registerMetricsRoute(app, deps.metrics);
  return app;
}

/**
 * GET /metrics behind its own bearer token, on the main server or on a listener of its own
 * (metrics.listen). The route is declared `public` for the API's authentication: it checks its
 * own credential, the metrics token, which is not an API login.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import { ErrorCodes } from '../errors.js';
import type { MetricsRegistry } from './metrics.js';

export interface MetricsEndpoint {
  /** The bearer token from metrics.token (32+ characters). */
  readonly token: string;
  readonly registry: MetricsRegistry;
}

/**
 * Whether an Authorization header carries `Bearer <token>`. Both sides are hashed first, so the
 * comparison takes the same time whatever the length or content of a wrong guess.
 */
export function bearerMatches(header: string | undefined, token: string): boolean {
  const match = /^Bearer[ ]+(\S+)\s*$/i.exec(header ?? '');
  const offered = createHash('sha256').update(match?.[1] ?? '').digest();
  const expected = createHash('sha256').update(token).digest();
  return timingSafeEqual(offered, expected) && match !== null;
}

export function registerMetricsRoute(app: FastifyInstance, endpoint: MetricsEndpoint): void {
  app.get('/metrics', { config: { public: true } }, async (req, reply) => {
    if (!bearerMatches(req.headers.authorization, endpoint.token)) {
      return reply
        .code(401)
        .header('www-authenticate', 'Bearer realm="nevermiss metrics"')
        .send({ code: ErrorCodes.METRICS_UNAUTHORIZED, message: 'send the metrics token (metrics.token) as "Authorization: Bearer <token>"' });
    }
    return reply.header('content-type', endpoint.registry.contentType).send(await endpoint.registry.render());
  });
}

/** A server that answers only GET /metrics, for metrics.listen; built without listening. */
export function buildMetricsHttp(endpoint: MetricsEndpoint): FastifyInstance {
  const app = Fastify({ logger: false });
  registerMetricsRoute(app, endpoint);
  return app;
}

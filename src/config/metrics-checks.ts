/**
 * The metrics listener relates to the main one: both can't listen on the same address (the
 * service would fail to start with "address in use", far from the line to change).
 */
import type { Finding } from './problems.js';
import { fieldOf, validOrDefault } from './raw.js';
import { listen } from './schema-kit.js';

const DEFAULT_HTTP_LISTEN = '127.0.0.1:8080';

export function checkMetrics(raw: unknown): Finding[] {
  const metricsListen = validOrDefault(fieldOf(fieldOf(raw, 'metrics'), 'listen'), listen, undefined);
  if (metricsListen === undefined) return [];
  const httpListen = validOrDefault(fieldOf(fieldOf(raw, 'http'), 'listen'), listen, listen.parse(DEFAULT_HTTP_LISTEN));
  if (httpListen === undefined || httpListen.port !== metricsListen.port) return [];
  const sameHost = httpListen.host === metricsListen.host || [httpListen.host, metricsListen.host].some((host) => host === '0.0.0.0' || host === '::');
  if (!sameHost) return [];
  return [
    {
      path: ['metrics', 'listen'],
      message: `the main HTTP server (http.listen) already listens on port ${metricsListen.port}; give /metrics a port of its own, like "127.0.0.1:9464", or remove listen: to serve /metrics on http.listen`,
    },
  ];
}

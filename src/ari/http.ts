/**
 * The hot REST requests of a call (ring, originate, answer, bridge, hang up, play), sent with
 * Node's http on the same keep-alive agent as ari-client's, with the same timeout and the same
 * coded errors. ari-client builds each request through swagger-client and shred, which costs the
 * service several times the request itself (docs/decisions/0026); it stays the connection (the
 * WebSocket, the API description) and sends every other request.
 */
import http from 'node:http';
import { ErrorCodes, NevermissError } from '../errors.js';

export interface AriHttpSettings {
  readonly url: string;
  readonly username: string;
  readonly password: string;
  readonly requestTimeoutMs: number;
}

export type Query = Readonly<Record<string, string | number | boolean | undefined>>;

export interface AriHttp {
  /** Sends `method /ari<path>?<query>`; resolves with the parsed JSON body (undefined for none). */
  request(method: 'GET' | 'POST' | 'DELETE', path: string, query?: Query): Promise<unknown>;
}

/** Errors of the connection, not of the request: the request may be sent again once ARI is back. */
const NETWORK_ERRORS = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNABORTED']);

export function createAriHttp(settings: AriHttpSettings): AriHttp {
  const base = new URL(settings.url);
  const authorization = `Basic ${Buffer.from(`${settings.username}:${settings.password}`).toString('base64')}`;
  const prefix = base.pathname.replace(/\/$/, '');

  return {
    request(method, path, query = {}) {
      const search = new URLSearchParams();
      for (const [key, value] of Object.entries(query)) if (value !== undefined) search.set(key, String(value));
      const target = `${prefix}/ari${path}${search.size > 0 ? `?${search.toString()}` : ''}`;
      const what = `${method} ${path}`;
      return new Promise<unknown>((resolve, reject) => {
        // The agent of the moment: connection.ts gives every ARI request one capped keep-alive agent.
        const req = http.request(
          { host: base.hostname, port: base.port || 80, method, path: target, agent: http.globalAgent, headers: { authorization, 'content-length': 0 } },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (chunk: Buffer) => chunks.push(chunk));
            res.on('error', (err) => reject(unreachable(what, err)));
            res.on('end', () => {
              clearTimeout(timer);
              const text = Buffer.concat(chunks).toString('utf8');
              let body: unknown;
              try {
                body = text === '' ? undefined : (JSON.parse(text) as unknown);
              } catch {
                body = text;
              }
              const status = res.statusCode ?? 0;
              if (status >= 200 && status < 300) resolve(body);
              else reject(refused(what, status, body));
            });
          },
        );
        const timer = setTimeout(() => {
          req.destroy();
          reject(new NevermissError(ErrorCodes.ARI_TIMEOUT, `ARI request timed out after ${settings.requestTimeoutMs} ms: ${what}`, { what }));
        }, settings.requestTimeoutMs);
        req.on('error', (err) => {
          clearTimeout(timer);
          reject(unreachable(what, err));
        });
        req.end();
      });
    },
  };
}

function unreachable(what: string, err: Error): NevermissError {
  const errno = (err as { code?: unknown }).code;
  const network = (typeof errno === 'string' && NETWORK_ERRORS.has(errno)) || /socket hang up/.test(err.message);
  return network
    ? new NevermissError(ErrorCodes.ARI_UNREACHABLE, `ARI request failed: ${what}: the connection to Asterisk broke (${err.message})`, { what }, { cause: err })
    : new NevermissError(ErrorCodes.ARI_REQUEST, `ARI request failed: ${what}: ${err.message}`, { what }, { cause: err });
}

/** The same codes as ari-client's failures get in rest.ts: not found, already exists, or refused. */
function refused(what: string, status: number, body: unknown): NevermissError {
  const reason = typeof body === 'object' && body !== null && typeof (body as { message?: unknown }).message === 'string' ? (body as { message: string }).message : `HTTP ${status}`;
  const code =
    status === 404 || /not found/i.test(reason) ? ErrorCodes.ARI_NOT_FOUND : status === 409 || /already exists/i.test(reason) ? ErrorCodes.ARI_CONFLICT : ErrorCodes.ARI_REQUEST;
  return new NevermissError(code, `ARI request failed: ${what}: ${reason}`, { what, reason, status });
}

/**
 * GET /api/events: server-sent events for the phone page (scope read). Each change the hub
 * publishes (a callback created, changed or closed; the status switched; a call started, changed
 * or ended) is sent as one event whose name is its type and whose data is the change as JSON;
 * the page fetches what it shows again. See docs/decisions/0018.
 *
 * A stream holds memory and a socket for as long as it is open, so every one is bounded:
 *   - it removes its listener from the hub, its timers and itself from the open streams when the
 *     client goes, when a write fails, when its lifetime ends and when the server closes;
 *   - what the client has not read yet is capped (maxBufferedBytes): a client that stops reading
 *     is dropped, not buffered for; its browser reconnects and reloads the screen;
 *   - it ends after `lifetimeMs`, so the credential is checked again on the reconnect (a person
 *     removed from the config, a session secret changed);
 *   - there are at most maxStreams streams, and maxStreamsPerPrincipal per credential.
 * A comment line every heartbeatMs keeps proxies from closing a quiet stream, and finds dead ones.
 */
import type { ServerResponse } from 'node:http';
import type { FastifyPluginCallbackZod } from 'fastify-type-provider-zod';
import { z } from 'zod';

import { ErrorCodes } from '../../errors.js';
import type { LiveEvent } from '../../live/hub.js';
import { principalOf } from '../auth/principal.js';
import { ErrorBody } from '../schemas.js';
import type { HttpDeps } from '../server.js';

export interface StreamLimits {
  readonly maxStreams: number;
  readonly maxStreamsPerPrincipal: number;
  /** Unread bytes a stream may hold before its client is dropped. */
  readonly maxBufferedBytes: number;
  readonly heartbeatMs: number;
  readonly lifetimeMs: number;
  /** What the browser waits before reconnecting (the `retry:` field). */
  readonly retryMs: number;
}

export const DEFAULT_STREAM_LIMITS: StreamLimits = {
  maxStreams: 200,
  maxStreamsPerPrincipal: 8,
  maxBufferedBytes: 64 * 1024,
  heartbeatMs: 20_000,
  lifetimeMs: 15 * 60_000,
  retryMs: 3_000,
};

interface Stream {
  readonly principal: string;
  end(reason: string): void;
}

/** One event in the text/event-stream format; JSON has no raw newlines, so one data line. */
export function eventText(event: LiveEvent): string {
  const data = event.type === 'status' ? { ...event, until: event.until === null ? null : new Date(event.until).toISOString() } : event;
  return `event: ${event.type}\ndata: ${JSON.stringify(data)}\n\n`;
}

export const eventRoutes: FastifyPluginCallbackZod<HttpDeps> = (app, deps, done) => {
  const limits = deps.page?.streams ?? DEFAULT_STREAM_LIMITS;
  const open = new Set<Stream>();

  // The server waits for open requests when it closes; a stream would keep it open for ever.
  app.addHook('preClose', (closing) => {
    for (const stream of [...open]) stream.end('server closing');
    closing();
  });

  app.get('/api/events', {
    config: { scope: 'read' },
    schema: {
      summary: 'Server-sent events: what changed (callbacks, the status, calls), for the phone page',
      description:
        'text/event-stream. Events: hello (on connect: fetch everything), callback {id, change, status}, status {mode, until}, ' +
        'call {callId, change}. The stream ends after a while; clients reconnect (EventSource does by itself).',
      tags: ['page'],
      response: { 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 429: ErrorBody, 503: ErrorBody },
    },
  }, async (request, reply) => {
    const page = deps.page;
    if (!page) return reply.code(404).send({ code: ErrorCodes.USAGE, message: 'this server has no event stream' });
    const principal = principalOf(request);
    const who = `${principal.kind}:${principal.name}`;
    if (open.size >= limits.maxStreams) {
      return reply.code(503).header('retry-after', '30').send({ code: ErrorCodes.RATE_LIMITED, message: `${limits.maxStreams} event streams are open; try again later` });
    }
    if ([...open].filter((stream) => stream.principal === who).length >= limits.maxStreamsPerPrincipal) {
      return reply.code(429).send({ code: ErrorCodes.RATE_LIMITED, message: `${limits.maxStreamsPerPrincipal} event streams are open for ${principal.name}; close a page` });
    }

    reply.hijack();
    const raw: ServerResponse = reply.raw;
    raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      'x-accel-buffering': 'no',
      connection: 'keep-alive',
      'x-content-type-options': 'nosniff',
    });

    let ended = false;
    const write = (text: string): void => {
      if (ended) return;
      if (raw.writableLength > limits.maxBufferedBytes) {
        deps.logger.warn('event stream dropped: its client does not read', { principal: who, buffered: raw.writableLength });
        stream.end('client not reading');
        raw.destroy();
        return;
      }
      raw.write(text);
    };
    const unsubscribe = page.hub.subscribe((event) => write(eventText(event)));
    const heartbeat = setInterval(() => write(': ping\n\n'), limits.heartbeatMs);
    const lifetime = setTimeout(() => stream.end('lifetime over'), limits.lifetimeMs);
    heartbeat.unref();
    lifetime.unref();
    const stream: Stream = {
      principal: who,
      end(reason) {
        if (ended) return;
        ended = true;
        unsubscribe();
        clearInterval(heartbeat);
        clearTimeout(lifetime);
        open.delete(stream);
        deps.logger.debug('event stream closed', { principal: who, reason, open: open.size });
        if (!raw.destroyed) raw.end();
      },
    };
    open.add(stream);
    // The response's close: the client went, or the socket broke (the request's own close fires once it is read).
    raw.on('close', () => stream.end('connection closed'));
    raw.on('error', () => stream.end('write failed'));

    raw.write(`retry: ${limits.retryMs}\n\n`);
    write(`event: hello\ndata: ${JSON.stringify({ at: new Date(deps.clock.now()).toISOString() })}\n\n`);
    deps.logger.debug('event stream opened', { principal: who, open: open.size });
    return reply;
  });

  app.get('/api/events/open', {
    config: { scope: 'admin' },
    schema: {
      summary: 'How many event streams are open, and how many listeners the hub has (they must be equal)',
      tags: ['page'],
      response: { 200: z.object({ streams: z.number().int(), listeners: z.number().int() }), 401: ErrorBody, 403: ErrorBody },
    },
  }, () => ({ streams: open.size, listeners: deps.page?.hub.size ?? 0 }));
  done();
};

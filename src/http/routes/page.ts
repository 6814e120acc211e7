/**
 * The owner's phone page (src/http/page, docs/decisions/0018):
 *   GET /, /callbacks/:id, /now, /status, /numbers   the page's one HTML document
 *   GET /page/<file>                                 its scripts, style and icon
 * All public: they are the same for everyone and hold no data (the document only carries the
 * firm's language). The page's first request is GET /api/me; without a session it shows how to
 * get a login link, and every /api route it could ask refuses it anyway.
 *
 * The files are read once, at start, from the folder beside this module's ../page (src/ when run
 * from source, dist/ when built); only the files found there are served, by exact path.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyPluginCallbackZod } from 'fastify-type-provider-zod';
import type { FastifyReply } from 'fastify';

import { pageLanguage } from './page-api.js';
import type { HttpDeps } from '../server.js';

export const PAGE_DIR = fileURLToPath(new URL('../page/', import.meta.url));

/** The paths that show the page; the page's own router picks the screen. */
export const PAGE_PATHS = ['/', '/callbacks/:id', '/now', '/status', '/numbers'] as const;

const TYPES: Readonly<Record<string, string>> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/**
 * Scripts only from this service, no inline script or style, no framing, requests to this
 * service only. The tab icons are data: SVG masks.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

interface Asset {
  readonly body: Buffer;
  readonly type: string;
  readonly etag: string;
}

/** Every servable file under the page folder, by URL path ("/page/lib/api.js"). */
export function readAssets(dir: string = PAGE_DIR): ReadonlyMap<string, Asset> {
  const assets = new Map<string, Asset>();
  const walk = (folder: string): void => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) walk(path);
      const type = TYPES[extname(entry.name)];
      if (!entry.isFile() || type === undefined) continue;
      const body = readFileSync(path);
      const url = `/page/${relative(dir, path).split(sep).join('/')}`;
      assets.set(url, { body, type, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"` });
    }
  };
  walk(dir);
  return assets;
}

function secured(reply: FastifyReply): FastifyReply {
  return reply
    .header('content-security-policy', CONTENT_SECURITY_POLICY)
    .header('x-content-type-options', 'nosniff')
    .header('x-frame-options', 'DENY')
    .header('referrer-policy', 'no-referrer')
    .header('cross-origin-opener-policy', 'same-origin')
    .header('permissions-policy', 'camera=(), microphone=(), geolocation=()');
}

export const pageRoutes: FastifyPluginCallbackZod<HttpDeps> = (app, deps, done) => {
  const page = deps.page;
  if (!page) {
    done();
    return;
  }
  const shell = readFileSync(join(PAGE_DIR, 'index.html'), 'utf8');
  const assets = readAssets();

  for (const path of PAGE_PATHS) {
    app.get(path, {
      config: { public: true },
      schema: { summary: 'The phone page (no data: it asks the API, which needs a login)', tags: ['page'] },
    }, (_request, reply) => {
      const html = shell.replace('{{lang}}', pageLanguage(page.config()));
      return secured(reply).header('cache-control', 'no-cache').type('text/html; charset=utf-8').send(html);
    });
  }

  app.get('/page/*', {
    config: { public: true },
    schema: { summary: 'The phone page\'s scripts, style and icon', tags: ['page'] },
  }, (request, reply) => {
    const asset = assets.get(request.url.split('?')[0] ?? '');
    if (asset === undefined) return reply.code(404).send({ code: 'NM_NOT_FOUND', message: 'no such file of the page' });
    // Revalidated on every load (cheap with the ETag), so a new version is never mixed with an old one.
    void secured(reply).header('cache-control', 'no-cache').header('etag', asset.etag);
    if (request.headers['if-none-match'] === asset.etag) return reply.code(304).send();
    return reply.type(asset.type).send(asset.body);
  });
  done();
};

/**
 * The routes whose credential is a signed link in the URL (config.link):
 *   GET  /login?t=...&next=/path   a login link: sets the session cookie for its person, then
 *                                  redirects to next (a path on this service only)
 *   POST /api/act/<token>          an action token from a push notification's button: one act
 *                                  ("dial": ring me now, "done") on one callback, once
 * Action tokens are POST only: a mail client or link scanner that fetches every link it sees
 * (GET) can neither use nor spend one.
 */
import type { FastifyPluginCallbackZod } from 'fastify-type-provider-zod';

import { callbackToJson } from '../../callbacks/types.js';
import { ErrorCodes } from '../../errors.js';
import { createCredentials, SESSION_LIFETIME_MS } from '../auth/credentials.js';
import { sessionCookie } from '../auth/guard.js';
import { localPath } from '../auth/links.js';
import { principalOf } from '../auth/principal.js';
import { sendCoded } from '../replies.js';
import { ActionDone, ActionParams, ErrorBody, LoginQuery } from '../schemas.js';
import type { HttpDeps } from '../server.js';

export const linkRoutes: FastifyPluginCallbackZod<HttpDeps> = (app, deps, done) => {
  app.get('/login', {
    config: { link: 'login' },
    schema: {
      summary: 'Log in with a link from "nevermiss login-link" or a notification',
      description: 'Sets a long-lived HttpOnly, SameSite=Lax session cookie for the link\'s person (Secure with an https publicUrl) and redirects to next.',
      tags: ['sessions'],
      querystring: LoginQuery,
      response: { 401: ErrorBody },
    },
  }, async (request, reply) => {
    const principal = principalOf(request);
    const http = deps.auth.http();
    // The guard verified the link, so sessions are on; a config without a secret never gets here.
    if (http.sessionSecret === null || principal.person === undefined) throw new Error('a login link passed the guard without sessions');
    const cookie = sessionCookie(http);
    const token = createCredentials(http.sessionSecret).sessionToken(principal.person, deps.clock.now());
    deps.logger.info('logged in with a link', { person: principal.person, address: request.ip });
    return reply
      .setCookie(cookie.name, token, { path: '/', httpOnly: true, sameSite: 'lax', secure: cookie.secure, maxAge: SESSION_LIFETIME_MS / 1_000 })
      .header('cache-control', 'no-store')
      .header('referrer-policy', 'no-referrer')
      .redirect(localPath(request.query.next ?? '/') ?? '/', 303);
  });

  app.post('/api/act/:token', {
    config: { link: 'action' },
    schema: {
      summary: 'Use a single-use action link: ring me now, or done',
      description: 'The token says which callback, which act and whose; it works once, within a day. Used by the buttons of push notifications.',
      tags: ['sessions'],
      params: ActionParams,
      response: { 200: ActionDone, 202: ActionDone, 401: ErrorBody, 404: ErrorBody, 409: ErrorBody, 410: ErrorBody, 503: ErrorBody },
    },
  }, async (request, reply) => {
    const principal = principalOf(request);
    if (principal.kind !== 'action') throw new Error('POST /api/act/:token reached without an action principal');
    const { grant } = principal;
    if (!(await deps.usedLinks.claim(grant.id, grant.expiresAt))) {
      return reply.code(410).send({ code: ErrorCodes.LINK_USED, message: 'this link was used already; each action link works once' });
    }
    deps.logger.info('action link used', { act: grant.act, callbackId: grant.callbackId, person: grant.person });
    try {
      switch (grant.act) {
        case 'done': {
          const closed = await deps.store.close(grant.callbackId, 'done', grant.person, deps.clock.now());
          await deps.onClosed(closed);
          return await reply.code(200).send({ act: 'done', callback: callbackToJson(closed, deps.clock.now(), deps.callable?.()) });
        }
        case 'dial': {
          const started = await deps.dialBack(grant.callbackId, grant.person, grant.person);
          return await reply.code(202).send({ act: 'dial', ...started });
        }
      }
    } catch (err) {
      return sendCoded(reply, err);
    }
  });
  done();
};

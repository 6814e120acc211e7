/**
 * The one gate of the HTTP server, default deny (docs/decisions/0016):
 *   - at registration, a route without an access declaration (principal.ts) is an error, so the
 *     server does not even start with a route someone forgot to protect;
 *   - on every request to a route that is not public, in this order: the Host must be one this
 *     service answers to (no DNS rebinding); an address with too many failed authentications is
 *     refused; the credential (bearer token, session cookie, or the signed link in the URL) is
 *     checked; its scope must reach the route's; and a state-changing request carried by a
 *     session cookie must come from this site (Sec-Fetch-Site / Origin).
 * It runs before the body is parsed (preParsing): a stranger's body is never read. The general
 * rate limit (@fastify/rate-limit, in onRequest) runs before it.
 */
import type {} from '@fastify/cookie';
import type {} from '@fastify/rate-limit';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'winston';

import type { Clock } from '../../clock/clock.js';
import type { HttpSettings } from '../../config/types.js';
import { ErrorCodes, type ErrorCode } from '../../errors.js';
import { createTokenTable, type TokenTable } from './bearer.js';
import { createCredentials, type Credentials, type Refusal } from './credentials.js';
import type { FailureLimiter } from './failures.js';
import { accessOf, type LinkKind, type Principal } from './principal.js';
import { allows, grantedBy, type Scope } from './scopes.js';

export interface GuardDeps {
  /** The running config's http settings: tokens and hosts follow a reload. */
  readonly http: () => HttpSettings;
  /** Whether a person is (still) in the running config: a removed person's session ends. */
  readonly isPerson: (id: string) => boolean;
  readonly clock: Clock;
  readonly failures: FailureLimiter;
  readonly logger: Logger;
}

/** A session acts as its person: it may look and act, not administer. */
export const SESSION_SCOPES: readonly Scope[] = grantedBy('act');

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const LOOPBACK = ['localhost', '127.0.0.1', '::1'];
const ANY_ADDRESS = new Set(['0.0.0.0', '::', '']);

/** What the guard derives from one config's http settings, once. */
interface Derived {
  readonly tokens: TokenTable;
  readonly credentials: Credentials | null;
  readonly hosts: ReadonlySet<string>;
  readonly publicOrigin: string | null;
  readonly cookie: SessionCookie;
}

export interface SessionCookie {
  readonly name: string;
  readonly secure: boolean;
}

/**
 * The session cookie: `__Host-` prefixed and Secure when publicUrl is https (the browser then
 * refuses it over plain http, and for any other host or path), a plain name otherwise.
 */
export function sessionCookie(http: HttpSettings): SessionCookie {
  const secure = http.publicUrl?.startsWith('https:') === true;
  return { name: secure ? '__Host-nevermiss-session' : 'nevermiss-session', secure };
}

const derivedOf = new WeakMap<HttpSettings, Derived>();

function derive(http: HttpSettings): Derived {
  let derived = derivedOf.get(http);
  if (derived !== undefined) return derived;
  const publicHost = http.publicUrl === undefined ? [] : [new URL(http.publicUrl).hostname];
  const listenHost = ANY_ADDRESS.has(http.host) ? [] : [http.host];
  derived = {
    tokens: createTokenTable(http.tokens),
    credentials: http.sessionSecret === null ? null : createCredentials(http.sessionSecret),
    hosts: new Set([...LOOPBACK, ...publicHost, ...listenHost, ...http.allowedHosts].map(bareHost)),
    publicOrigin: http.publicUrl === undefined ? null : new URL(http.publicUrl).origin,
    cookie: sessionCookie(http),
  };
  derivedOf.set(http, derived);
  return derived;
}

/** Lower case, without the brackets of an IPv6 address. */
function bareHost(host: string): string {
  return host.toLowerCase().replace(/^\[(.*)\]$/, '$1');
}

type Authenticated = { readonly principal: Principal } | { readonly refused: string; readonly counts: boolean };

export function installGuard(app: FastifyInstance, deps: GuardDeps): void {
  app.decorateRequest('principal', null);

  app.addHook('onRoute', (route) => {
    const access = accessOf(route.config);
    const methods = Array.isArray(route.method) ? route.method.join(',') : route.method;
    if (typeof access === 'string') throw new Error(`route ${methods} ${route.url} ${access}`);
    // Health checks and Asterisk fetching prompts are not held to the API's request rate.
    if ('public' in access) route.config = { ...route.config, rateLimit: route.config?.rateLimit ?? false };
  });

  app.addHook('preParsing', async (request, reply) => {
    if (request.is404) return;
    const access = accessOf(request.routeOptions.config);
    // onRoute refused such routes; this is the second lock on the same door.
    if (typeof access === 'string') return refuse(reply, 403, ErrorCodes.FORBIDDEN, 'this route declares no access and is closed');
    if ('public' in access) return;

    const http = deps.http();
    const derived = derive(http);
    const now = deps.clock.now();
    const route = `${request.method} ${request.routeOptions.url ?? '?'}`;

    if (!derived.hosts.has(bareHost(request.hostname))) {
      deps.logger.warn('API request refused: Host not allowed', { route, host: request.hostname, address: request.ip });
      return refuse(reply, 421, ErrorCodes.HOST_NOT_ALLOWED, `this service does not answer to the host "${request.hostname}"; use http.publicUrl, or add the host to http.allowedHosts`);
    }
    const wait = deps.failures.blockedFor(request.ip, now);
    if (wait > 0) {
      const seconds = Math.ceil(wait / 1_000);
      void reply.header('retry-after', String(seconds));
      return refuse(reply, 429, ErrorCodes.RATE_LIMITED, `too many failed authentications from ${request.ip}; try again in ${seconds} s`);
    }

    const result = 'link' in access ? fromLink(request, access.link, derived, deps, now) : fromRequest(request, derived, deps, now);
    if ('refused' in result) {
      if (result.counts) deps.failures.failed(request.ip, now);
      deps.logger.warn('API request refused: not authenticated', { route, address: request.ip, reason: result.refused });
      void reply.header('www-authenticate', 'Bearer realm="nevermiss"');
      return refuse(reply, 401, ErrorCodes.UNAUTHORIZED, result.refused);
    }
    const { principal } = result;
    if ('scope' in access && !allows(principal.scopes, access.scope)) {
      deps.logger.warn('API request refused: scope too narrow', { route, address: request.ip, principal: principal.name, needs: access.scope });
      return refuse(reply, 403, ErrorCodes.FORBIDDEN, `${describe(principal)} may ${principal.scopes.join(', ')}; ${route} needs scope ${access.scope}`);
    }
    if (principal.kind === 'session' && !SAFE_METHODS.has(request.method) && !isSameSite(request, derived)) {
      deps.logger.warn('API request refused: cross-site', { route, address: request.ip, origin: request.headers.origin, site: request.headers['sec-fetch-site'] });
      return refuse(reply, 403, ErrorCodes.CROSS_SITE, 'a request with the session cookie must come from this site\'s own pages (Origin / Sec-Fetch-Site)');
    }
    request.principal = principal;
  });
}

/** A bearer token in Authorization, else the session cookie; an Authorization header never falls back to the cookie. */
function fromRequest(request: FastifyRequest, derived: Derived, deps: GuardDeps, now: number): Authenticated {
  const authorization = request.headers.authorization;
  if (authorization !== undefined) {
    const match = /^Bearer +([\x21-\x7e]+) *$/i.exec(authorization);
    if (match === null) return { refused: 'the Authorization header must be "Bearer <token>"', counts: true };
    const token = derived.tokens.find(match[1] ?? '');
    if (token === null) return { refused: 'unknown token', counts: true };
    return {
      principal: { kind: 'token', name: token.name, ...(token.person === null ? {} : { person: token.person }), scopes: grantedBy(token.scope) },
    };
  }
  const cookie = request.cookies[derived.cookie.name];
  if (cookie === undefined) return { refused: 'no credential: send "Authorization: Bearer <token>" (http.tokens), or log in with a link from "nevermiss login-link"', counts: false };
  if (derived.credentials === null) return { refused: 'sessions are off (no http.sessionSecret)', counts: true };
  const session = derived.credentials.readSession(cookie, now);
  if (!session.ok) return { refused: `the session ${why(session)}; log in again with a new link`, counts: session.reason !== 'expired' };
  if (!deps.isPerson(session.person)) return { refused: `the session's person "${session.person}" is no longer in the config`, counts: false };
  return { principal: { kind: 'session', name: session.person, person: session.person, scopes: SESSION_SCOPES } };
}

/** The signed link in the URL: ?t= for a login link, the :token parameter for an action. */
function fromLink(request: FastifyRequest, kind: LinkKind, derived: Derived, deps: GuardDeps, now: number): Authenticated {
  if (derived.credentials === null) return { refused: 'links are off (no http.sessionSecret)', counts: true };
  switch (kind) {
    case 'login': {
      const text = (request.query as Record<string, unknown> | undefined)?.['t'];
      if (typeof text !== 'string') return { refused: 'a login link carries its token as ?t=', counts: true };
      const login = derived.credentials.readLogin(text, now);
      if (!login.ok) return { refused: `this login link ${why(login)}; ask for a new one ("nevermiss login-link PERSON")`, counts: login.reason !== 'expired' };
      if (!deps.isPerson(login.person)) return { refused: `the link's person "${login.person}" is no longer in the config`, counts: false };
      return { principal: { kind: 'session', name: login.person, person: login.person, scopes: SESSION_SCOPES } };
    }
    case 'action': {
      const text = (request.params as Record<string, unknown> | undefined)?.['token'];
      if (typeof text !== 'string') return { refused: 'an action link carries its token in the path', counts: true };
      const action = derived.credentials.readAction(text, now);
      if (!action.ok) return { refused: `this action link ${why(action)}`, counts: action.reason !== 'expired' };
      const { grant } = action;
      if (!deps.isPerson(grant.person)) return { refused: `the link's person "${grant.person}" is no longer in the config`, counts: false };
      return { principal: { kind: 'action', name: grant.person, person: grant.person, scopes: ['act'], grant } };
    }
  }
}

function why(refusal: Refusal): string {
  switch (refusal.reason) {
    case 'expired':
      return 'has expired';
    case 'signature':
      return 'is not signed by this service (changed, or made with another http.sessionSecret)';
    case 'malformed':
      return 'is not one this service made';
  }
}

/**
 * A browser says where a request comes from: Sec-Fetch-Site (can't be set by a page's script),
 * else Origin. Either must name this site; a request with neither is refused, since browsers
 * send Origin with every state-changing request and a program has no business with a cookie.
 */
function isSameSite(request: FastifyRequest, derived: Derived): boolean {
  const site = request.headers['sec-fetch-site'];
  if (site !== undefined) return site === 'same-origin';
  const origin = request.headers.origin;
  if (origin === undefined || origin === 'null') return false;
  return origin === `${request.protocol}://${request.host}` || origin === derived.publicOrigin;
}

function describe(principal: Principal): string {
  switch (principal.kind) {
    case 'token':
      return `token "${principal.name}"`;
    case 'session':
      return `the session of ${principal.person}`;
    case 'action':
      return `an action link of ${principal.person}`;
  }
}

function refuse(reply: FastifyReply, status: number, code: ErrorCode, message: string): FastifyReply {
  return reply.code(status).send({ code, message });
}

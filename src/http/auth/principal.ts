/**
 * Who is asking, and the contract every route signs: each route declares in its options
 *   config: { scope: 'read' | 'act' | 'admin' | 'report' }   a bearer token or a session granting it
 *   config: { public: true }                                 no credential: reveals and changes nothing
 *   config: { link: 'login' | 'action' }                     the signed link in its URL is the credential
 * and finds the caller on `request.principal` (null only on public routes). guard.ts refuses any
 * route that declares nothing, so a route someone forgets is closed, not open.
 */
import type { FastifyRequest } from 'fastify';

import type { ActionGrant } from './credentials.js';
import type { Scope } from './scopes.js';

export type Principal =
  /** A bearer token of the config; `person` when the token acts as one. */
  | { readonly kind: 'token'; readonly name: string; readonly person?: string; readonly scopes: readonly Scope[] }
  /** A login session (cookie) or a login link: a person, scope act. */
  | { readonly kind: 'session'; readonly name: string; readonly person: string; readonly scopes: readonly Scope[] }
  /** A single-use action token: one act on one callback, by one person. */
  | { readonly kind: 'action'; readonly name: string; readonly person: string; readonly scopes: readonly Scope[]; readonly grant: ActionGrant };

export type LinkKind = 'login' | 'action';

/** What a route declares in `config` (exactly one of the three). */
export type RouteAccess = { readonly scope: Scope } | { readonly public: true } | { readonly link: LinkKind };

declare module 'fastify' {
  interface FastifyContextConfig {
    scope?: Scope;
    public?: true;
    link?: LinkKind;
  }
  interface FastifyRequest {
    /** Set by the guard before any handler runs; null only on public routes. */
    principal: Principal | null;
  }
}

/** Who acted, for a callback's history and the status's setBy: the person, else the token's name. */
export function actorOf(principal: Principal): string {
  return principal.person ?? principal.name;
}

/** The principal of a route that declared a scope or a link (the guard has set it). */
export function principalOf(request: FastifyRequest): Principal {
  if (request.principal === null) {
    throw new Error(`${request.method} ${request.routeOptions.url ?? request.url} reached its handler without a principal; declare config.scope or config.link`);
  }
  return request.principal;
}

interface AccessConfig {
  readonly scope?: Scope | undefined;
  readonly public?: true | undefined;
  readonly link?: LinkKind | undefined;
}

/** The route's declaration, or why it has none that counts. */
export function accessOf(config: Readonly<AccessConfig> | undefined): RouteAccess | string {
  const { scope, public: open, link: linkKind } = config ?? {};
  const declared = [scope, open, linkKind].filter((value) => value !== undefined).length;
  if (declared !== 1) {
    return declared === 0
      ? 'declares no access; add config: { scope: "read" | "act" | "admin" | "report" }, { public: true } or { link: ... }'
      : 'declares more than one of scope, public and link; keep one';
  }
  if (scope !== undefined) return { scope };
  if (linkKind !== undefined) {
    // Typed first: against `RouteAccess | string` the linter reads the key as String.prototype.link.
    const access: RouteAccess = { link: linkKind };
    return access;
  }
  return { public: true };
}

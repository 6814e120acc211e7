/**
 * The URLs people open or tap: a login link (GET /login?t=...&next=...) for the CLI's
 * `nevermiss login-link` and for e-mail and SMS notifications, and the URL of an action token
 * (POST /api/act/<token>) for the buttons of a push notification. Both need http.publicUrl and
 * http.sessionSecret.
 */
import type { HttpSettings } from '../../config/types.js';
import { ErrorCodes, NevermissError } from '../../errors.js';
import { createCredentials, type Act } from './credentials.js';

export const LOGIN_PATH = '/login';
export const ACTION_PATH = '/api/act';

/** Whether this config can make links at all (a sessionSecret and a publicUrl). */
export function canMakeLinks(http: HttpSettings): boolean {
  return http.sessionSecret !== null && http.publicUrl !== undefined;
}

/**
 * A link that logs `person` in on the device that opens it, then shows `next` (a path on this
 * service, like "/callbacks/cb-123"). Valid for a day (credentials.ts).
 * @throws NevermissError NM_USAGE when http.sessionSecret or http.publicUrl is not set, or `next` is not a local path.
 */
export function loginLink(http: HttpSettings, person: string, options: { readonly now: number; readonly next?: string }): string {
  const { publicUrl, secret } = linkSettings(http, 'login links');
  const url = new URL(LOGIN_PATH, publicUrl);
  url.searchParams.set('t', createCredentials(secret).loginToken(person, options.now));
  if (options.next !== undefined) {
    if (localPath(options.next) === null) {
      throw new NevermissError(ErrorCodes.USAGE, `next must be a path on this service starting with "/", like "/callbacks/cb-123"; got ${JSON.stringify(options.next)}`);
    }
    url.searchParams.set('next', options.next);
  }
  return url.toString();
}

/** The URL that performs `act` on a callback for `person`, once, when POSTed to. */
export function actionUrl(http: HttpSettings, callbackId: string, act: Act, person: string, now: number): string {
  const { publicUrl, secret } = linkSettings(http, 'action links');
  return new URL(`${ACTION_PATH}/${createCredentials(secret).actionToken(callbackId, act, person, now)}`, publicUrl).toString();
}

/**
 * `next` if it is a path on this service ("/callbacks/cb-1?x=1"), else null: no scheme, no host,
 * no "//" or "/\" (which browsers read as another host), no control characters.
 */
export function localPath(next: string): string | null {
  if (!next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\') || next.length > 512) return null;
  if (/\p{Cc}|\\/u.test(next)) return null;
  const base = 'http://nevermiss.invalid';
  const url = new URL(next, base);
  return url.origin === base ? `${url.pathname}${url.search}${url.hash}` : null;
}

function linkSettings(http: HttpSettings, what: string): { publicUrl: string; secret: string } {
  if (http.sessionSecret === null || http.publicUrl === undefined) {
    throw new NevermissError(
      ErrorCodes.USAGE,
      `${what} need http.sessionSecret and http.publicUrl in the config; set both (the secret with \${VAR}, 32 characters or more)`,
    );
  }
  return { publicUrl: http.publicUrl, secret: http.sessionSecret };
}

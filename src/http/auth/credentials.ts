/**
 * The three signed credentials of people (bearer tokens are for programs, see bearer.ts):
 *   login   a link that starts a session for one person; expires after a day
 *   session the cookie a login sets; acts as that person (scope act) for 90 days
 *   action  one act ("dial": ring me now, "done") on one callback for one person; expires after a
 *           day, and is good once (the route claims its id in Redis before acting)
 * All are signed with http.sessionSecret (signed.ts): changing it ends every session and link.
 */
import { randomBytes } from 'node:crypto';
import { z } from 'zod';

import { createSigner, type Verified } from './signed.js';

const HOUR_MS = 3_600_000;
export const LOGIN_LINK_LIFETIME_MS = 24 * HOUR_MS;
export const SESSION_LIFETIME_MS = 90 * 24 * HOUR_MS;
export const ACTION_LIFETIME_MS = 24 * HOUR_MS;

export const ACTS = ['dial', 'done'] as const;
export type Act = (typeof ACTS)[number];

/** What an action token allows: one act on one callback, by one person, once. */
export interface ActionGrant {
  /** Unique per token; claimed in Redis when it is used. */
  readonly id: string;
  readonly callbackId: string;
  readonly act: Act;
  readonly person: string;
  readonly expiresAt: number;
}

export type Refusal = { readonly ok: false; readonly reason: 'malformed' | 'signature' | 'expired' };

export interface Credentials {
  loginToken(person: string, now: number): string;
  readLogin(text: string, now: number): { readonly ok: true; readonly person: string } | Refusal;
  sessionToken(person: string, now: number): string;
  readSession(text: string, now: number): { readonly ok: true; readonly person: string; readonly expiresAt: number } | Refusal;
  actionToken(callbackId: string, act: Act, person: string, now: number): string;
  readAction(text: string, now: number): { readonly ok: true; readonly grant: ActionGrant } | Refusal;
}

const PersonPayload = z.object({ p: z.string().min(1) });
const ActionPayload = z.object({ i: z.string().min(16), c: z.string().min(1), a: z.enum(ACTS), p: z.string().min(1) });

export function createCredentials(sessionSecret: string): Credentials {
  const signer = createSigner(sessionSecret);
  const person = (verified: Verified): { ok: true; person: string; expiresAt: number } | Refusal => {
    if (!verified.ok) return verified;
    const parsed = PersonPayload.safeParse(verified.payload);
    return parsed.success ? { ok: true, person: parsed.data.p, expiresAt: verified.expiresAt } : { ok: false, reason: 'malformed' };
  };
  return {
    loginToken: (who, now) => signer.sign('login', { p: who }, now + LOGIN_LINK_LIFETIME_MS),
    readLogin(text, now) {
      const read = person(signer.verify('login', text, now));
      return read.ok ? { ok: true, person: read.person } : read;
    },
    sessionToken: (who, now) => signer.sign('session', { p: who }, now + SESSION_LIFETIME_MS),
    readSession: (text, now) => person(signer.verify('session', text, now)),
    actionToken: (callbackId, act, who, now) =>
      signer.sign('action', { i: randomBytes(12).toString('base64url'), c: callbackId, a: act, p: who }, now + ACTION_LIFETIME_MS),
    readAction(text, now) {
      const verified = signer.verify('action', text, now);
      if (!verified.ok) return verified;
      const parsed = ActionPayload.safeParse(verified.payload);
      if (!parsed.success) return { ok: false, reason: 'malformed' };
      const { i, c, a, p } = parsed.data;
      return { ok: true, grant: { id: i, callbackId: c, act: a, person: p, expiresAt: verified.expiresAt } };
    },
  };
}

/**
 * Signed, expiring credentials that need no storage: login links, session cookies and action
 * tokens. `<payload>.<signature>`, both base64url: the payload is JSON with `exp` (epoch ms), the
 * signature an HMAC-SHA256 over the payload text with a key derived from the secret for one
 * purpose, so a session cookie is never accepted as an action token or the other way round.
 * Pure: time is passed in.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export type Purpose = 'login' | 'session' | 'action';

export type Verified =
  | { readonly ok: true; readonly payload: Readonly<Record<string, unknown>>; readonly expiresAt: number }
  | { readonly ok: false; readonly reason: 'malformed' | 'signature' | 'expired' };

export interface Signer {
  sign(purpose: Purpose, payload: Readonly<Record<string, unknown>>, expiresAt: number): string;
  verify(purpose: Purpose, text: string, now: number): Verified;
}

/** Longer texts are refused before any work: no credential of ours comes near it. */
const LONGEST = 2_048;
const SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/;

export function createSigner(secret: string): Signer {
  const keys = new Map<Purpose, Buffer>();
  const keyFor = (purpose: Purpose): Buffer => {
    let key = keys.get(purpose);
    if (key === undefined) {
      key = createHmac('sha256', secret).update(`nevermiss ${purpose} v1`).digest();
      keys.set(purpose, key);
    }
    return key;
  };
  const mac = (purpose: Purpose, body: string): Buffer => createHmac('sha256', keyFor(purpose)).update(body).digest();

  return {
    sign(purpose, payload, expiresAt) {
      const body = Buffer.from(JSON.stringify({ ...payload, exp: expiresAt }), 'utf8').toString('base64url');
      return `${body}.${mac(purpose, body).toString('base64url')}`;
    },
    verify(purpose, text, now) {
      if (text.length > LONGEST || !SHAPE.test(text)) return { ok: false, reason: 'malformed' };
      const [body = '', signature = ''] = text.split('.');
      const given = Buffer.from(signature, 'base64url');
      const expected = mac(purpose, body);
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'signature' };
      let payload: unknown;
      try {
        payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
      } catch {
        return { ok: false, reason: 'malformed' };
      }
      if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) return { ok: false, reason: 'malformed' };
      const record = payload as Record<string, unknown>;
      const expiresAt = record['exp'];
      if (typeof expiresAt !== 'number' || !Number.isFinite(expiresAt)) return { ok: false, reason: 'malformed' };
      if (expiresAt <= now) return { ok: false, reason: 'expired' };
      return { ok: true, payload: record, expiresAt };
    },
  };
}

/**
 * What a caller's number is worth for a callback. Trunks that withhold the identity send
 * "anonymous" (measured on Asterisk 22 with PJSIP), others an empty number or words like
 * "restricted"; none of them can be called back.
 */
const WITHHELD = new Set(['', 'anonymous', 'restricted', 'private', 'unknown', 'unavailable', 'withheld']);

/** The number to call back, or null when the caller withheld it. Keeps a leading +, drops spacing. */
export function callbackNumber(raw: string | undefined): string | null {
  const trimmed = (raw ?? '').trim();
  if (WITHHELD.has(trimmed.toLowerCase())) return null;
  const compact = trimmed.replace(/[\s().-]/g, '');
  return /^\+?[0-9*#]+$/.test(compact) ? compact : null;
}

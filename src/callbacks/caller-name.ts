/**
 * The caller ID name a call came with, as something fit to keep and show: the caller chooses it
 * (or their network does), so it is hostile text. Pure.
 */

/** Longest name kept, in characters (CNAM is 15; SIP display names can be longer). */
export const CALLER_NAME_MAX = 64;

/** Control characters, line and paragraph separators, and the marks that reorder text (bidi overrides, isolates). */
const CONTROLS = /[\p{Cc}\p{Zl}\p{Zp}\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/gu;

/** Names that say there is no name. */
const NO_NAME = new Set(['', 'anonymous', 'unknown', 'unavailable', 'private', 'restricted', 'withheld', 'asterisk']);

/**
 * The name to keep, or "" when there is none worth keeping: control and text-direction characters
 * removed, white space collapsed, cut to CALLER_NAME_MAX characters; a placeholder
 * ("Anonymous", "unknown") or a number is no name.
 */
export function callerNameOf(raw: string): string {
  const spaced = raw.normalize('NFC').replace(CONTROLS, ' ').replace(/\s+/gu, ' ').trim();
  // Cut between characters as people see them (an emoji with its joiners is one).
  const characters = Array.from(new Intl.Segmenter().segment(spaced), (part) => part.segment);
  const cleaned = characters.slice(0, CALLER_NAME_MAX).join('').trim();
  if (NO_NAME.has(cleaned.toLowerCase())) return '';
  // Only digits and dialling signs: a number (usually the caller's own again), not a name.
  if (/^[0-9+*#() .-]+$/.test(cleaned)) return '';
  return cleaned;
}

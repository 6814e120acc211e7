/** The text a caller gets right after a missed call. Pure. */
import type { Language } from '../config/types.js';

export function textBackMessage(firm: string, language: Language, dueAt: number, timezone: string, now: number): string {
  const sameDay = localDay(dueAt, timezone) === localDay(now, timezone);
  const time = new Intl.DateTimeFormat(language === 'da' ? 'da-DK' : 'en-GB', {
    timeZone: timezone,
    hour: '2-digit',
    minute: '2-digit',
    hour12: false,
    ...(sameDay ? {} : { weekday: 'long' }),
  }).format(dueAt);
  if (language === 'da') {
    return `Tak fordi du ringede${firm ? ` til ${firm}` : ''}. Vi ringer dig op senest ${sameDay ? 'kl. ' : ''}${time}.`;
  }
  return `Thanks for calling${firm ? ` ${firm}` : ''}. We'll call you back before ${time}.`;
}

function localDay(ms: number, timezone: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: timezone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(ms);
}

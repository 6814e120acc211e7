/**
 * The text a caller gets right after a missed call. Pure.
 *
 * The time is the due time rounded up to the minute (a callback due at 14:42:30 is "before
 * 14:43", never "14:42"); a day other than today is named, and a day more than six days away by
 * its date too ("Monday 4 January"), so a call on 23 December due 4 January can't read as next Monday.
 */
import type { Language } from '../config/types.js';
import { localDateOf } from '../schedule/zone.js';

const MS_PER_MINUTE = 60_000;
const MS_PER_DAY = 86_400_000;

export function textBackMessage(firm: string, language: Language, dueAt: number, timezone: string, now: number): string {
  const shown = Math.ceil(dueAt / MS_PER_MINUTE) * MS_PER_MINUTE;
  const daysAway = Math.round((Date.parse(localDateOf(shown, timezone)) - Date.parse(localDateOf(now, timezone))) / MS_PER_DAY);
  const locale = language === 'da' ? 'da-DK' : 'en-GB';
  const time = new Intl.DateTimeFormat(locale, { timeZone: timezone, hour: '2-digit', minute: '2-digit', hour12: false }).format(shown);
  const format = (options: Intl.DateTimeFormatOptions): string => new Intl.DateTimeFormat(locale, { timeZone: timezone, ...options }).format(shown);
  const weekday = format({ weekday: 'long' });
  // "Monday 4 January", "mandag den 4. januar"
  const date = `${weekday}${language === 'da' ? ' den' : ''} ${format({ day: 'numeric', month: 'long' })}`;
  const day = daysAway <= 0 ? null : daysAway <= 6 ? weekday : date;
  if (language === 'da') {
    return `Tak fordi du ringede${firm ? ` til ${firm}` : ''}. Vi ringer dig op senest ${day === null ? '' : `${day} `}kl. ${time}.`;
  }
  return `Thanks for calling${firm ? ` ${firm}` : ''}. We'll call you back before ${day === null ? '' : `${day} `}${time}.`;
}

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

interface TextBackWording {
  /** For Intl's time, weekday and date: "14:42", "14.42", "Mittwoch". */
  readonly locale: string;
  /** A day more than six days away: "Monday 4 January", "mandag den 4. januar", "Montag, 4. Januar". */
  readonly date: (weekday: string, dayAndMonth: string) => string;
  /** `day` is null for today, else the weekday or the date. */
  readonly say: (firm: string, time: string, day: string | null) => string;
}

const before = (day: string | null): string => (day === null ? '' : `${day} `);

/**
 * One wording per language. A language whose prompts exist but whose wording is not here yet gets
 * the English text (the test of languages names every prompt language missing here).
 */
export const TEXT_BACK_WORDING: Readonly<Record<string, TextBackWording>> = {
  en: {
    locale: 'en-GB',
    date: (weekday, dayAndMonth) => `${weekday} ${dayAndMonth}`,
    say: (firm, time, day) => `Thanks for calling${firm ? ` ${firm}` : ''}. We'll call you back before ${before(day)}${time}.`,
  },
  da: {
    locale: 'da-DK',
    date: (weekday, dayAndMonth) => `${weekday} den ${dayAndMonth}`,
    say: (firm, time, day) => `Tak fordi du ringede${firm ? ` til ${firm}` : ''}. Vi ringer dig op senest ${before(day)}kl. ${time}.`,
  },
  de: {
    locale: 'de-DE',
    date: (weekday, dayAndMonth) => `${weekday}, ${dayAndMonth}`,
    say: (firm, time, day) => `Danke für Ihren Anruf${firm ? ` bei ${firm}` : ''}. Wir rufen Sie bis ${before(day)}${time} Uhr zurück.`,
  },
};

export function textBackMessage(firm: string, language: Language, dueAt: number, timezone: string, now: number): string {
  const wording = TEXT_BACK_WORDING[language] ?? TEXT_BACK_WORDING.en;
  if (wording === undefined) throw new Error('the English text-back wording is missing');
  const shown = Math.ceil(dueAt / MS_PER_MINUTE) * MS_PER_MINUTE;
  const daysAway = Math.round((Date.parse(localDateOf(shown, timezone)) - Date.parse(localDateOf(now, timezone))) / MS_PER_DAY);
  const format = (options: Intl.DateTimeFormatOptions): string =>
    new Intl.DateTimeFormat(wording.locale, { timeZone: timezone, ...options }).format(shown);
  const time = format({ hour: '2-digit', minute: '2-digit', hour12: false });
  const weekday = format({ weekday: 'long' });
  const day = daysAway <= 0 ? null : daysAway <= 6 ? weekday : wording.date(weekday, format({ day: 'numeric', month: 'long' }));
  return wording.say(firm, time, day);
}

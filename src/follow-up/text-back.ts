/** The text a caller gets right after a missed call. Pure. */
import type { Language } from '../config/types.js';

interface TextBackWording {
  /** For Intl's time: "14:42", "14.42", "Mittwoch 07:30". */
  readonly locale: string;
  /** `time` is "14:42" on the same day, else "Wednesday 07:30". */
  readonly say: (firm: string, time: string, sameDay: boolean) => string;
}

/**
 * One wording per language. A language whose prompts exist but whose wording is not here yet gets
 * the English text (the test of languages names every prompt language missing here).
 */
export const TEXT_BACK_WORDING: Readonly<Record<string, TextBackWording>> = {
  en: {
    locale: 'en-GB',
    say: (firm, time) => `Thanks for calling${firm ? ` ${firm}` : ''}. We'll call you back before ${time}.`,
  },
  da: {
    locale: 'da-DK',
    say: (firm, time, sameDay) => `Tak fordi du ringede${firm ? ` til ${firm}` : ''}. Vi ringer dig op senest ${sameDay ? 'kl. ' : ''}${time}.`,
  },
  de: {
    locale: 'de-DE',
    say: (firm, time) => `Danke für Ihren Anruf${firm ? ` bei ${firm}` : ''}. Wir rufen Sie bis ${time} Uhr zurück.`,
  },
};

export function textBackMessage(firm: string, language: Language, dueAt: number, timezone: string, now: number): string {
  const wording = TEXT_BACK_WORDING[language] ?? TEXT_BACK_WORDING.en;
  if (wording === undefined) throw new Error('the English text-back wording is missing');
  const sameDay = localDay(dueAt, timezone) === localDay(now, timezone);
  const time = new Intl.DateTimeFormat(wording.locale, {
    timeZone: timezone,
    hour: '2-digit',
    minute: '2-digit',
    hour12: false,
    ...(sameDay ? {} : { weekday: 'long' }),
  }).format(dueAt);
  return wording.say(firm, time, sameDay);
}

function localDay(ms: number, timezone: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: timezone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(ms);
}

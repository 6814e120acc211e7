/**
 * The words of the notifications, one table per language. The firm's language (its default
 * route's) picks the table; a language added with only its prompts reads English.
 */
import type { NotificationKind } from './types.js';

export interface Wording {
  /** For luxon's "Tue 1 Dec". */
  readonly locale: string;
  /** Subjects: `due` is "14:32". */
  readonly subject: Readonly<Record<NotificationKind, (caller: string, due: string) => string>>;
  /** First line of the text: `due` is "14:32 (in 9 min)"; `person` the one it is passed to. */
  readonly headline: Readonly<Record<NotificationKind, (caller: string, due: string, person: string) => string>>;
  readonly labels: { readonly caller: string; readonly rang: string; readonly dialled: string; readonly deadline: string };
  readonly route: (id: string) => string;
  readonly callNow: string;
  readonly or: string;
  readonly openOnPhone: string;
  readonly callback: (id: string, status: string) => string;
  /** "3 times, first at 14:22" */
  readonly times: (count: number, first: string) => string;
  readonly now: string;
  readonly inSpan: (span: string) => string;
  readonly agoSpan: (span: string) => string;
  readonly days: (count: number) => string;
  /** The unit of hours in "1 h 35 min". */
  readonly hour: string;
  /** The SMS's "Rang 14:22." */
  readonly smsRang: (rang: string) => string;
  /** A missed call from a number nobody is rung to call back (`why`: the reason, in English). */
  readonly uncallable: {
    readonly subject: (caller: string) => string;
    readonly headline: (caller: string, why: string) => string;
    readonly label: string;
  };
}

const en: Wording = {
  locale: 'en-GB',
  subject: {
    created: (caller, due) => `Call back ${caller} by ${due}`,
    reminder: (caller, due) => `Reminder: call back ${caller} by ${due}`,
    overdue: (caller, due) => `Overdue: call back ${caller} (due ${due})`,
    escalated: (caller, due) => `Escalated: call back ${caller} (due ${due})`,
    failed: (caller) => `Failed: could not reach ${caller}`,
    done: (caller) => `Done: ${caller} was called back`,
  },
  headline: {
    created: (caller, due) => `${caller} called and nobody answered. We promised to call back by ${due}.`,
    reminder: (caller, due) => `${caller} is still waiting: we promised to call back by ${due}.`,
    overdue: (caller, due) => `${caller} is still waiting, and the deadline has passed: we promised to call back by ${due}.`,
    escalated: (caller, due, person) => `${person}, this one is passed to you: ${caller} is still waiting, and we promised to call back by ${due}.`,
    failed: (caller) => `${caller} could not be reached; the callback has been given up.`,
    done: (caller) => `${caller} has been called back; nothing more to do.`,
  },
  labels: { caller: 'Caller', rang: 'Rang', dialled: 'Dialled', deadline: 'Deadline' },
  route: (id) => `route ${id}`,
  callNow: 'To call back now:',
  or: 'or',
  openOnPhone: 'Open it on your phone:',
  callback: (id, status) => `Callback ${id}, ${status}.`,
  times: (count, first) => `${count} times, first at ${first}`,
  now: 'now',
  inSpan: (span) => `in ${span}`,
  agoSpan: (span) => `${span} ago`,
  days: (count) => `${count} days`,
  hour: 'h',
  smsRang: (rang) => `Rang ${rang}.`,
  uncallable: {
    subject: (caller) => `Missed call from ${caller}, who can't be called back`,
    headline: (caller, why) => `${caller} called and nobody answered. Nobody will be rung to call back: ${why}. Call back yourself if you know the caller, then close it.`,
    label: "Can't call back",
  },
};

const da: Wording = {
  locale: 'da-DK',
  subject: {
    created: (caller, due) => `Ring tilbage til ${caller} senest ${due}`,
    reminder: (caller, due) => `Påmindelse: ring tilbage til ${caller} senest ${due}`,
    overdue: (caller, due) => `Overskredet: ring tilbage til ${caller} (senest ${due})`,
    escalated: (caller, due) => `Sendt videre: ring tilbage til ${caller} (senest ${due})`,
    failed: (caller) => `Opgivet: ${caller} kunne ikke nås`,
    done: (caller) => `Klaret: ${caller} er ringet op`,
  },
  headline: {
    created: (caller, due) => `${caller} ringede, og ingen svarede. Vi har lovet at ringe tilbage senest ${due}.`,
    reminder: (caller, due) => `${caller} venter stadig: vi har lovet at ringe tilbage senest ${due}.`,
    overdue: (caller, due) => `${caller} venter stadig, og fristen er overskredet: vi lovede at ringe tilbage senest ${due}.`,
    escalated: (caller, due, person) => `${person}, denne er sendt videre til dig: ${caller} venter stadig, og vi har lovet at ringe tilbage senest ${due}.`,
    failed: (caller) => `${caller} kunne ikke nås; opkaldet tilbage er opgivet.`,
    done: (caller) => `${caller} er ringet op; der er ikke mere at gøre.`,
  },
  labels: { caller: 'Kunde', rang: 'Ringede', dialled: 'Ringede til', deadline: 'Frist' },
  route: (id) => `linje ${id}`,
  callNow: 'Ring tilbage nu:',
  or: 'eller',
  openOnPhone: 'Åbn det på din telefon:',
  callback: (id, status) => `Opkald tilbage ${id}, ${status}.`,
  times: (count, first) => `${count} gange, første gang ${first}`,
  now: 'nu',
  inSpan: (span) => `om ${span}`,
  agoSpan: (span) => `for ${span} siden`,
  days: (count) => `${count} dage`,
  hour: 't',
  smsRang: (rang) => `Ringede ${rang}.`,
  uncallable: {
    subject: (caller) => `Ubesvaret opkald fra ${caller}, som ikke kan ringes op`,
    headline: (caller, why) => `${caller} ringede, og ingen tog den. Ingen bliver ringet op for at ringe tilbage: ${why}. Ring selv tilbage, hvis du kender kunden, og luk den så.`,
    label: 'Kan ikke ringes op',
  },
};

const de: Wording = {
  locale: 'de-DE',
  subject: {
    created: (caller, due) => `${caller} bis ${due} zurückrufen`,
    reminder: (caller, due) => `Erinnerung: ${caller} bis ${due} zurückrufen`,
    overdue: (caller, due) => `Überfällig: ${caller} zurückrufen (bis ${due})`,
    escalated: (caller, due) => `Weitergegeben: ${caller} zurückrufen (bis ${due})`,
    failed: (caller) => `Aufgegeben: ${caller} nicht erreicht`,
    done: (caller) => `Erledigt: ${caller} wurde zurückgerufen`,
  },
  headline: {
    created: (caller, due) => `${caller} hat angerufen, und niemand hat abgenommen. Wir haben einen Rückruf bis ${due} versprochen.`,
    reminder: (caller, due) => `${caller} wartet noch: Wir haben einen Rückruf bis ${due} versprochen.`,
    overdue: (caller, due) => `${caller} wartet noch, und die Frist ist abgelaufen: Wir haben einen Rückruf bis ${due} versprochen.`,
    escalated: (caller, due, person) => `${person}, dieser Rückruf geht an Sie: ${caller} wartet noch, und wir haben einen Rückruf bis ${due} versprochen.`,
    failed: (caller) => `${caller} war nicht zu erreichen; der Rückruf wurde aufgegeben.`,
    done: (caller) => `${caller} wurde zurückgerufen; es ist nichts mehr zu tun.`,
  },
  labels: { caller: 'Anrufer', rang: 'Angerufen', dialled: 'Gewählt', deadline: 'Frist' },
  route: (id) => `Leitung ${id}`,
  callNow: 'Jetzt zurückrufen:',
  or: 'oder',
  openOnPhone: 'Auf dem Telefon öffnen:',
  callback: (id, status) => `Rückruf ${id}, ${status}.`,
  times: (count, first) => `${count}-mal, zuerst um ${first}`,
  now: 'jetzt',
  inSpan: (span) => `in ${span}`,
  agoSpan: (span) => `vor ${span}`,
  days: (count) => `${count} Tagen`,
  hour: 'h',
  smsRang: (rang) => `Angerufen ${rang}.`,
  uncallable: {
    subject: (caller) => `Verpasster Anruf von ${caller}, der nicht zurückgerufen werden kann`,
    headline: (caller, why) => `${caller} hat angerufen, und niemand hat abgenommen. Niemand wird für den Rückruf angeklingelt: ${why}. Rufen Sie selbst zurück, wenn Sie den Anrufer kennen, und schließen Sie den Rückruf dann.`,
    label: 'Kein Rückruf',
  },
};

export const NOTIFICATION_WORDING: Readonly<Record<string, Wording>> = { en, da, de };

export function wordingOf(language: string): Wording {
  return NOTIFICATION_WORDING[language] ?? en;
}

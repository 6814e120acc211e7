/**
 * What a notification says: pure functions from an event to the text people read (e-mail, ntfy,
 * SMS) and the JSON a webhook receives. Times are shown in the firm's time zone, and counted
 * from the event's own time, so the same event always reads the same.
 */
import { parsePhoneNumberFromString } from 'libphonenumber-js';
import { DateTime } from 'luxon';

import type { MessageLanguage, NotificationEvent, NotificationKind, RenderedMessage } from './types.js';
import { wordingOf } from './wording.js';

const MINUTE_MS = 60_000;

/** The e-mail and push version: a subject that says what to do, and the facts to do it. */
export function renderText(event: NotificationEvent, timezone: string, language: MessageLanguage = 'en'): RenderedMessage {
  const words = wordingOf(language);
  const { callback, links } = event;
  const caller = displayNumber(callback.caller);
  const due = localTime(callback.dueAt, event.at, timezone, language);
  const dueAndWhen = `${due} (${relative(callback.dueAt, event.at, language)})`;
  // A number nobody is rung to call back (callable: in the config): the reason instead of a deadline.
  const why = callback.uncallable;
  const uncallable = why !== undefined && isOpen(event.kind);
  const labels = [words.labels.caller, words.labels.rang, words.labels.dialled, words.labels.deadline];
  const width = Math.max(...labels.map((label) => label.length)) + 2;
  const row = (label: string, value: string): string => `${`${label}:`.padEnd(width)}${value}`;
  const lines = [
    uncallable ? words.uncallable.headline(caller, why) : words.headline[event.kind](caller, dueAndWhen, event.person.name),
    '',
    row(words.labels.caller, caller),
    row(words.labels.rang, rangText(callback, event.at, timezone, language)),
    row(words.labels.dialled, `${displayNumber(callback.called)} (${words.route(callback.route)})`),
    why === undefined ? row(words.labels.deadline, dueAndWhen) : `${words.uncallable.label}: ${why}`,
  ];
  if (isOpen(event.kind) && why === undefined) {
    lines.push('', words.callNow, `  ${links.cli}`, `  ${words.or} ${links.dial}`);
  }
  if (links.page !== undefined) lines.push('', `${words.openOnPhone} ${links.page}`);
  lines.push('', words.callback(callback.id, callback.status));
  return { subject: uncallable ? words.uncallable.subject(caller) : words.subject[event.kind](caller, due), text: `${lines.join('\n')}\n` };
}

/** The SMS version: one line, short enough for a single text message in the usual cases. */
export function renderShortText(event: NotificationEvent, timezone: string, language: MessageLanguage = 'en'): string {
  const words = wordingOf(language);
  const { callback } = event;
  const rang = words.smsRang(rangText(callback, event.at, timezone, language));
  const page = isOpen(event.kind) && event.links.page !== undefined ? ` ${event.links.page}` : '';
  const uncallable = callback.uncallable !== undefined && isOpen(event.kind);
  const caller = displayNumber(callback.caller);
  const subject = uncallable ? words.uncallable.subject(caller) : words.subject[event.kind](caller, localTime(callback.dueAt, event.at, timezone, language));
  const note = callback.uncallable === undefined ? deadlineNote(event, language) : ` (${callback.uncallable})`;
  return `nevermiss: ${subject}${note}. ${rang}${page}`;
}

/** Whether the callback still waits for someone to call. */
function isOpen(kind: NotificationKind): boolean {
  switch (kind) {
    case 'created':
    case 'reminder':
    case 'overdue':
    case 'escalated':
      return true;
    case 'failed':
    case 'done':
      return false;
  }
}

/** " (in 8 min)" after the subjects that say "by 14:32"; the others say enough. */
function deadlineNote(event: NotificationEvent, language: MessageLanguage): string {
  return event.kind === 'created' || event.kind === 'reminder' ? ` (${relative(event.callback.dueAt, event.at, language)})` : '';
}

/** "14:22", or "3 times, first at 14:22" for a customer who kept trying. */
function rangText(callback: NotificationEvent['callback'], referenceMs: number, timezone: string, language: MessageLanguage): string {
  const first = localTime(callback.createdAt, referenceMs, timezone, language);
  return callback.attempts > 1 ? wordingOf(language).times(callback.attempts, first) : first;
}

/** "+45 20 12 34 56" for a valid number; anything else as it is. */
export function displayNumber(number: string): string {
  const parsed = parsePhoneNumberFromString(number);
  return parsed?.isValid() === true ? parsed.formatInternational() : number;
}

/** "14:22" on the day of `reference`, else "Tue 1 Dec 14:22", in `timezone`. */
export function localTime(epochMs: number, referenceMs: number, timezone: string, language: MessageLanguage = 'en'): string {
  const time = DateTime.fromMillis(epochMs, { zone: timezone, locale: wordingOf(language).locale });
  const reference = DateTime.fromMillis(referenceMs, { zone: timezone });
  return time.hasSame(reference, 'day') ? time.toFormat('HH:mm') : time.toFormat('ccc d LLL HH:mm');
}

/** "in 8 min", "12 min ago", "now", counted from `referenceMs` and rounded to whole minutes. */
export function relative(epochMs: number, referenceMs: number, language: MessageLanguage = 'en'): string {
  const words = wordingOf(language);
  const minutes = Math.round((epochMs - referenceMs) / MINUTE_MS);
  if (minutes === 0) return words.now;
  return minutes > 0 ? words.inSpan(span(minutes, language)) : words.agoSpan(span(-minutes, language));
}

function span(minutes: number, language: MessageLanguage): string {
  const words = wordingOf(language);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return minutes % 60 === 0 ? `${hours} ${words.hour}` : `${hours} ${words.hour} ${minutes % 60} min`;
  return words.days(Math.floor(hours / 24));
}

/** The JSON a webhook receives; times in ISO 8601, as in the HTTP API. */
export interface WebhookPayload {
  readonly event: NotificationKind;
  /** The delivery id, also in X-Nevermiss-Delivery; inside the signed body, so it cannot be swapped. */
  readonly delivery?: string;
  readonly at: string;
  readonly callback: {
    readonly id: string;
    readonly caller: string;
    readonly called: string;
    readonly route: string;
    readonly status: string;
    readonly createdAt: string;
    readonly dueAt: string;
    readonly attempts: number;
    readonly overdue: boolean;
    /** Why this number can't be called back; absent when it can. */
    readonly uncallable?: string;
  };
  readonly person: { readonly id: string; readonly name: string };
  readonly links: { readonly dial: string; readonly cli: string };
}

export function webhookPayload(event: NotificationEvent, deliveryId?: string): WebhookPayload {
  const { callback } = event;
  return {
    event: event.kind,
    ...(deliveryId === undefined ? {} : { delivery: deliveryId }),
    at: new Date(event.at).toISOString(),
    callback: {
      id: callback.id,
      caller: callback.caller,
      called: callback.called,
      route: callback.route,
      status: callback.status,
      createdAt: new Date(callback.createdAt).toISOString(),
      dueAt: new Date(callback.dueAt).toISOString(),
      attempts: callback.attempts,
      overdue: callback.dueAt < event.at,
      ...(callback.uncallable === undefined ? {} : { uncallable: callback.uncallable }),
    },
    person: { id: event.person.id, name: event.person.name },
    links: { dial: event.links.dial, cli: event.links.cli },
  };
}

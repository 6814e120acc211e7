/**
 * What a notification says: pure functions from an event to the text people read (e-mail, ntfy,
 * SMS) and the JSON a webhook receives. Times are shown in the firm's time zone, and counted
 * from the event's own time, so the same event always reads the same.
 */
import { parsePhoneNumberFromString } from 'libphonenumber-js';
import { DateTime } from 'luxon';

import type { MessageLanguage, NotificationEvent, NotificationKind, RenderedMessage } from './types.js';

const MINUTE_MS = 60_000;

/** The e-mail and push version: a subject that says what to do, and the facts to do it. */
export function renderText(event: NotificationEvent, timezone: string, language: MessageLanguage = 'en'): RenderedMessage {
  switch (language) {
    case 'en':
      return renderEnglish(event, timezone);
  }
}

/** The SMS version: one line, short enough for a single text message in the usual cases. */
export function renderShortText(event: NotificationEvent, timezone: string): string {
  const { callback } = event;
  const rang = `Rang ${rangText(callback, event.at, timezone)}.`;
  const page = isOpen(event.kind) && event.links.page !== undefined ? ` ${event.links.page}` : '';
  const note = event.callback.uncallable === undefined ? deadlineNote(event) : ` (${event.callback.uncallable})`;
  return `nevermiss: ${subjectOf(event, timezone)}${note}. ${rang}${page}`;
}

function renderEnglish(event: NotificationEvent, timezone: string): RenderedMessage {
  const { callback, links } = event;
  const caller = displayNumber(callback.caller);
  const lines = [
    headlineOf(event, timezone),
    '',
    `Caller:   ${caller}`,
    `Rang:     ${rangText(callback, event.at, timezone)}`,
    `Dialled:  ${displayNumber(callback.called)} (route ${callback.route})`,
    callback.uncallable === undefined
      ? `Deadline: ${localTime(callback.dueAt, event.at, timezone)} (${relative(callback.dueAt, event.at)})`
      : `Can't call back: ${callback.uncallable}`,
  ];
  if (isOpen(event.kind) && callback.uncallable === undefined) {
    lines.push('', 'To call back now:', `  ${links.cli}`, `  or ${links.dial}`);
  }
  if (links.page !== undefined) lines.push('', `Open it on your phone: ${links.page}`);
  lines.push('', `Callback ${callback.id}, ${callback.status}.`);
  return { subject: subjectOf(event, timezone), text: `${lines.join('\n')}\n` };
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

function subjectOf(event: NotificationEvent, timezone: string): string {
  const caller = displayNumber(event.callback.caller);
  if (event.callback.uncallable !== undefined && isOpen(event.kind)) return `Missed call from ${caller}, who can't be called back`;
  const due = localTime(event.callback.dueAt, event.at, timezone);
  switch (event.kind) {
    case 'created':
      return `Call back ${caller} by ${due}`;
    case 'reminder':
      return `Reminder: call back ${caller} by ${due}`;
    case 'overdue':
      return `Overdue: call back ${caller} (due ${due})`;
    case 'escalated':
      return `Escalated: call back ${caller} (due ${due})`;
    case 'failed':
      return `Failed: could not reach ${caller}`;
    case 'done':
      return `Done: ${caller} was called back`;
  }
}

function headlineOf(event: NotificationEvent, timezone: string): string {
  const { callback } = event;
  const caller = displayNumber(callback.caller);
  const due = `${localTime(callback.dueAt, event.at, timezone)} (${relative(callback.dueAt, event.at)})`;
  if (callback.uncallable !== undefined && isOpen(event.kind)) {
    return `${caller} called and nobody answered. Nobody will be rung to call back: ${callback.uncallable}. Call back yourself if you know the caller, then close it.`;
  }
  switch (event.kind) {
    case 'created':
      return `${caller} called and nobody answered. We promised to call back by ${due}.`;
    case 'reminder':
      return `${caller} is still waiting: we promised to call back by ${due}.`;
    case 'overdue':
      return `${caller} is still waiting, and the deadline has passed: we promised to call back by ${due}.`;
    case 'escalated':
      return `${event.person.name}, this one is passed to you: ${caller} is still waiting, and we promised to call back by ${due}.`;
    case 'failed':
      return `${caller} could not be reached; the callback has been given up.`;
    case 'done':
      return `${caller} has been called back; nothing more to do.`;
  }
}

/** " (in 8 min)" after the subjects that say "by 14:32"; the others say enough. */
function deadlineNote(event: NotificationEvent): string {
  return event.kind === 'created' || event.kind === 'reminder' ? ` (${relative(event.callback.dueAt, event.at)})` : '';
}

/** "14:22", or "3 times, first at 14:22" for a customer who kept trying. */
function rangText(callback: NotificationEvent['callback'], referenceMs: number, timezone: string): string {
  const first = localTime(callback.createdAt, referenceMs, timezone);
  return callback.attempts > 1 ? `${callback.attempts} times, first at ${first}` : first;
}

/** "+45 20 12 34 56" for a valid number; anything else as it is. */
export function displayNumber(number: string): string {
  const parsed = parsePhoneNumberFromString(number);
  return parsed?.isValid() === true ? parsed.formatInternational() : number;
}

/** "14:22" on the day of `reference`, else "Tue 1 Dec 14:22", in `timezone`. */
export function localTime(epochMs: number, referenceMs: number, timezone: string): string {
  const time = DateTime.fromMillis(epochMs, { zone: timezone, locale: 'en-GB' });
  const reference = DateTime.fromMillis(referenceMs, { zone: timezone });
  return time.hasSame(reference, 'day') ? time.toFormat('HH:mm') : time.toFormat('ccc d LLL HH:mm');
}

/** "in 8 min", "12 min ago", "now", counted from `referenceMs` and rounded to whole minutes. */
export function relative(epochMs: number, referenceMs: number): string {
  const minutes = Math.round((epochMs - referenceMs) / MINUTE_MS);
  if (minutes === 0) return 'now';
  return minutes > 0 ? `in ${span(minutes)}` : `${span(-minutes)} ago`;
}

function span(minutes: number): string {
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return minutes % 60 === 0 ? `${hours} h` : `${hours} h ${minutes % 60} min`;
  return `${Math.floor(hours / 24)} days`;
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

/**
 * The notifier: which channels reach a person, and one delivery of one event over one of them.
 * It neither retries nor remembers: the caller claims each (event, channel) once in Redis, sends
 * it here, and on a retryable NM_NOTIFY_FAILED schedules the next try with nextRetryDelay
 * (retry.ts). See docs/decisions/0009-notifications.md.
 */
import type { Config, NotifyTargets, Person } from '../config/types.js';
import { createEmailSender } from './channels/email.js';
import type { EmailSender } from './channels/email.js';
import { sendNtfy } from './channels/ntfy.js';
import { sendSms } from './channels/sms.js';
import { sendWebhook } from './channels/webhook.js';
import { notifyFailed } from './failure.js';
import { displayUrl, HTTP_TIMEOUT_MS } from './http.js';
import { renderShortText, renderText } from './message.js';
import { CHANNEL_NAMES } from './types.js';
import type { Channel, ChannelName, NotificationEvent } from './types.js';

export interface NotifierDeps {
  /** For the webhook, ntfy and SMS channels; default the global fetch. */
  readonly fetch?: typeof fetch;
  /** Epoch ms, for the Date of an e-mail; default Date.now. */
  readonly now?: () => number;
  /** How long an HTTP receiver may take to answer; default 5 s. */
  readonly httpTimeoutMs?: number;
}

export interface Notifier {
  /** The channels that reach a person, in the order email, webhook, ntfy, sms; [] for an unknown person. */
  targets(personId: string): Channel[];
  /**
   * Delivers one event over one channel, once. `deliveryId` names this delivery to the receiver
   * (X-Nevermiss-Delivery) and stays the same for its retries, so a receiver can drop repeats.
   * @throws NevermissError NM_NOTIFY_FAILED with details { channel, retryable, address, status? }.
   */
  send(channel: Channel, event: NotificationEvent, deliveryId: string): Promise<void>;
  /**
   * A text message to a caller (the text-back) over the SMS gateway, like any other message:
   * the same checks, timeouts and coded failures. `deliveryId` names it for logs and retries.
   * @throws NevermissError NM_NOTIFY_FAILED with details { channel: 'sms', retryable, address }.
   */
  textCaller(number: string, text: string, deliveryId: string): Promise<void>;
  /** Lets go of the mail transport; for a notifier replaced after a config reload. */
  close(): void;
}

/** Printable ASCII: it goes into HTTP and mail headers as it is. */
const DELIVERY_ID_PATTERN = /^[\x21-\x7e]{1,200}$/;

export function createNotifier(config: Config, deps: NotifierDeps = {}): Notifier {
  const fetchFn = deps.fetch ?? globalThis.fetch;
  const now = deps.now ?? Date.now;
  const timeoutMs = deps.httpTimeoutMs ?? HTTP_TIMEOUT_MS;
  const email: EmailSender | null = config.smtp === null ? null : createEmailSender(config.smtp);

  /** Messages read in the time zone of the route that took the call, where the customer rang. */
  const timezoneOf = (event: NotificationEvent): string => config.routes[event.callback.route]?.timezone ?? config.firm.timezone;
  // The firm's language, that of its default route, as on the phone page.
  const language = config.routes[config.defaultRoute]?.language ?? 'en';

  return {
    targets(personId) {
      const person = config.people[personId];
      if (person === undefined) return [];
      return CHANNEL_NAMES.flatMap((name): Channel[] => {
        const address = addressOf(name, person.notify);
        return address === null ? [] : [{ name, person: personId, address }];
      });
    },

    async send(channel, event, deliveryId) {
      if (!DELIVERY_ID_PATTERN.test(deliveryId)) {
        throw new RangeError(`deliveryId must be 1 to 200 printable ASCII characters without spaces, got ${JSON.stringify(deliveryId)}`);
      }
      const person = config.people[channel.person];
      const unavailable = (reason: string): Error =>
        notifyFailed(
          `${channel.name} to ${channel.address}`,
          reason,
          { channel: channel.name, retryable: false, address: channel.address },
          'the config changed since this notification was planned; plan it again from the current config',
        );
      if (person === undefined) throw unavailable(`person "${channel.person}" is not in the config`);

      const timezone = timezoneOf(event);
      const { notify } = person;
      switch (channel.name) {
        case 'email': {
          if (notify.email === null || email === null) throw unavailable(`${describe(person)} has no e-mail address`);
          const message = renderText(event, timezone, language);
          await email.send({ to: notify.email, message, kind: event.kind, deliveryId, date: new Date(now()) });
          return;
        }
        case 'webhook':
          if (notify.webhook === null) throw unavailable(`${describe(person)} has no webhook`);
          await sendWebhook(fetchFn, notify.webhook, event, deliveryId, timeoutMs);
          return;
        case 'ntfy':
          if (notify.ntfy === null) throw unavailable(`${describe(person)} has no ntfy topic`);
          await sendNtfy(fetchFn, notify.ntfy, event.kind, renderText(event, timezone, language), timeoutMs, {
            ...(event.links.page === undefined ? {} : { page: event.links.page }),
            ...(event.links.actions === undefined ? {} : { actions: event.links.actions }),
          });
          return;
        case 'sms':
          if (notify.sms === null || config.sms === null) throw unavailable(`${describe(person)} has no SMS number`);
          await sendSms(fetchFn, config.sms, notify.sms, renderShortText(event, timezone, language), timeoutMs);
          return;
      }
    },

    async textCaller(number, text, deliveryId) {
      if (!DELIVERY_ID_PATTERN.test(deliveryId)) {
        throw new RangeError(`deliveryId must be 1 to 200 printable ASCII characters without spaces, got ${JSON.stringify(deliveryId)}`);
      }
      if (config.sms === null) {
        throw notifyFailed(`sms to ${number}`, 'no SMS gateway in the config', { channel: 'sms', retryable: false, address: number }, 'set sms: in the config to text callers back');
      }
      await sendSms(fetchFn, config.sms, number, text, timeoutMs);
    },

    close() {
      email?.close();
    },
  };
}

/** The channels that reach a person of this config, in the order email, webhook, ntfy, sms; [] for an unknown person. Pure. */
export function channelsOf(config: Config, personId: string): ChannelName[] {
  const person = config.people[personId];
  if (person === undefined) return [];
  return CHANNEL_NAMES.filter((name) => addressOf(name, person.notify) !== null);
}

/** Where a channel goes, safe for logs; null when the person has no such target. */
function addressOf(name: ChannelName, notify: NotifyTargets): string | null {
  switch (name) {
    case 'email':
      return notify.email;
    case 'webhook':
      return notify.webhook === null ? null : displayUrl(notify.webhook.url);
    case 'ntfy':
      return notify.ntfy === null ? null : displayUrl(notify.ntfy.url);
    case 'sms':
      return notify.sms;
  }
}

function describe(person: Person): string {
  return person.name === person.id ? person.id : `${person.name} (${person.id})`;
}

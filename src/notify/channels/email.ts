/**
 * The e-mail channel: nodemailer over SMTP, one transport per config, reused for every message.
 * The transport opens a connection per message and holds none in between, so an idle notifier
 * keeps no socket (and no timer) open.
 */
import { createTransport } from 'nodemailer';

import type { SmtpSettings } from '../../config/types.js';
import { describeError } from '../../errors.js';
import { notifyFailed } from '../failure.js';
import type { NotificationKind, RenderedMessage } from '../types.js';
import { DELIVERY_HEADER, EVENT_HEADER } from './webhook.js';

/** How long each step of talking to the mail server may take. */
export const SMTP_TIMEOUTS_MS = { connection: 10_000, greeting: 10_000, socket: 30_000 } as const;

/** The failures that say the setup is wrong rather than that the server is busy or away. */
const CONFIG_ERROR_CODES = new Set(['EAUTH', 'ENOAUTH', 'ECONFIG', 'EOAUTH2']);

export interface Mail {
  readonly to: string;
  readonly message: RenderedMessage;
  readonly kind: NotificationKind;
  readonly deliveryId: string;
  readonly date: Date;
}

export interface EmailSender {
  send(mail: Mail): Promise<void>;
  close(): void;
}

/** A nodemailer transport to smtp.url, with our timeouts. */
function transportFor(smtp: SmtpSettings): ReturnType<typeof createTransport> {
  return createTransport({
    url: smtp.url,
    connectionTimeout: SMTP_TIMEOUTS_MS.connection,
    greetingTimeout: SMTP_TIMEOUTS_MS.greeting,
    socketTimeout: SMTP_TIMEOUTS_MS.socket,
  });
}

export function createEmailSender(smtp: SmtpSettings): EmailSender {
  const transport = transportFor(smtp);
  const server = mailServerOf(smtp.url);
  return {
    async send({ to, message, kind, deliveryId, date }) {
      try {
        await transport.sendMail({
          from: smtp.from,
          to,
          subject: message.subject,
          text: message.text,
          date,
          headers: { [EVENT_HEADER]: kind, [DELIVERY_HEADER]: deliveryId },
        });
      } catch (error) {
        const retryable = isRetryableMailError(error);
        const status = responseCodeOf(error);
        throw notifyFailed(
          `e-mail to ${to} through ${server}`,
          describeError(error),
          { channel: 'email', retryable, address: to, ...(status === undefined ? {} : { status }) },
          'check smtp.url (server, user and password), smtp.from and the address',
          error,
        );
      }
    },
    close() {
      transport.close();
    },
  };
}

/**
 * A 5xx reply (except 503) rejects the message for good, and wrong credentials stay wrong; a 4xx
 * reply, a timeout or a lost connection may go better later. nodemailer marks the reply class
 * as `permanent`.
 */
export function isRetryableMailError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return true;
  if ('permanent' in error && error.permanent === true) return false;
  return !('code' in error && typeof error.code === 'string' && CONFIG_ERROR_CODES.has(error.code));
}

function responseCodeOf(error: unknown): number | undefined {
  return typeof error === 'object' && error !== null && 'responseCode' in error && typeof error.responseCode === 'number'
    ? error.responseCode
    : undefined;
}

/** host:port for messages; never the user or password. */
function mailServerOf(url: string): string {
  const { hostname, port, protocol } = new URL(url);
  return `${hostname}:${port === '' ? (protocol === 'smtps:' ? '465' : '587') : port}`;
}

/**
 * Whether the mail server takes our connection and our login (nodemailer's verify: connect,
 * EHLO, STARTTLS, AUTH), without sending anything. For `nevermiss doctor`.
 * @returns the server as host:port.
 */
export async function verifyMailServer(smtp: SmtpSettings): Promise<string> {
  const transport = transportFor(smtp);
  const server = mailServerOf(smtp.url);
  try {
    await transport.verify();
    return server;
  } catch (error) {
    throw notifyFailed(`connecting to the mail server ${server}`, describeError(error), { channel: 'email', retryable: isRetryableMailError(error), address: server }, 'check smtp.url (server, port, user and password)', error);
  } finally {
    transport.close();
  }
}

/**
 * The schemas of notifications about callbacks: how each person hears about them (people.X.notify),
 * the SMTP server and SMS gateway that carry them, and the callbacks section (who is told, when
 * reminders and escalations come, how customers are dialled). Each value is checked on its own
 * here; relations to the rest of the file (a person named exists, e-mail needs smtp:) are in
 * notify-checks.ts.
 */
import { z } from 'zod';

import { describeKind, describeLength, expectation, expecting, expectingText } from './messages.js';
import {
  DIAL_STRING_PATTERN,
  duration,
  HOUR,
  MINUTE,
  name,
  nonEmpty,
  phoneNumberText,
  SECOND,
  secret,
  settings,
  url,
  wholeNumber,
} from './schema-kit.js';

export const NOTIFY_DURATION_LIMITS = {
  retryPause: { min: MINUTE, max: 24 * HOUR },
  minTalk: { min: 0, max: 10 * MINUTE },
  dialLease: { min: 5 * SECOND, max: HOUR },
} as const;

export const WEBHOOK_SECRET_MIN_LENGTH = 16;
export const ATTEMPT_LIMITS = { min: 1, max: 10 } as const;
export const JOB_CONCURRENCY_LIMITS = { min: 1, max: 64 } as const;

/** What a template puts where the customer's number and the message go. */
export const SMS_PLACEHOLDERS = { to: '{to}', text: '{text}' } as const;
/** Where the number goes in callbacks.dial. */
export const DIAL_PLACEHOLDER = '{number}';
/** The body a POST gateway gets when the config gives none. */
export const DEFAULT_SMS_BODY = '{"to":"{to}","text":"{text}"}';

/**
 * How values are escaped in an SMS body template: as JSON string content in a JSON body, URL-encoded
 * in a form (`to={to}&text={text}`), as they are in any other body. The Content-Type header decides;
 * without one, a body that starts like JSON is JSON and any other is a form. The notifier uses the
 * same rule, and sends the Content-Type it chose.
 */
export type SmsBodyFormat = 'json' | 'form' | 'text';

export function smsBodyFormat(body: string, headers: Readonly<Record<string, string>>): SmsBodyFormat {
  const contentType = Object.entries(headers).find(([header]) => header.toLowerCase() === 'content-type')?.[1];
  if (contentType === undefined) return /^\s*[[{]/.test(body) ? 'json' : 'form';
  if (/[/+]json\b/i.test(contentType)) return 'json';
  return /application\/x-www-form-urlencoded/i.test(contentType) ? 'form' : 'text';
}

// Deliberately loose: the mail server has the last word; this catches a name or a phone number
// written where the address goes.
const ADDRESS = '[^\\s@<>()\\[\\],;:"]+@[^\\s@<>()\\[\\],;:"]+\\.[^\\s@<>()\\[\\],;:".]+';
const EMAIL_PATTERN = new RegExp(`^${ADDRESS}$`);
/** `nevermiss@example.dk`, or with a display name: `nevermiss <nevermiss@example.dk>`. */
const SENDER_PATTERN = new RegExp(`^(?:${ADDRESS}|[^<>]*<${ADDRESS}>)$`);
/** An HTTP header name (RFC 9110 token). */
const HEADER_NAME_PATTERN = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;
/** A header value on one line. */
const HEADER_VALUE_PATTERN = /^[^\r\n]*$/;
const PERCENT_PATTERN = /^([0-9]{1,2})%$/;

const EMAIL_PHRASE = 'an e-mail address like "anna@example.dk"';
const emailAddress = z
  .string({ error: expecting(EMAIL_PHRASE) })
  .regex(EMAIL_PATTERN, { error: expecting(EMAIL_PHRASE) });

const httpUrl = (example: string) => url(/^https?$/, `an http:// or https:// URL like "${example}"`);

const WEBHOOK_SECRET_PHRASE = `a shared secret of at least ${WEBHOOK_SECRET_MIN_LENGTH} characters, to sign each request`;

const webhook = settings(
  {
    url: httpUrl('https://crm.example/hook').describe('Where the notification is POSTed as JSON.'),
    secret: z
      .string({ error: expectingText(WEBHOOK_SECRET_PHRASE, describeKind) })
      .min(WEBHOOK_SECRET_MIN_LENGTH, { error: expecting(WEBHOOK_SECRET_PHRASE, describeLength) })
      .describe(
        `Signs each request: X-Nevermiss-Signature is sha256=<hex HMAC-SHA256 of the body>. At least ${WEBHOOK_SECRET_MIN_LENGTH} characters.`,
      ),
  },
  'webhook settings (url:, secret:)',
);

const NTFY_URL_PHRASE = 'the topic\'s URL, like "https://ntfy.sh/hansen-anna"';

const ntfy = settings(
  {
    url: url(/^https?$/, NTFY_URL_PHRASE)
      .refine((text) => new URL(text).pathname.replace(/\/+$/, '') !== '', { error: expecting(NTFY_URL_PHRASE) })
      .describe('The ntfy topic URL the notification is published to.'),
    token: secret('an ntfy access token').optional().describe('Sent as "Authorization: Bearer <token>". Default: none.'),
  },
  'ntfy settings (url:, token:)',
);

const notifyTargets = settings(
  {
    email: emailAddress.optional().describe('E-mail address; needs the smtp: section.'),
    webhook: webhook.optional().describe('A URL that receives each notification as signed JSON.'),
    ntfy: ntfy.optional().describe('An ntfy topic (push notifications to a phone app).'),
    sms: phoneNumberText('a mobile number in quotes, like "+4520123456"')
      .optional()
      .describe('Mobile number for text messages, read with firm.country; needs the sms: section.'),
  },
  'notification settings (email:, webhook:, ntfy:, sms:)',
).refine((targets) => Object.values(targets).some((target) => target !== undefined), {
  error: expecting('at least one of email:, webhook:, ntfy: or sms:'),
  // A misspelt channel is reported as an unknown key; "none given" would say it twice.
  when: (payload) => payload.issues.length === 0,
});

export const NotifyTargetsSchema = notifyTargets.describe('How this person hears about callbacks; any of these.');

const SENDER_PHRASE = 'a sender like "nevermiss <nevermiss@example.dk>" or "nevermiss@example.dk"';

export const SmtpSchema = settings(
  {
    url: url(/^smtps?$/, 'an smtp:// or smtps:// URL like "smtp://user:password@mail.example.dk:587"').describe(
      'The mail server: smtp:// (STARTTLS when the server offers it) or smtps:// (TLS), with user and password.',
    ),
    from: z
      .string({ error: expectingText(SENDER_PHRASE) })
      .regex(SENDER_PATTERN, { error: expecting(SENDER_PHRASE) })
      .describe('The sender of every e-mail, like "nevermiss <nevermiss@example.dk>".'),
  },
  'smtp settings (url:, from:)',
).describe('The mail server for notify.email.');

const HEADER_PHRASE = 'header names with values, like "Authorization: Bearer ${SMS_TOKEN}"';

const SMS_URL_PHRASE = 'an http:// or https:// URL like "https://gateway.example/send"';

/**
 * Not z.url(): its JSON Schema says "format": "uri", and a URI may not hold the braces of
 * {to} and {text}, so editors would underline a valid template.
 */
const smsGatewayUrl = z
  .string({ error: expecting(SMS_URL_PHRASE) })
  .refine((text) => isHttpUrl(fillPlaceholders(text, 'x')), { error: expecting(SMS_URL_PHRASE) });

function isHttpUrl(text: string): boolean {
  return URL.canParse(text) && /^https?:$/.test(new URL(text).protocol);
}

/** The template with every placeholder replaced by `value`. */
function fillPlaceholders(template: string, value: string): string {
  return Object.values(SMS_PLACEHOLDERS).reduce((text, placeholder) => text.replaceAll(placeholder, value), template);
}

const smsSettings = settings(
  {
    url: smsGatewayUrl.describe('The gateway\'s URL; may hold {to} and {text}, which are URL-encoded.'),
    method: z.enum(['GET', 'POST']).default('POST').describe('GET or POST. Default POST.'),
    headers: z
      .record(
        z.string().regex(HEADER_NAME_PATTERN, { error: expecting('an HTTP header name like "Authorization"') }),
        z
          .string({ error: expectingText('a header value on one line', describeKind) })
          .regex(HEADER_VALUE_PATTERN, { error: expecting('a header value on one line', describeKind) }),
        { error: expecting(HEADER_PHRASE) },
      )
      .prefault({})
      .describe('Extra request headers, such as Authorization. Default: none.'),
    body: nonEmpty('a body template like \'{"to":"{to}","text":"{text}"}\'')
      .optional()
      .describe(
        'Only with POST: the request body, with {to} and {text}; JSON-escaped in a JSON body, URL-encoded in a form. Default: {"to":"{to}","text":"{text}"}.',
      ),
  },
  'sms gateway settings (url:, method:, headers:, body:)',
).superRefine((gateway, context) => {
  const report = (path: string, input: unknown, message: string): void => {
    context.addIssue({ code: 'custom', path: [path], input, message });
  };
  if (gateway.method === 'GET' && gateway.body !== undefined) {
    report('body', gateway.body, 'a GET request has no body; put {to} and {text} in url:, or use method: POST');
    return;
  }
  const body = gateway.method === 'POST' ? (gateway.body ?? DEFAULT_SMS_BODY) : '';
  const bodyProblem = jsonBodyProblem(body, gateway.headers);
  if (gateway.body !== undefined && bodyProblem !== undefined) report('body', gateway.body, bodyProblem);
  for (const placeholder of Object.values(SMS_PLACEHOLDERS)) {
    if (gateway.url.includes(placeholder) || body.includes(placeholder)) continue;
    const where = gateway.method === 'GET' ? 'url:' : 'url: or body:';
    const at = gateway.method === 'GET' || gateway.body === undefined ? 'url' : 'body';
    report(at, at === 'url' ? gateway.url : gateway.body, `${placeholder} appears nowhere; put it in ${where} so the gateway gets it`);
  }
});

/** A JSON template must still be JSON once the placeholders are filled in, so they belong inside quotes. */
function jsonBodyProblem(body: string, headers: Readonly<Record<string, string>>): string | undefined {
  if (smsBodyFormat(body, headers) !== 'json') return undefined;
  try {
    JSON.parse(fillPlaceholders(body, 'x'));
    return undefined;
  } catch {
    return `expected a JSON body with {to} and {text} inside quotes, like '${DEFAULT_SMS_BODY}'; this one is not JSON once they are filled in`;
  }
}

export const SmsGatewaySchema = smsSettings.describe('An HTTP SMS gateway, for notify.sms.');

const REMIND_AT_PHRASE = 'a share of the deadline between 1% and 99%, like "70%"';

const remindAt = z
  .string({ error: expecting(REMIND_AT_PHRASE) })
  .regex(PERCENT_PATTERN, { error: expecting(REMIND_AT_PHRASE), abort: true })
  .refine((text) => percentOf(text) >= 1, { error: expecting(REMIND_AT_PHRASE) })
  .transform((text) => percentOf(text) / 100);

function percentOf(text: string): number {
  return Number(PERCENT_PATTERN.exec(text)?.[1]);
}


const attempts = wholeNumber(ATTEMPT_LIMITS, 3);

const DIAL_PHRASE = 'an Asterisk dial string with {number} where the customer\'s number goes, like "PJSIP/trunk/sip:{number}@provider"';

const dialTemplate = z
  .string({ error: expecting(DIAL_PHRASE) })
  .refine((text) => text.includes(DIAL_PLACEHOLDER), {
    error: (issue) => `${expectation(DIAL_PHRASE, issue.input)}, which has no {number}`,
    abort: true,
  })
  .refine((text) => DIAL_STRING_PATTERN.test(text.replaceAll(DIAL_PLACEHOLDER, '+4520123456')), {
    error: expecting(DIAL_PHRASE),
  });

const PEOPLE_PHRASE = 'a list of people, like [owner]';

export const CALLBACK_DEFAULTS = {
  remindAt: '70%',
  attempts: 3,
  retryPause: '10m',
  minTalk: '20s',
  dialLease: '90s',
  jobConcurrency: 8,
} as const;

export const CallbacksSchema = settings(
  {
    notify: z
      .array(name('a person name'), { error: expecting(PEOPLE_PHRASE) })
      .optional()
      .describe('Who is told at once about a new callback. Default: everyone with a notify: section.'),
    remindAt: remindAt
      .prefault(CALLBACK_DEFAULTS.remindAt)
      .describe('A reminder when this share of the deadline has passed (1% to 99%). Default 70%.'),
    escalateTo: z
      .array(name('a person name'), { error: expecting(PEOPLE_PHRASE) })
      .prefault([])
      .describe('Who is told when the deadline passes with the callback still open. Default [].'),
    ringOnEscalation: z
      .boolean()
      .default(false)
      .describe('Also ring the phones of the escalateTo people, with a whisper. Default false.'),
    attempts: attempts
      .default(CALLBACK_DEFAULTS.attempts)
      .describe('Dial attempts before the callback is failed (1 to 10). Default 3.'),
    retryPause: duration(NOTIFY_DURATION_LIMITS.retryPause)
      .prefault(CALLBACK_DEFAULTS.retryPause)
      .describe('Pause after a failed attempt before the next reminder (1m to 24h). Default 10m.'),
    minTalk: duration(NOTIFY_DURATION_LIMITS.minTalk)
      .prefault(CALLBACK_DEFAULTS.minTalk)
      .describe('A callback counts as done only when the customer talked this long (0s to 10m). Default 20s.'),
    dial: dialTemplate
      .optional()
      .describe('How nevermiss dials a customer, with {number} in E.164, like "PJSIP/trunk/sip:{number}@provider".'),
    dialLease: duration(NOTIFY_DURATION_LIMITS.dialLease)
      .prefault(CALLBACK_DEFAULTS.dialLease)
      .describe(
        'How long a dial-back holds its callback without a sign of life from its service (5s to 1h); the live dial renews it every third of it. ' +
          'A callback whose service stopped mid dial-back is pending again this long after, at most a minute later. Default 90s.',
      ),
    jobConcurrency: wholeNumber(JOB_CONCURRENCY_LIMITS, CALLBACK_DEFAULTS.jobConcurrency)
      .default(CALLBACK_DEFAULTS.jobConcurrency)
      .describe('How many follow-up jobs one instance runs at once per queue (1 to 64): one queue for reminders and escalations, one per notification channel, so a slow channel holds up only its own. Default 8.'),
  },
  'callback settings (notify:, remindAt:, escalateTo:, ringOnEscalation:, attempts:, retryPause:, minTalk:, dial:, dialLease:, jobConcurrency:)',
)
  .superRefine((callbacks, context) => {
    if (!callbacks.ringOnEscalation || callbacks.escalateTo.length > 0) return;
    context.addIssue({
      code: 'custom',
      path: ['ringOnEscalation'],
      input: callbacks.ringOnEscalation,
      message: 'escalateTo is empty, so there is nobody to ring; list people in escalateTo or remove ringOnEscalation',
    });
  })
  .prefault({})
  .describe('What happens to a callback after the call: who is told, reminders, escalation and dialling.');

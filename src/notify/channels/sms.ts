/**
 * The SMS channel: an HTTP gateway described by a template. {to} and {text} in the URL are
 * URL-encoded; in the body they are JSON-escaped when the body is JSON, URL-encoded when it is a
 * form, and put in as they are otherwise (smsBodyFormat in config/schema-notify.ts decides, for
 * the config check and here alike).
 */
import { DEFAULT_SMS_BODY, SMS_PLACEHOLDERS, smsBodyFormat } from '../../config/schema-notify.js';
import type { SmsBodyFormat } from '../../config/schema-notify.js';
import type { SmsGateway } from '../../config/types.js';
import { deliverOverHttp, displayUrl } from '../http.js';
import type { HttpRequest } from '../http.js';

type Values = Readonly<Record<keyof typeof SMS_PLACEHOLDERS, string>>;

/** The request for one text message to `to` (E.164), built without sending it. */
export function smsRequest(gateway: SmsGateway, to: string, text: string): HttpRequest {
  const values: Values = { to, text };
  const url = fillTemplate(gateway.url, values, encodeURIComponent);
  if (gateway.method === 'GET') return { method: 'GET', url, headers: { 'User-Agent': 'nevermiss', ...gateway.headers } };

  const template = gateway.body ?? DEFAULT_SMS_BODY;
  const format = smsBodyFormat(template, gateway.headers);
  const hasContentType = Object.keys(gateway.headers).some((header) => header.toLowerCase() === 'content-type');
  return {
    method: 'POST',
    url,
    headers: { 'User-Agent': 'nevermiss', ...(hasContentType ? {} : { 'Content-Type': CONTENT_TYPES[format] }), ...gateway.headers },
    body: fillTemplate(template, values, ESCAPES[format]),
  };
}

/** Only used without a Content-Type of the user's, and then the format is JSON or a form. */
const CONTENT_TYPES: Readonly<Record<SmsBodyFormat, string>> = {
  json: 'application/json; charset=utf-8',
  form: 'application/x-www-form-urlencoded',
  text: 'text/plain; charset=utf-8',
};

const ESCAPES: Readonly<Record<SmsBodyFormat, (value: string) => string>> = {
  json: jsonEscape,
  form: encodeURIComponent,
  text: (value) => value,
};

/** Every placeholder replaced by its value, escaped for where it stands. Values are never re-scanned. */
export function fillTemplate(template: string, values: Values, escape: (value: string) => string): string {
  return template.replace(/\{(to|text)\}/g, (_placeholder, key: keyof Values) => escape(values[key]));
}

/** A value as it stands between the quotes of a JSON string. */
function jsonEscape(value: string): string {
  return JSON.stringify(value).slice(1, -1);
}

export async function sendSms(fetchFn: typeof fetch, gateway: SmsGateway, to: string, text: string, timeoutMs: number): Promise<void> {
  const address = displayUrl(gateway.url);
  await deliverOverHttp(
    fetchFn,
    smsRequest(gateway, to, text),
    {
      channel: 'sms',
      what: `text message to ${to} through ${address}`,
      address: to,
      hint: 'check the sms gateway settings (url, method, headers, body) and the number',
    },
    timeoutMs,
  );
}

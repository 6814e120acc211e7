/**
 * The webhook channel: the event as JSON in a POST, signed with the person's secret so the
 * receiver can tell it came from us. The signature covers the exact bytes sent, so a receiver
 * verifies the raw body before parsing it.
 */
import { createHmac } from 'node:crypto';

import { deliverOverHttp, displayUrl } from '../http.js';
import type { HttpRequest } from '../http.js';
import { webhookPayload } from '../message.js';
import type { NotificationEvent } from '../types.js';

export const SIGNATURE_HEADER = 'X-Nevermiss-Signature';
export const EVENT_HEADER = 'X-Nevermiss-Event';
export const DELIVERY_HEADER = 'X-Nevermiss-Delivery';

export interface WebhookTarget {
  readonly url: string;
  readonly secret: string;
}

/** `sha256=<hex HMAC-SHA256 of body, keyed with secret>`, the X-Nevermiss-Signature value. */
export function signBody(body: string | Uint8Array, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** The request, built without sending it: the body bytes and the signature over exactly them. */
export function webhookRequest(target: WebhookTarget, event: NotificationEvent, deliveryId: string): HttpRequest {
  const body = Buffer.from(JSON.stringify(webhookPayload(event, deliveryId)), 'utf8');
  return {
    method: 'POST',
    url: target.url,
    headers: {
      'Content-Type': 'application/json; charset=utf-8',
      'User-Agent': 'nevermiss',
      [SIGNATURE_HEADER]: signBody(body, target.secret),
      [EVENT_HEADER]: event.kind,
      [DELIVERY_HEADER]: deliveryId,
    },
    body,
  };
}

export async function sendWebhook(
  fetchFn: typeof fetch,
  target: WebhookTarget,
  event: NotificationEvent,
  deliveryId: string,
  timeoutMs: number,
): Promise<void> {
  const address = displayUrl(target.url);
  const request = webhookRequest(target, event, deliveryId);
  await deliverOverHttp(
    fetchFn,
    request,
    {
      channel: 'webhook',
      what: `webhook to ${address}`,
      address,
      hint: 'check webhook.url, and that the receiver accepts requests signed with webhook.secret',
    },
    timeoutMs,
  );
}

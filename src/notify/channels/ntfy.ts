/**
 * The ntfy channel: the message as the body of a POST to the topic URL, with ntfy's Title,
 * Priority and Tags headers (https://docs.ntfy.sh/publish/). Works with ntfy.sh, a self-hosted
 * ntfy server, or anything that speaks the same.
 */
import { deliverOverHttp, displayUrl } from '../http.js';
import type { HttpRequest } from '../http.js';
import type { NotificationKind, RenderedMessage } from '../types.js';

export interface NtfyTarget {
  readonly url: string;
  readonly token: string | null;
}

/** The deadline has passed: those must not wait for the next glance at the phone. */
export function ntfyPriority(kind: NotificationKind): 'low' | 'default' | 'high' {
  switch (kind) {
    case 'overdue':
    case 'escalated':
      return 'high';
    case 'created':
    case 'reminder':
    case 'failed':
      return 'default';
    case 'done':
      return 'low';
  }
}

/** ntfy shows tags that name an emoji as that emoji; the kind itself lets a client filter. */
export function ntfyTags(kind: NotificationKind): string {
  const emoji: Record<NotificationKind, string> = {
    created: 'telephone_receiver',
    reminder: 'alarm_clock',
    overdue: 'warning',
    escalated: 'rotating_light',
    failed: 'x',
    done: 'white_check_mark',
  };
  return `${emoji[kind]},nevermiss,${kind}`;
}

/**
 * HTTP header values are Latin-1 at best, and a subject may hold any name; ntfy (2.4 and later)
 * decodes RFC 2047 encoded words, so text beyond ASCII goes as one.
 */
export function headerText(text: string): string {
  return /^[\x20-\x7e]*$/.test(text) ? text : `=?UTF-8?B?${Buffer.from(text, 'utf8').toString('base64')}?=`;
}

/** What a push can link to: the callback's page (tapping the notification) and its one-tap actions. */
export interface NtfyLinks {
  readonly page?: string;
  readonly actions?: { readonly dial: string; readonly done: string };
}

/**
 * ntfy's Actions header (https://docs.ntfy.sh/publish/#action-buttons): two http buttons that POST
 * to single-use action URLs from the phone itself, and clear the notification when they worked.
 * The URLs are base64url tokens under publicUrl, so they hold no "," or ";" that would need quoting.
 */
export function ntfyActions(actions: NonNullable<NtfyLinks['actions']>): string {
  return [`http, Ring me now, ${actions.dial}, method=POST, clear=true`, `http, Done, ${actions.done}, method=POST, clear=true`].join('; ');
}

export function ntfyRequest(target: NtfyTarget, kind: NotificationKind, message: RenderedMessage, links: NtfyLinks = {}): HttpRequest {
  return {
    method: 'POST',
    url: target.url,
    headers: {
      'Content-Type': 'text/plain; charset=utf-8',
      'User-Agent': 'nevermiss',
      Title: headerText(message.subject),
      Priority: ntfyPriority(kind),
      Tags: ntfyTags(kind),
      ...(links.page === undefined ? {} : { Click: links.page }),
      ...(links.actions === undefined ? {} : { Actions: ntfyActions(links.actions) }),
      ...(target.token === null ? {} : { Authorization: `Bearer ${target.token}` }),
    },
    body: message.text,
  };
}

export async function sendNtfy(
  fetchFn: typeof fetch,
  target: NtfyTarget,
  kind: NotificationKind,
  message: RenderedMessage,
  timeoutMs: number,
  links: NtfyLinks = {},
): Promise<void> {
  const address = displayUrl(target.url);
  await deliverOverHttp(
    fetchFn,
    ntfyRequest(target, kind, message, links),
    { channel: 'ntfy', what: `ntfy message to ${address}`, address, hint: 'check ntfy.url and ntfy.token' },
    timeoutMs,
  );
}

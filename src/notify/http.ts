/**
 * One HTTP request of the webhook, ntfy and SMS channels, with a deadline, and the one rule
 * for what its outcome means: 2xx delivered; 408, 429, 5xx, a timeout or a network error may
 * go through later; any other answer will not.
 */
import { describeError } from '../errors.js';
import { notifyFailed } from './failure.js';
import type { ChannelName } from './types.js';

/** How long a receiver may take to answer. */
export const HTTP_TIMEOUT_MS = 5_000;

/** Kept short: a receiver's error page is for a hint in the log, not for the log itself. */
const LONGEST_RESPONSE_EXCERPT = 200;

export interface HttpRequest {
  readonly method: 'GET' | 'POST';
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string | Uint8Array;
}

export interface HttpTarget {
  readonly channel: ChannelName;
  /** Names the attempt in errors, like "webhook to https://crm.example/hook". */
  readonly what: string;
  readonly address: string;
  /** What to change when the receiver refuses for good. */
  readonly hint: string;
}

export async function deliverOverHttp(
  fetchFn: typeof fetch,
  request: HttpRequest,
  target: HttpTarget,
  timeoutMs: number,
): Promise<void> {
  const fail = (reason: string, retryable: boolean, status?: number, cause?: unknown): Error =>
    notifyFailed(
      target.what,
      reason,
      { channel: target.channel, retryable, address: target.address, ...(status === undefined ? {} : { status }) },
      target.hint,
      cause,
    );

  let response: Response;
  try {
    response = await fetchFn(request.url, {
      method: request.method,
      headers: request.headers,
      ...(request.body === undefined ? {} : { body: request.body }),
      // A redirected POST may arrive as a GET without its body; better to say where it points.
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    throw fail(isTimeout(error) ? `no answer within ${formatSeconds(timeoutMs)}` : networkReason(error), true, undefined, error);
  }

  if (response.ok) {
    await response.body?.cancel();
    return;
  }
  const excerpt = await responseExcerpt(response);
  const said = excerpt === '' ? '' : ` (${JSON.stringify(excerpt)})`;
  if (response.status >= 300 && response.status < 400) {
    const location = response.headers.get('location');
    throw fail(`HTTP ${response.status} redirect to ${location ?? 'nowhere'}`, false, response.status);
  }
  throw fail(`HTTP ${response.status} ${response.statusText}`.trimEnd() + said, isRetryableStatus(response.status), response.status);
}

/** 408 and 429 ask to come back later; any other 4xx will be refused again. */
export function isRetryableStatus(status: number): boolean {
  if (status === 408 || status === 429) return true;
  return !(status >= 400 && status < 500);
}

/** A URL for messages and logs: no user or password, no query (which may hold a key or the text). */
export function displayUrl(url: string): string {
  if (!URL.canParse(url)) return url;
  const { origin, pathname } = new URL(url);
  return `${origin}${pathname}`;
}

function isTimeout(error: unknown): boolean {
  return error instanceof Error && error.name === 'TimeoutError';
}

/** fetch says "fetch failed" and keeps the reason (ECONNREFUSED, a DNS failure) as its cause. */
function networkReason(error: unknown): string {
  const cause = error instanceof Error ? error.cause : undefined;
  return describeError(cause ?? error);
}

async function responseExcerpt(response: Response): Promise<string> {
  try {
    const text = (await response.text()).trim().replace(/\s+/g, ' ');
    return text.length > LONGEST_RESPONSE_EXCERPT ? `${text.slice(0, LONGEST_RESPONSE_EXCERPT - 1)}…` : text;
  } catch {
    return '';
  }
}

function formatSeconds(ms: number): string {
  return ms % 1_000 === 0 ? `${ms / 1_000}s` : `${ms}ms`;
}

/**
 * How a channel says a notification was not delivered: NM_NOTIFY_FAILED, naming the channel and
 * where it went, and whether a later try may succeed. The caller branches on `retryable`, never
 * on the message.
 */
import { ErrorCodes, isNevermissError, NevermissError } from '../errors.js';
import type { ChannelName } from './types.js';

export interface FailureDetails {
  readonly channel: ChannelName;
  /** True when the same notification may go through later (a timeout, a 5xx, a 429). */
  readonly retryable: boolean;
  /** Where it went, without credentials. */
  readonly address: string;
  /** The HTTP status or SMTP reply code, when there was one. */
  readonly status?: number;
}

/**
 * `what`: what was attempted ("webhook to https://crm.example/hook"); `reason`: what happened;
 * `hint`: what to change when a retry will not help.
 */
export function notifyFailed(what: string, reason: string, details: FailureDetails, hint: string, cause?: unknown): NevermissError {
  const outlook = details.retryable ? 'a later retry may succeed' : `retrying will not help; ${hint}`;
  return new NevermissError(
    ErrorCodes.NOTIFY_FAILED,
    `${what} failed: ${reason}; ${outlook}`,
    { ...details },
    cause === undefined ? undefined : { cause },
  );
}

/** Whether an error is a notification failure that a later try may get through. */
export function isRetryable(error: unknown): boolean {
  return isNevermissError(error, ErrorCodes.NOTIFY_FAILED) && error.details.retryable === true;
}

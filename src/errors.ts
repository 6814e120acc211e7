/**
 * One catalogue of coded errors. Code branches on `code`, never on message text.
 * Messages name what failed, on what, and what to do about it.
 */
export const ErrorCodes = {
  CONFIG_INVALID: 'NM_CONFIG_INVALID',
  CONFIG_UNREADABLE: 'NM_CONFIG_UNREADABLE',
  ARI_AUTH: 'NM_ARI_AUTH',
  ARI_UNREACHABLE: 'NM_ARI_UNREACHABLE',
  ARI_NOT_READY: 'NM_ARI_NOT_READY',
  ARI_TIMEOUT: 'NM_ARI_TIMEOUT',
  ARI_REQUEST: 'NM_ARI_REQUEST',
  ARI_NOT_FOUND: 'NM_ARI_NOT_FOUND',
  /** The thing to create exists already (a bridge id made again after a reconnect). */
  ARI_CONFLICT: 'NM_ARI_CONFLICT',
  REDIS: 'NM_REDIS',
  /** The local spool (data.directory) could not be opened or written. */
  SPOOL: 'NM_SPOOL',
  CALLBACK_NOT_FOUND: 'NM_CALLBACK_NOT_FOUND',
  CALLBACK_CLOSED: 'NM_CALLBACK_CLOSED',
  CALLBACK_BUSY: 'NM_CALLBACK_BUSY',
  CALLBACK_NOT_DIALING: 'NM_CALLBACK_NOT_DIALING',
  /** The callback's number is not one nevermiss calls (callable: in the config): 112, premium rate, another country... (HTTP 409). */
  CALLBACK_UNCALLABLE: 'NM_CALLBACK_UNCALLABLE',
  USAGE: 'NM_USAGE',
  /** No credential, or one that is wrong, expired or tampered with (HTTP 401). */
  UNAUTHORIZED: 'NM_UNAUTHORIZED',
  /** A valid credential whose scope does not reach this route (HTTP 403). */
  FORBIDDEN: 'NM_FORBIDDEN',
  /** A request a browser sent on another site's behalf, with this site's cookie (HTTP 403). */
  CROSS_SITE: 'NM_CROSS_SITE',
  /** A Host header this service does not answer to (HTTP 421). */
  HOST_NOT_ALLOWED: 'NM_HOST_NOT_ALLOWED',
  /** Too many requests, or too many failed authentications, from one address (HTTP 429). */
  RATE_LIMITED: 'NM_RATE_LIMITED',
  /** A single-use action link that was used already (HTTP 410). */
  LINK_USED: 'NM_LINK_USED',
  /** A request failed inside nevermiss, a bug (HTTP 500; the log has the details). */
  INTERNAL: 'NM_INTERNAL',
  /** GET /metrics without the metrics token (metrics.token) as a bearer token. */
  METRICS_UNAUTHORIZED: 'NM_METRICS_UNAUTHORIZED',
  /** A notification was not delivered; details: { channel, retryable, person, deliveryId }. */
  NOTIFY_FAILED: 'NM_NOTIFY_FAILED',
} as const;

export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

export class NevermissError extends Error {
  readonly code: ErrorCode;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: ErrorCode, message: string, details: Record<string, unknown> = {}, options?: ErrorOptions) {
    super(`${code}: ${message}`, options);
    this.name = 'NevermissError';
    this.code = code;
    this.details = Object.freeze({ ...details });
  }
}

export function isNevermissError(err: unknown, code?: ErrorCode): err is NevermissError {
  return err instanceof NevermissError && (code === undefined || err.code === code);
}

/** The message of anything thrown, for logs. */
export function describeError(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Work the service repeats on its own (running due jobs, resuming calls that owe requests,
 * sweeps, replaying the spool): every round on a timer, never two rounds at once, and a round
 * that fails is logged and simply tried again next time. Nothing here holds a promise to a
 * caller; it only looks for work whose state lives elsewhere (Redis, the spool, the registry).
 */
import type { Logger } from 'winston';
import { describeError } from '../errors.js';

export interface Repeating {
  start(): void;
  stop(): void;
  /** Runs a round now (or joins the one running). */
  now(): Promise<void>;
}

/** `what` completes "could not …" in the log line of a failed round. */
export function repeat(what: string, everyMs: number, round: () => Promise<unknown>, logger: Logger): Repeating {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  const now = (): Promise<void> =>
    (running ??= round()
      .then(
        () => undefined,
        (err: unknown) => {
          logger.warn(`could not ${what}; trying again in ${everyMs / 1000} s`, { error: describeError(err) });
        },
      )
      .finally(() => (running = undefined)));
  return {
    start() {
      clearInterval(timer);
      timer = setInterval(() => void now(), everyMs);
    },
    stop() {
      clearInterval(timer);
      timer = undefined;
    },
    now,
  };
}

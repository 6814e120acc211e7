/**
 * What `nevermiss doctor` finds: one finding per thing it looked at, each passed, a warning,
 * failed or skipped, with what to do about it. Checks return findings; they never throw for a
 * fault of the deployment (the runner turns an unexpected throw into a failed finding too).
 */
import type { AriInspector } from '../ari/inspect.js';
import type { RedisFacts } from '../callbacks/server-facts.js';
import type { Config } from '../config/types.js';

/**
 * pass: fine. warn: works today, but a promise is at risk (e.g. Redis without persistence).
 * fail: broken; calls or callbacks go wrong. skip: could not be looked at (a check it needs failed).
 */
export type Verdict = 'pass' | 'warn' | 'fail' | 'skip';

export interface Finding {
  /** The check's title, like "ARI" or "Redis persistence". */
  readonly check: string;
  readonly verdict: Verdict;
  /** One line: what was found. */
  readonly summary: string;
  /** Further lines: the names missing, the endpoints known... */
  readonly details?: readonly string[];
  /** What to do; for warn and fail. */
  readonly fix?: string;
}

export interface DoctorOptions {
  /** The context the trunk delivers inbound calls to, where the probe call starts. */
  readonly inboundContext: string;
  /** The number the probe call dials in that context (as the trunk delivers it). */
  readonly probeNumber: string;
  /** A person to send a real test notification to, over each of their channels; null: none. */
  readonly sendTest: string | null;
}

export interface DoctorContext {
  readonly config: Config;
  readonly options: DoctorOptions;
  readonly ari: AriInspector;
  /** Read once, on first use; rejects when Redis can't be reached. */
  readonly redisFacts: () => Promise<RedisFacts>;
  /** Where to find the prompt texts (prompts/src), for the names every language must have. */
  readonly promptTextsDirectory: string;
  readonly fetch: typeof fetch;
}

/** What a check needs to have passed before it can look. */
export type Prerequisite = 'ari' | 'redis';

export interface Check {
  readonly title: string;
  readonly needs: readonly Prerequisite[];
  run(ctx: DoctorContext): Promise<readonly Finding[]>;
}

export function finding(check: string, verdict: Verdict, summary: string, extra: { fix?: string; details?: readonly string[] } = {}): Finding {
  return { check, verdict, summary, ...extra };
}

/**
 * Runs doctor's checks in order, one table: the config first (nothing else can be looked at
 * without it), then ARI (the checks that ask Asterisk are skipped when it can't be reached), the
 * PBX's parts, Redis, the clock, the notification channels. A check that throws (a bug, or an
 * answer nobody expected) becomes a failed finding: doctor always reports, it never crashes.
 */
import { createAriInspector } from '../ari/inspect.js';
import { readRedisFacts, type RedisFacts } from '../callbacks/server-facts.js';
import { formatProblem, parseConfig, readConfigFile, type Environment } from '../config/load.js';
import type { Config } from '../config/types.js';
import { describeError, ErrorCodes, isNevermissError } from '../errors.js';
import { ariConnectionCheck, modulesCheck } from './checks/ari.js';
import { clockCheck } from './checks/clock.js';
import { dialplanCheck, SNIPPET_CONTEXT } from './checks/dialplan.js';
import { phonesCheck } from './checks/endpoints.js';
import { notifyCheck } from './checks/notify.js';
import { promptsCheck } from './checks/prompts.js';
import { redisCheck } from './checks/redis.js';
import { stasisAppCheck } from './checks/stasis-app.js';
import { PROMPT_TEXTS } from './prompt-catalog.js';
import { finding, type Check, type DoctorContext, type DoctorOptions, type Finding } from './types.js';

/** In order; a check that needs ARI runs only when the ARI check passed. */
export const CHECKS: readonly Check[] = [ariConnectionCheck, stasisAppCheck, modulesCheck, dialplanCheck, phonesCheck, promptsCheck, redisCheck, clockCheck, notifyCheck];

export interface DoctorRequest {
  readonly file: string;
  readonly env: Environment;
  readonly inboundContext?: string;
  readonly probeNumber?: string;
  readonly sendTest?: string;
}

export interface DoctorDeps {
  readonly fetch?: typeof fetch;
  readonly promptTextsDirectory?: string;
}

export async function runDoctor(request: DoctorRequest, deps: DoctorDeps = {}): Promise<Finding[]> {
  const all: Finding[] = [];
  const report = (findings: readonly Finding[]): void => {
    all.push(...findings);
  };

  const loaded = loadForDoctor(request.file, request.env);
  report([loaded.finding]);
  if (loaded.config === null) return all;
  const config = loaded.config;

  let facts: Promise<RedisFacts> | undefined;
  const ctx: DoctorContext = {
    config,
    options: defaultOptions(config, request),
    ari: createAriInspector({ ...config.ari, requestTimeoutMs: Math.min(config.ari.requestTimeoutMs, 5_000) }),
    redisFacts: () => (facts ??= readRedisFacts(config.redis.url, config.redis.keyPrefix, Math.max(config.redis.commandTimeoutMs, 2_000))),
    promptTextsDirectory: deps.promptTextsDirectory ?? PROMPT_TEXTS,
    fetch: deps.fetch ?? globalThis.fetch,
  };

  let ariOk = false;
  for (const check of CHECKS) {
    if (check.needs.includes('ari') && !ariOk) {
      report([finding(check.title, 'skip', 'needs ARI, which failed above')]);
      continue;
    }
    let findings: readonly Finding[];
    try {
      findings = await check.run(ctx);
    } catch (err) {
      findings = [finding(check.title, 'fail', `could not be checked: ${describeError(err)}`)];
    }
    if (check === ariConnectionCheck) ariOk = findings.every((f) => f.verdict === 'pass');
    report(findings);
  }
  return all;
}

export function defaultOptions(config: Config, request: Pick<DoctorRequest, 'inboundContext' | 'probeNumber' | 'sendTest'>): DoctorOptions {
  return {
    inboundContext: request.inboundContext ?? SNIPPET_CONTEXT,
    probeNumber: request.probeNumber ?? config.routes[config.defaultRoute]?.numbers[0] ?? 's',
    sendTest: request.sendTest ?? null,
  };
}

function loadForDoctor(file: string, env: Environment): { finding: Finding; config: Config | null } {
  let text: string;
  try {
    text = readConfigFile(file);
  } catch (err) {
    if (!isNevermissError(err, ErrorCodes.CONFIG_UNREADABLE)) throw err;
    return { config: null, finding: finding('Config', 'fail', err.message.replace(/^NM_\w+: /, ''), { fix: 'give the config with -c FILE (or $NEVERMISS_CONFIG); "nevermiss init" writes a first one' }) };
  }
  const result = parseConfig(text, file, env);
  if (!result.ok) {
    return {
      config: null,
      finding: finding('Config', 'fail', `${file}: ${result.problems.length} problem${result.problems.length === 1 ? '' : 's'}; nothing else can be checked`, {
        details: result.problems.map(formatProblem),
        fix: 'correct them ("nevermiss check" lists the same), then run doctor again',
      }),
    };
  }
  const { routes, people } = result.config;
  return { config: result.config, finding: finding('Config', 'pass', `${file} is valid (${plural(Object.keys(routes).length, 'route', 'routes')}, ${plural(Object.keys(people).length, 'person', 'people')})`) };
}

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

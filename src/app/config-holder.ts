/**
 * The rules in force, and reloading them: a file with problems is refused (logged and shown in
 * /healthz) and the running rules stay. Calls already running keep the plan they started with.
 */
import type { Logger } from 'winston';
import type { Clock } from '../clock/clock.js';
import type { ConfigProblem } from '../config/load.js';
import { formatProblem } from '../config/load.js';
import type { Config } from '../config/types.js';

export type LoadResult = { ok: true; config: Config } | { ok: false; problems: readonly ConfigProblem[] };

export interface ConfigState {
  readonly file: string;
  readonly loadedAt: number;
  /** The problems of the last reload that was refused, or null when the file on disk is the one running. */
  readonly rejected: { readonly at: number; readonly problems: readonly string[] } | null;
}

export interface ConfigHolder {
  current(): Config;
  state(): ConfigState;
  reload(trigger: string): ConfigState;
}

/** Sections read once at start; a change to them is taken only after a restart. */
const STARTUP_SECTIONS = ['ari', 'redis', 'http', 'prompts'] as const;

export function createConfigHolder(initial: Config, load: () => LoadResult, clock: Clock, logger: Logger, onChange: (config: Config) => void): ConfigHolder {
  let config = initial;
  let state: ConfigState = { file: config.file, loadedAt: clock.now(), rejected: null };
  return {
    current: () => config,
    state: () => state,
    reload(trigger) {
      const result = load();
      const now = clock.now();
      if (!result.ok) {
        const problems = result.problems.map(formatProblem);
        state = { ...state, rejected: { at: now, problems } };
        logger.error('config reload refused; the running rules stay', { trigger, problems });
        return state;
      }
      const restartNeeded = STARTUP_SECTIONS.filter((section) => JSON.stringify(result.config[section]) !== JSON.stringify(config[section]));
      if (restartNeeded.length > 0) logger.warn('these sections changed and take effect after a restart', { sections: restartNeeded });
      config = result.config;
      state = { file: config.file, loadedAt: now, rejected: null };
      onChange(config);
      logger.info('config reloaded', { trigger, routes: Object.keys(config.routes).length });
      return state;
    },
  };
}

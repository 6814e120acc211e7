/**
 * The clock and the time zones. Deadlines, reminders, leases and opening hours are all computed
 * from this machine's clock (Lua scripts get "now" from the instance), so it must agree with
 * Redis's and Asterisk's; and the firm's time zone must be one this Node knows.
 */
import { DateTime } from 'luxon';
import type { Config } from '../../config/types.js';
import { finding, type Check, type Finding } from '../types.js';

const TITLE = 'Clock';
/** Failover leases last 5 s by default: clocks further apart than this make instances disagree. */
export const MAX_SKEW_MS = 2_000;

export interface ClockFacts {
  readonly localMs: number;
  /** Redis's clock minus ours; null when Redis could not be asked. */
  readonly redisSkewMs: number | null;
  /** Asterisk's clock (HTTP Date, whole seconds) minus ours; null without it. */
  readonly asteriskSkewMs: number | null;
  /** This machine's own time zone (it does not matter to nevermiss; shown to avoid confusion). */
  readonly hostZone: string;
}

export function judgeClock(facts: ClockFacts, config: Pick<Config, 'firm' | 'routes'>): Finding[] {
  const findings: Finding[] = [];
  const skews: string[] = [];
  const bad: string[] = [];
  const look = (name: string, skew: number | null, tolerance: number): void => {
    if (skew === null) return;
    skews.push(`${name} ${skew >= 0 ? '+' : ''}${(skew / 1000).toFixed(1)} s`);
    if (Math.abs(skew) > tolerance) bad.push(name);
  };
  look('Redis', facts.redisSkewMs, MAX_SKEW_MS);
  // The Date header has whole seconds: allow one more.
  look('Asterisk', facts.asteriskSkewMs, MAX_SKEW_MS + 1_000);
  const compared = skews.length === 0 ? 'nothing to compare with' : skews.join(', ');
  if (bad.length > 0) {
    findings.push(finding(TITLE, 'fail', `this machine's clock is off from ${bad.join(' and ')} (${compared})`, { fix: 'keep every machine on NTP (chrony or systemd-timesyncd); "timedatectl" shows whether the clock is synchronised' }));
  } else {
    findings.push(finding(TITLE, 'pass', `in step (${compared}; at most ${MAX_SKEW_MS / 1000} s allowed)`));
  }
  const zones = [...new Set([config.firm.timezone, ...Object.values(config.routes).map((r) => r.timezone)])];
  for (const zone of zones) {
    const now = DateTime.fromMillis(facts.localMs, { zone });
    if (!now.isValid) {
      findings.push(finding('Time zone', 'fail', `"${zone}" is not a time zone this Node knows`, { fix: 'use an IANA name like Europe/Copenhagen; a Node built without full ICU lacks most zones' }));
      continue;
    }
    findings.push(finding('Time zone', 'pass', `${zone}: it is ${now.toFormat('ccc yyyy-MM-dd HH:mm')} there (this machine's own zone, ${facts.hostZone}, does not matter)`));
  }
  return findings;
}

export const clockCheck: Check = {
  title: TITLE,
  needs: [],
  async run({ config, ari, redisFacts }) {
    let redisSkewMs: number | null = null;
    try {
      const facts = await redisFacts();
      redisSkewMs = facts.serverTimeMs - facts.localTimeMs;
    } catch {
      // Redis's own check says why
    }
    let asteriskSkewMs: number | null = null;
    try {
      const before = Date.now();
      const answer = await ari.get('/asterisk/ping');
      const after = Date.now();
      // The header's second was cut off, not rounded: compare with the middle of that second.
      if (answer.date !== null) asteriskSkewMs = answer.date.getTime() + 500 - (before + after) / 2;
    } catch {
      // ARI's own check says why
    }
    return judgeClock({ localMs: Date.now(), redisSkewMs, asteriskSkewMs, hostZone: Intl.DateTimeFormat().resolvedOptions().timeZone }, config);
  },
};

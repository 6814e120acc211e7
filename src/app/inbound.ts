/**
 * What arrives from the dialplan snippet: inbound calls (decided, then run as call sessions) and
 * the owner's status feature codes.
 */
import type { Logger } from 'winston';
import type { AriChannel } from '../ari/events.js';
import type { AriChannelInfo } from '../ari/rest.js';
import type { CallControl, CallRecords } from '../call-flow/ports.js';
import type { Clock, Timers } from '../clock/clock.js';
import type { CallFacts, PlannedLeg } from '../call-flow/types.js';
import type { CallRegistry } from '../call-flow/registry.js';
import type { OwnerStatus, StatusMode, StatusStore } from '../callbacks/status.js';
import type { Config } from '../config/types.js';
import { describeError } from '../errors.js';
import { decide } from '../routing/decide.js';

/** Reading the status must never hold a call up: past this, the call routes as normal. */
const STATUS_READ_TIMEOUT_MS = 300;

export interface InboundDeps {
  readonly config: () => Config;
  readonly status: StatusStore;
  readonly registry: CallRegistry;
  readonly control: CallControl;
  readonly records: CallRecords;
  readonly clock: Clock;
  readonly timers: Timers;
  readonly logger: Logger;
}

export interface Inbound {
  call(channel: AriChannel, called: string): Promise<void>;
  /**
   * A caller found in the app that no live call owns (after a crash or restart): recorded as an
   * interrupted missed call and promised a callback, or, if already talking to a phone, carried on.
   */
  adopt(channel: AriChannelInfo, called: string, bridge: { readonly peer: string; readonly since: number } | null): Promise<void>;
  featureCode(channel: AriChannel, code: string): Promise<void>;
}

export function createInbound(deps: InboundDeps): Inbound {
  const { clock, logger } = deps;

  async function currentStatus(): Promise<OwnerStatus> {
    const fallback: OwnerStatus = { mode: 'normal', until: null, setBy: 'unavailable', setAt: 0 };
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<OwnerStatus>((resolve) => {
      timer = setTimeout(() => resolve(fallback), STATUS_READ_TIMEOUT_MS);
    });
    try {
      return await Promise.race([deps.status.get(clock.now()), timeout]);
    } catch (err) {
      logger.warn('could not read the owner status; routing as normal', { error: describeError(err) });
      return fallback;
    } finally {
      clearTimeout(timer);
    }
  }

  async function plan(callId: string, caller: { readonly name: string; readonly number: string }, called: string, startedAt: number) {
    const rules = deps.config(); // a reload during this call doesn't change its plan
    const status = await currentStatus();
    const decision = decide(rules, { callId, called, callerRaw: caller.number, callerName: caller.name, now: startedAt, status });
    const facts: CallFacts = { callId, caller: decision.caller, callerName: caller.name, called, startedAt };
    const log = logger.child({ callId, caller: facts.caller ?? 'withheld', called });
    const ports = { control: deps.control, records: deps.records, clock, timers: deps.timers, logger: log };
    return { decision, status, facts, log, ports };
  }

  return {
    async adopt(channel, called, bridge) {
      const created = Date.parse(channel.creationtime);
      const startedAt = Number.isFinite(created) ? created : clock.now();
      const { decision, facts, log, ports } = await plan(channel.id, channel.caller, called, startedAt);
      if (bridge === null) {
        log.warn('found a caller that no live call owns (the service restarted mid-call); recording a missed call', { route: decision.route.id });
        deps.registry.adopt(facts, decision.plan, { kind: 'waiting' }, ports);
        return;
      }
      const planned = decision.plan.steps.flatMap((step) => step.legs).find((leg) => leg.legId === bridge.peer);
      const winner: PlannedLeg = planned ?? { legId: bridge.peer, person: 'unknown', phone: 'unknown', dial: '', ringMs: 0, screen: false, callerId: '', skipWhenBusy: false };
      log.warn('found a caller talking to a phone that no live call owns; carrying on', { leg: bridge.peer, person: winner.person });
      deps.registry.adopt(facts, decision.plan, { kind: 'bridged', winner, answeredAt: bridge.since }, ports);
    },

    async call(channel, called) {
      const startedAt = clock.now();
      const { decision, status, facts, log, ports } = await plan(channel.id, channel.caller, called, startedAt);
      log.info('call arrived', {
        route: decision.route.id,
        matched: decision.matched,
        callerName: facts.callerName,
        open: decision.open,
        why: decision.why,
        hunt: decision.hunt,
        callerRule: decision.callerRule,
        status: status.mode,
      });
      deps.registry.begin(facts, decision.plan, ports);
    },

    async featureCode(channel, code) {
      const config = deps.config();
      const codes = config.status.featureCodes;
      const mode: StatusMode | undefined = code === codes.normal ? 'normal' : code === codes.away ? 'away' : code === codes.closed ? 'closed' : undefined;
      const by = `feature code ${code} from ${channel.caller.number || channel.name}`;
      if (mode) {
        await deps.status.set(mode, { until: null, by, now: clock.now() });
        logger.info(`owner status set to ${mode}`, { by });
      } else {
        logger.warn('unknown status feature code', { code, from: channel.name });
      }
      const language = Object.values(config.routes)[0]?.language ?? 'en';
      await deps.control.play(channel.id, { kind: 'status', mode: mode ?? 'unknown', language });
      await deps.control.hangup(channel.id, 'normal');
    },
  };
}

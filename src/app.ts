/**
 * Wires the modules into a running service. No environment reads, no listening, no real clients:
 * main.ts builds those and passes them in.
 */
import type { Logger } from 'winston';
import type { FastifyInstance } from 'fastify';
import type { Config } from './config/types.js';
import type { ConfigProblem } from './config/load.js';
import type { AriConnection, AriConnectionHandlers } from './ari/connection.js';
import { createCallControl } from './ari/call-control.js';
import { toCallSignal, type AriChannel } from './ari/events.js';
import type { AriRest } from './ari/rest.js';
import { CallRegistry } from './call-flow/registry.js';
import type { Clock, Timers } from './call-flow/ports.js';
import type { CallbackStore } from './callbacks/store.js';
import type { OwnerStatus, StatusMode, StatusStore } from './callbacks/status.js';
import { createCallRecords } from './callbacks/records.js';
import type { Timers as DurableTimers } from './callbacks/timers.js';
import { createDialBackControl } from './ari/dial-back-control.js';
import { DialBackRegistry } from './dial-back/registry.js';
import { createFollowUp } from './follow-up/follow-up.js';
import { createDialBacks } from './follow-up/dial-back.js';
import type { Notifier } from './notify/notifier.js';
import { normalizeNumber } from './routing/numbers.js';
import { buildHttp } from './http/server.js';
import { decide } from './routing/decide.js';
import { describeError } from './errors.js';

export interface AppDeps {
  readonly config: Config;
  /** Reads and validates the config file again (for reloads). */
  readonly loadConfig: () => { ok: true; config: Config } | { ok: false; problems: readonly ConfigProblem[] };
  readonly logger: Logger;
  readonly store: CallbackStore;
  readonly status: StatusStore;
  /** Durable jobs (notifications, reminders, escalations) in Redis. */
  readonly jobs: DurableTimers;
  /** Builds the notifier for a config (again after a reload). */
  readonly createNotifier: (config: Config) => Notifier;
  /** This instance's name in job leases. */
  readonly instanceId: string;
  readonly redisReady: () => boolean;
  readonly connectAri: (handlers: AriConnectionHandlers) => AriConnection;
  readonly clock: Clock;
  readonly timers: Timers;
}

export interface ConfigState {
  readonly file: string;
  readonly loadedAt: number;
  /** The problems of the last reload that was refused, or null when the file on disk is the one running. */
  readonly rejected: { readonly at: number; readonly problems: readonly string[] } | null;
}

export interface App {
  readonly http: FastifyInstance;
  readonly registry: CallRegistry;
  start(): void;
  stop(): Promise<void>;
  /** Loads the config file again; a bad file is refused and the running rules stay. */
  reload(trigger: string): ConfigState;
  config(): Config;
}

/** Where the dialplan snippet's fallback starts; orphaned callers are sent there. */
const FALLBACK = { context: 'nevermiss-route', extension: 's', label: 'fallback' } as const;
/** Reading the status must never hold a call up: past this, the call routes as normal. */
const STATUS_READ_TIMEOUT_MS = 300;

export function createApp(deps: AppDeps): App {
  const { logger, clock, timers } = deps;
  let config = deps.config;
  let configState: ConfigState = { file: config.file, loadedAt: clock.now(), rejected: null };
  const registry = new CallRegistry();
  let ari: AriConnection | undefined;
  const rest = (): AriRest => {
    if (!ari) throw new Error('ARI connection not started');
    return ari.rest();
  };
  const promptSource = config.http.publicUrl ? { source: config.prompts.source, baseUrl: config.http.publicUrl } : { source: config.prompts.source };
  const control = createCallControl(rest, config.ari.app, promptSource, logger);
  let notifier = deps.createNotifier(config);
  const dialBackRegistry = new DialBackRegistry();
  const publicUrl = config.http.publicUrl ?? `http://${config.http.host}:${config.http.port}`;
  const followUp = createFollowUp({
    config: () => config,
    store: deps.store,
    timers: deps.jobs,
    notifier: () => notifier,
    clock,
    logger,
    instanceId: deps.instanceId,
    publicUrl,
    dialBack: async (callbackId, person, by) => {
      await dialBacks.start(callbackId, person, by);
    },
  });
  const dialBacks = createDialBacks({
    config: () => config,
    store: deps.store,
    registry: dialBackRegistry,
    control: createDialBackControl(rest, config.ari.app, promptSource, () => clock.now()),
    followUp,
    clock,
    timers,
    logger,
  });
  const records = createCallRecords(deps.store, {
    recorded: (callback) => followUp.callbackRecorded(callback),
    closed: (callback) => followUp.closed(callback),
  });
  let ticker: NodeJS.Timeout | undefined;
  let ticking = false;

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

  async function onInbound(channel: AriChannel, called: string): Promise<void> {
    const callId = channel.id;
    const startedAt = clock.now();
    const rules = config; // a reload during this call doesn't change its plan
    const status = await currentStatus();
    const decision = decide(rules, {
      callId,
      called,
      callerRaw: channel.caller.number,
      callerName: channel.caller.name,
      now: startedAt,
      status,
    });
    const facts = { callId, caller: decision.caller, callerName: channel.caller.name, called, startedAt };
    const log = logger.child({ callId, caller: facts.caller ?? 'withheld', called });
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
    registry.begin(facts, decision.plan, { control, records, clock, timers, logger: log });
  }

  async function onFeature(channel: AriChannel, code: string): Promise<void> {
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
    await control.play(channel.id, { kind: 'status', mode: mode ?? 'unknown', language });
    await control.hangup(channel.id, 'normal');
  }

  /** After a (re)connect: events may have been missed while the socket was down. */
  async function reconcile(current: AriRest): Promise<void> {
    for (const session of registry.sessions()) {
      for (const channelId of session.channelIds()) {
        if (!(await current.channelExists(channelId))) registry.channelGone(channelId, 16);
      }
    }
    for (const channelId of await current.appChannels(config.ari.app)) {
      if (registry.owns(channelId) || dialBackRegistry.owns(channelId)) continue;
      if (/-s\d+-\d+$/.test(channelId) || channelId.startsWith('dialback-')) {
        logger.warn('hanging up a phone leg that no live call owns', { channelId });
        await current.hangup(channelId, 'normal').catch(() => undefined);
      } else {
        logger.warn('sending a caller that no live call owns to the dialplan fallback', { channelId });
        await current.continueInDialplan(channelId, FALLBACK.context, FALLBACK.extension, FALLBACK.label).catch(() => undefined);
      }
    }
  }

  const handlers: AriConnectionHandlers = {
    onEvent(event) {
      const signal = toCallSignal(event);
      if (!signal) return;
      switch (signal.kind) {
        case 'inbound':
          onInbound(signal.channel, signal.called).catch((err: unknown) => {
            logger.error('could not start handling a call; it takes the dialplan fallback', { callId: signal.channel.id, error: describeError(err) });
            rest()
              .continueInDialplan(signal.channel.id, FALLBACK.context, FALLBACK.extension, FALLBACK.label)
              .catch(() => undefined);
          });
          return;
        case 'feature':
          onFeature(signal.channel, signal.code).catch((err: unknown) => {
            logger.error('status feature code failed', { code: signal.code, error: describeError(err) });
            control.hangup(signal.channel.id, 'normal').catch(() => undefined);
          });
          return;
        case 'legAnswered':
          if (!registry.legAnswered(signal.callId, signal.legId)) {
            control.hangup(signal.legId, 'normal').catch(() => undefined);
          }
          return;
        case 'dialBackAnswered':
          if (!dialBackRegistry.answered(signal.sessionId, signal.channelId)) {
            control.hangup(signal.channelId, 'normal').catch(() => undefined);
          }
          return;
        case 'dtmf':
          registry.legDtmf(signal.channelId, signal.digit);
          dialBackRegistry.dtmf(signal.channelId, signal.digit);
          return;
        case 'channelGone':
          registry.channelGone(signal.channelId, signal.cause);
          dialBackRegistry.channelGone(signal.channelId, signal.cause);
          return;
        case 'playbackFinished':
          control.playbackFinished(signal.playbackId);
          return;
        case 'recordingFinished':
          control.recordingFinished(signal.name, signal.durationSec, signal.failed);
          return;
        case 'replaced':
          logger.error(`another connection took over the Stasis app "${config.ari.app}"; run one nevermiss per app name`);
          return;
      }
    },
    onConnected(current) {
      reconcile(current).catch((err: unknown) => logger.warn('reconciliation after connect failed', { error: describeError(err) }));
    },
    onDisconnected() {
      // Calls in progress keep their state; reconcile() settles them when the socket is back.
    },
  };

  function reload(trigger: string): ConfigState {
    const result = deps.loadConfig();
    const now = clock.now();
    if (!result.ok) {
      const problems = result.problems.map((p) => `${p.file}:${p.line}:${p.col} ${p.path}: ${p.message}`);
      configState = { ...configState, rejected: { at: now, problems } };
      logger.error('config reload refused; the running rules stay', { trigger, problems });
      return configState;
    }
    const restartNeeded = (['ari', 'redis', 'http', 'prompts'] as const).filter(
      (section) => JSON.stringify(result.config[section]) !== JSON.stringify(config[section]),
    );
    if (restartNeeded.length > 0) logger.warn('these sections changed and take effect after a restart', { sections: restartNeeded });
    config = result.config;
    notifier.close();
    notifier = deps.createNotifier(config);
    configState = { file: config.file, loadedAt: now, rejected: null };
    logger.info('config reloaded', { trigger, routes: Object.keys(config.routes).length });
    return configState;
  }

  const http = buildHttp({
    store: deps.store,
    status: deps.status,
    clock,
    promptsDir: config.prompts.directory,
    logger,
    reload: () => reload('api'),
    onClosed: (callback) => followUp.closed(callback),
    dialBack: (callbackId, person) => dialBacks.start(callbackId, person, 'api'),
    history: (callbackId) => deps.store.history(callbackId),
    jobs: () => deps.jobs.pending(),
    outboundCall: async ({ number, answeredSec, from }) => {
      const e164 = normalizeNumber(number, config.firm.country) ?? number;
      if (answeredSec * 1000 < config.callbacks.minTalkMs) return null;
      const closed = await deps.store.closeByCaller(e164, 'done', `outbound call from ${from || 'a phone'}`, clock.now(), `answered ${answeredSec} s`);
      if (closed) {
        logger.info('callback done: the customer was called through the PBX', { callbackId: closed.id, caller: e164, answeredSec });
        await followUp.closed(closed);
      }
      return closed;
    },
    health: () => ({ ari: ari?.isConnected() ?? false, redis: deps.redisReady(), activeCalls: registry.size, config: configState }),
  });

  return {
    http,
    registry,
    start() {
      ari = deps.connectAri(handlers);
      ari.start();
      // Jobs live in Redis; this interval only looks for due ones, it holds no promise itself.
      ticker = setInterval(() => {
        if (ticking) return;
        ticking = true;
        followUp
          .tick()
          .catch((err: unknown) => logger.warn('could not run follow-up jobs', { error: describeError(err) }))
          .finally(() => (ticking = false));
      }, 1_000);
    },
    async stop() {
      clearInterval(ticker);
      notifier.close();
      await ari?.stop();
      await http.close();
    },
    reload,
    config: () => config,
  };
}

/**
 * Wires the modules into a running service. No environment reads, no listening, no real clients:
 * main.ts builds those and passes them in.
 */
import type { Logger } from 'winston';
import type { FastifyInstance } from 'fastify';
import type { Config } from './config/types.js';
import type { AriConnection, AriConnectionHandlers } from './ari/connection.js';
import { createCallControl } from './ari/call-control.js';
import { createDialBackControl } from './ari/dial-back-control.js';
import { toCallSignal } from './ari/events.js';
import type { AriRest } from './ari/rest.js';
import { CallRegistry } from './call-flow/registry.js';
import type { Clock, Timers } from './call-flow/ports.js';
import type { CallbackStore } from './callbacks/store.js';
import type { StatusStore } from './callbacks/status.js';
import { createCallRecords } from './callbacks/records.js';
import type { Timers as DurableTimers } from './callbacks/timers.js';
import { DialBackRegistry } from './dial-back/registry.js';
import { createFollowUp } from './follow-up/follow-up.js';
import { createDialBacks } from './follow-up/dial-back.js';
import type { Notifier } from './notify/notifier.js';
import { buildHttp } from './http/server.js';
import { describeError } from './errors.js';
import { createConfigHolder, type ConfigState, type LoadResult } from './app/config-holder.js';
import { createInbound } from './app/inbound.js';
import { FALLBACK, reconcile } from './app/reconcile.js';
import { createAstdbDrain } from './app/drain.js';

export type { ConfigState } from './app/config-holder.js';

export interface AppDeps {
  readonly config: Config;
  /** Reads and validates the config file again (for reloads). */
  readonly loadConfig: () => LoadResult;
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

export interface App {
  readonly http: FastifyInstance;
  readonly registry: CallRegistry;
  start(): void;
  stop(): Promise<void>;
  /** Loads the config file again; a bad file is refused and the running rules stay. */
  reload(trigger: string): ConfigState;
  config(): Config;
}

export function createApp(deps: AppDeps): App {
  const { logger, clock, timers } = deps;
  const startup = deps.config;
  let notifier = deps.createNotifier(startup);
  const rules = createConfigHolder(startup, deps.loadConfig, clock, logger, (config) => {
    notifier.close();
    notifier = deps.createNotifier(config);
  });
  const config = (): Config => rules.current();

  let ari: AriConnection | undefined;
  const rest = (): AriRest => {
    if (!ari) throw new Error('ARI connection not started');
    return ari.rest();
  };
  // Connection and prompt settings are read once: changing them needs a restart.
  const app = startup.ari.app;
  const promptSource = startup.http.publicUrl ? { source: startup.prompts.source, baseUrl: startup.http.publicUrl } : { source: startup.prompts.source };
  const control = createCallControl(rest, app, promptSource, logger);
  const registry = new CallRegistry();
  const dialBackRegistry = new DialBackRegistry();

  const followUp = createFollowUp({
    config,
    store: deps.store,
    timers: deps.jobs,
    notifier: () => notifier,
    clock,
    logger,
    instanceId: deps.instanceId,
    publicUrl: startup.http.publicUrl ?? `http://${startup.http.host}:${startup.http.port}`,
    dialBack: async (callbackId, person, by) => {
      await dialBacks.start(callbackId, person, by);
    },
  });
  const dialBacks = createDialBacks({
    config,
    store: deps.store,
    registry: dialBackRegistry,
    control: createDialBackControl(rest, app, promptSource, () => clock.now()),
    followUp,
    clock,
    timers,
    logger,
  });
  const records = createCallRecords(deps.store, {
    recorded: (callback) => followUp.callbackRecorded(callback),
    closed: (callback) => followUp.closed(callback),
  });
  const inbound = createInbound({ config, status: deps.status, registry, control, records, clock, timers, logger });
  // What the dialplan fallback kept in AstDB while we were down; after reconcile() on every connect.
  const drain = createAstdbDrain({
    rest, app, config, store: deps.store, status: deps.status, followUp, clock, timers, logger,
    canRun: () => startup.ari.drainAstdb && (ari?.isConnected() ?? false),
  });

  /** One router for every ARI event (per-channel listeners leak in ari-client). */
  const handlers: AriConnectionHandlers = {
    onEvent(event) {
      const signal = toCallSignal(event);
      if (!signal) return;
      switch (signal.kind) {
        case 'inbound':
          inbound.call(signal.channel, signal.called).catch((err: unknown) => {
            logger.error('could not start handling a call; it takes the dialplan fallback', { callId: signal.channel.id, error: describeError(err) });
            rest()
              .continueInDialplan(signal.channel.id, FALLBACK.context, FALLBACK.extension, FALLBACK.label)
              .catch(() => undefined);
          });
          return;
        case 'feature':
          inbound.featureCode(signal.channel, signal.code).catch((err: unknown) => {
            logger.error('status feature code failed', { code: signal.code, error: describeError(err) });
            control.hangup(signal.channel.id, 'normal').catch(() => undefined);
          });
          return;
        case 'legAnswered':
          if (!registry.legAnswered(signal.callId, signal.legId)) control.hangup(signal.legId, 'normal').catch(() => undefined);
          return;
        case 'dialBackAnswered':
          if (!dialBackRegistry.answered(signal.sessionId, signal.channelId)) control.hangup(signal.channelId, 'normal').catch(() => undefined);
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
        case 'drain':
          drain.stasisStart(signal.channelId, signal.args);
          return;
        case 'replaced':
          logger.error(`another connection took over the Stasis app "${app}"; run one nevermiss per app name`);
          return;
      }
    },
    onConnected(current) {
      reconcile(current, app, registry, dialBackRegistry, logger)
        .catch((err: unknown) => logger.warn('reconciliation after connect failed', { error: describeError(err) }))
        .finally(() => void drain.run('connect'));
    },
    onDisconnected() {
      // Calls in progress keep their state; reconcile() settles them when the socket is back.
    },
  };

  const http = buildHttp({
    store: deps.store,
    status: deps.status,
    clock,
    promptsDir: startup.prompts.directory,
    logger,
    reload: () => rules.reload('api'),
    onClosed: (callback) => followUp.closed(callback),
    dialBack: (callbackId, person) => dialBacks.start(callbackId, person, 'api'),
    history: (callbackId) => deps.store.history(callbackId),
    jobs: () => deps.jobs.pending(),
    outboundCall: (report) => followUp.outboundCallAnswered(report),
    health: () => ({ ari: ari?.isConnected() ?? false, redis: deps.redisReady(), activeCalls: registry.size, config: rules.state() }),
  });

  let ticker: NodeJS.Timeout | undefined;
  let ticking = false;

  return {
    http,
    registry,
    start() {
      drain.start();
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
      drain.stop();
      notifier.close();
      await ari?.stop();
      await http.close();
    },
    reload: (trigger) => rules.reload(trigger),
    config,
  };
}

/**
 * Wires the modules into a running service. No environment reads, no listening, no real clients:
 * main.ts builds those and passes them in.
 */
import type { Logger } from 'winston';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config/types.js';
import type { AriConnection, AriConnectionHandlers } from '../ari/connection.js';
import { createCallControl } from '../ari/call-control.js';
import { createVoiceControl } from '../ari/voice-control.js';
import { createRecordedPrompts } from '../voice/recorded.js';
import { createVoiceWalks } from '../voice/session.js';
import { createDeviceStates } from '../ari/device-states.js';
import { createDialBackControl } from '../ari/dial-back-control.js';
import { HANDLED_EVENT_TYPES, toCallSignal } from '../ari/events.js';
import type { AriRest } from '../ari/rest.js';
import { CallRegistry } from '../call-flow/registry.js';
import type { Clock, Timers } from '../clock/clock.js';
import type { CallbackStore } from '../callbacks/store.js';
import type { StatusStore } from '../callbacks/status.js';
import { createCallRecords } from '../callbacks/records.js';
import type { Spool } from '../callbacks/spool.js';
import type { UsedLinks } from '../callbacks/used-links.js';
import type { JobQueue } from '../callbacks/job-queue.js';
import { DialBackRegistry } from '../dial-back/registry.js';
import { createFollowUp } from '../follow-up/follow-up.js';
import { createDialBacks } from '../follow-up/dial-back.js';
import type { Notifier } from '../notify/notifier.js';
import { buildHttp } from '../http/server.js';
import { ErrorCodes, NevermissError, describeError } from '../errors.js';
import { createConfigHolder, type ConfigState, type LoadResult } from './config-holder.js';
import { createInbound } from './inbound.js';
import { FALLBACK, reconcile } from './reconcile.js';
import { repeat } from './repeat.js';
import type { AriCheck } from '../ari/connection.js';
import type { LeaseStore } from '../callbacks/lease.js';
import { createElector } from '../election/elector.js';
import { COOL_DOWN_MS } from '../election/machine.js';
import { createAstdbDrain } from './drain.js';
import { DRAIN_DIALPLAN } from './astdb-entries.js';
import type { RecordsReader } from '../callbacks/reader.js';
import type { Eraser } from '../callbacks/erase.js';
import { buildReport, requestedPeriod } from '../figures/query.js';
import { createMetrics } from '../metrics/metrics.js';
import { buildMetricsHttp } from '../metrics/http.js';
import { observedRecords } from '../metrics/observe.js';
import { RETENTION_EVERY_MS, createRetention } from '../retention/retention.js';
import { liveCall } from '../call-flow/live.js';
import { createEventHub } from '../live/hub.js';
import { statusWithEvents, storeWithEvents } from '../live/observe.js';

export type { ConfigState } from './config-holder.js';

export interface AppDeps {
  readonly config: Config;
  /** Reads and validates the config file again (for reloads). */
  readonly loadConfig: () => LoadResult;
  readonly logger: Logger;
  readonly store: CallbackStore;
  /** Reads calls and callbacks by time, for reports and the metrics' gauges. */
  readonly reader: RecordsReader;
  /** Erases what is past retention.keep. */
  readonly eraser: Eraser;
  /** Where records go when Redis can't take them in time; replayed into Redis when it is back. */
  readonly spool: Spool;
  readonly status: StatusStore;
  /** The follow-up jobs (notifications, reminders, escalations, text-backs) on BullMQ. */
  readonly jobs: JobQueue;
  /** Single-use action links (the buttons of push notifications), marked used in Redis. */
  readonly usedLinks: UsedLinks;
  /** Builds the notifier for a config (again after a reload). */
  readonly createNotifier: (config: Config) => Notifier;
  /** This instance's name in job leases. */
  readonly instanceId: string;
  readonly redisReady: () => boolean;
  readonly connectAri: (handlers: AriConnectionHandlers) => AriConnection;
  /** The active instance's lease (docs/decisions/0014): only its holder opens the Stasis app. */
  readonly lease: LeaseStore;
  /** A plain HTTP check of ARI, for a standby (which must not open the app's WebSocket). */
  readonly checkAri: () => Promise<AriCheck>;
  readonly clock: Clock;
  readonly timers: Timers;
}

export interface App {
  readonly http: FastifyInstance;
  /** The listener of /metrics alone (metrics.listen), not listening yet; null when /metrics is on `http` or off. */
  readonly metricsHttp: FastifyInstance | null;
  readonly registry: CallRegistry;
  start(): void;
  stop(): Promise<void>;
  /** Loads the config file again; a bad file is refused and the running rules stay. */
  reload(trigger: string): ConfigState;
  config(): Config;
  /**
   * Repairs what a crash or a failed write left behind: callbacks left dialing by a stopped
   * service go back to pending, new callbacks without follow-up jobs get them. Runs at start and
   * every minute, and after the spool was replayed into Redis.
   */
  sweep(): Promise<void>;
  /** Replays the spool into Redis now (e.g. Redis just connected); it also runs every few seconds while not empty. */
  replaySpool(trigger: string): void;
}

/** How often the sweeps run; a dial abandoned by a stopped service is pending again at most this long after its lease. */
const SWEEP_EVERY_MS = 60_000;
/** How often a non-empty spool is offered to Redis again (a black hole that heals sends no 'ready'). */
const SPOOL_REPLAY_INTERVAL_MS = 5_000;
/** How often the list of the firm's own recordings is read again (it is also read on every connect and walk). */
const RECORDED_REFRESH_MS = 5 * 60_000;

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
  // The prompts the firm recorded in its own voice (src/voice/) play instead of the generated ones.
  const recorded = createRecordedPrompts(async () => rest().storedRecordings());
  const promptSource = startup.http.publicUrl
    ? { source: startup.prompts.source, baseUrl: startup.http.publicUrl, recorded }
    : { source: startup.prompts.source, recorded };
  // Whether a phone is in a call, from events (docs/decisions/0025): no request per phone per call.
  const devices = createDeviceStates(rest, app, logger);
  const control = createCallControl(rest, app, promptSource, devices, logger);
  const voiceControl = createVoiceControl(rest);
  const voice = createVoiceWalks({ port: voiceControl, prompts: promptSource, recorded, logger });
  // Changes told to the phone page's event stream (docs/decisions/0018): every write to the
  // stores below passes the hub, and every call start, change and end.
  const hub = createEventHub(logger);
  const store = storeWithEvents(deps.store, hub);
  const status = statusWithEvents(deps.status, hub);
  const registry = new CallRegistry((session, change) => hub.publish({ type: 'call', callId: session.facts.callId, change }));
  const dialBackRegistry = new DialBackRegistry();
  // Metrics settings are read once, like the connection settings: changing them needs a restart.
  const exposition = createMetrics({
    stored: async (now) => ({ ...(await deps.reader.counts(now)), ...(await deps.jobs.counts()) }),
    state: () => {
      const { role } = elector.view();
      return { active: role === 'active', ari: ari?.isConnected() ?? false, redis: deps.redisReady(), activeCalls: registry.size, spoolDepth: deps.spool.stats().depth };
    },
    now: () => clock.now(),
  });
  const { metrics } = exposition;
  const metricsEndpoint = startup.metrics ? { token: startup.metrics.token, registry: exposition } : null;

  const followUp = createFollowUp({
    config,
    store,
    jobs: deps.jobs,
    notifier: () => notifier,
    clock,
    logger,
    instanceId: deps.instanceId,
    publicUrl: startup.http.publicUrl ?? `http://${startup.http.host}:${startup.http.port}`,
    linkSettings: startup.http,
    dialBack: async (callbackId, person, by) => {
      await dialBacks.start(callbackId, person, by);
    },
    metrics,
  });
  const dialBacks = createDialBacks({
    config,
    store,
    registry: dialBackRegistry,
    control: createDialBackControl(rest, app, promptSource, () => clock.now()),
    followUp,
    clock,
    timers,
    logger,
    instanceId: deps.instanceId,
  });
  const records = observedRecords(createCallRecords({
    store,
    spool: deps.spool,
    listeners: {
      recorded: (callback) => followUp.callbackRecorded(callback),
      closed: (callback) => followUp.closed(callback),
    },
    logger,
    boundMs: startup.redis.commandTimeoutMs,
  }), metrics);
  /** Offers the spool to Redis; after a replay the sweeps make sure the replayed callbacks have their follow-up. */
  const replaySpool = async (): Promise<void> => {
    if (deps.spool.stats().depth === 0) return;
    const result = await records.replay();
    if (result.kind === 'done') {
      logger.info('spool replayed into Redis', { replayed: result.replayed });
      await sweeps.now();
    } else if (result.kind === 'stopped') {
      logger.warn('spool replay stopped; it is tried again in a few seconds', {
        replayed: result.replayed,
        left: result.left,
        kind: result.at.kind,
        error: describeError(result.error),
      });
    }
  };
  const inbound = createInbound({ config, status, registry, control, records, clock, timers, logger });
  // What the dialplan fallback kept in AstDB while we were down; after reconcile() on every connect.
  const drain = createAstdbDrain({
    rest, app, config, store, status, followUp, clock, timers, logger,
    canRun: () => startup.ari.drainAstdb && (ari?.isConnected() ?? false),
    // Ours and not over yet, or its outcome waits in the spool for Redis: logged by us in the end.
    isLive: (callId) => registry.isLive(callId) || deps.spool.holds('call-log', callId) || deps.spool.holds('missed-call', callId),
    metrics,
  });

  /** One router for every ARI event (per-channel listeners leak in ari-client). */
  const handlers: AriConnectionHandlers = {
    onEvent(event) {
      const signal = toCallSignal(event);
      if (!signal) return;
      switch (signal.kind) {
        case 'inbound':
          inbound.call(signal.channel, signal.called).catch(async (err: unknown) => {
            logger.error('could not start handling a call; it takes the dialplan fallback', { callId: signal.channel.id, error: describeError(err) });
            await rest()
              .continueInDialplan(signal.channel.id, FALLBACK.context, FALLBACK.extension, FALLBACK.label)
              .catch(() => undefined);
          }).catch(() => undefined);
          return;
        case 'feature':
          if (signal.code === config().prompts.recordCode) {
            const current = config();
            const language = current.routes[current.defaultRoute]?.language ?? 'en';
            voice.start(signal.channel.id, language, `feature code ${signal.code} from ${signal.channel.caller.number || signal.channel.name}`).catch((err: unknown) => {
              logger.error('recording the prompts failed', { code: signal.code, error: describeError(err) });
              control.hangup(signal.channel.id, 'normal').catch(() => undefined);
            });
            return;
          }
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
          voice.dtmf(signal.channelId, signal.digit);
          return;
        case 'channelGone':
          registry.channelGone(signal.channelId, signal.cause);
          dialBackRegistry.channelGone(signal.channelId, signal.cause);
          voice.channelGone(signal.channelId);
          return;
        case 'playbackFinished':
          control.playbackFinished(signal.playbackId);
          voiceControl.playbackFinished(signal.playbackId);
          return;
        case 'recordingFinished':
          control.recordingFinished(signal.name, signal.durationSec, signal.failed);
          voiceControl.recordingFinished(signal.name, signal.durationSec, signal.failed);
          return;
        case 'deviceState':
          devices.changed(signal.device, signal.state);
          return;
        case 'drain':
          drain.stasisStart(signal.channelId, signal.args);
          return;
        case 'replaced':
          logger.warn(`another connection took over the Stasis app "${app}"; this instance stands by (instances of one installation share redis.keyPrefix and ari.app)`);
          elector.appReplaced();
          return;
      }
    },
    onConnected(current) {
      recorded
        .refresh()
        .catch((err: unknown) => logger.warn('could not list the prompts recorded in the firm\'s own voice; the generated ones play', { error: describeError(err) }));
      // Device states may have changed unseen while the socket was down: each is read once again.
      devices.forget();
      // Only the events the service acts on (docs/decisions/0026); without the filter it works the same, at more cost.
      current
        .filterEvents(app, HANDLED_EVENT_TYPES)
        .catch((err: unknown) => logger.warn('could not ask Asterisk to send only the events nevermiss uses; it gets all of them', { error: describeError(err) }));
      // Whether the snippet notes each call's end for the drain (nobody drains them otherwise).
      current
        .setGlobal(DRAIN_DIALPLAN.noteCallsVariable, startup.ari.drainAstdb ? '1' : '0')
        .catch((err: unknown) => logger.warn('could not tell the dialplan whether to note calls in AstDB', { error: describeError(err) }));
      reconcile({ rest: current, app, calls: registry, dialBacks: dialBackRegistry, inbound, logger, now: () => clock.now() })
        .catch((err: unknown) => logger.warn('reconciliation after connect failed; calls go on as they were', { error: describeError(err) }))
        .finally(() => void drain.run('connect'));
    },
    onDisconnected() {
      devices.forget();
      // Calls in progress keep their state; reconcile() settles them when the socket is back.
    },
  };

  const http = buildHttp({
    store,
    status,
    clock,
    promptsDir: startup.prompts.directory,
    logger,
    // Credentials are read at start, like the rest of http: (a change takes a restart); people follow reloads.
    auth: { http: () => startup.http, isPerson: (id) => config().people[id] !== undefined },
    usedLinks: deps.usedLinks,
    configState: () => rules.state(),
    reload: () => rules.reload('api'),
    onClosed: (callback) => followUp.closed(callback),
    callable: () => config().callable,
    dialBack: async (callbackId, person, by) => {
      const { role, leaseHolder } = elector.view();
      if (role !== 'active') {
        throw new NevermissError(
          ErrorCodes.ARI_UNREACHABLE,
          `this instance (${deps.instanceId}) is a standby and places no calls; ask the active instance (${leaseHolder ?? 'none right now'})`,
        );
      }
      return dialBacks.start(callbackId, person, by);
    },
    jobs: () => deps.jobs.scheduled(),
    outboundCall: (report) => followUp.outboundCallAnswered(report),
    page: {
      hub,
      liveCalls: () => registry.sessions().map((session) => liveCall(session.facts, session.plan, session.current)),
      config,
      notReached: (callbackId) => followUp.attemptFailed(callbackId),
    },
    report: (request) => buildReport(deps.reader, requestedPeriod(request, config().firm.timezone, clock.now()), clock.now()),
    ...(metricsEndpoint && startup.metrics?.listen === null ? { metrics: metricsEndpoint } : {}),
    health: () => ({
      ...elector.view(),
      ari: ari?.isConnected() ?? false,
      redis: deps.redisReady(),
      activeCalls: registry.size,
      config: rules.state(),
      spool: deps.spool.stats(),
    }),
  });

  // Rounds of work (src/app/repeat.ts). Follow-up jobs run on the active instance only: its
  // workers start with the elector's activate and stop when it stands down.
  const jobs = {
    start: (): void => void followUp.startJobs().catch((err: unknown) => logger.error('could not start the follow-up workers', { error: describeError(err) })),
    stop: async (): Promise<void> => {
      await followUp.stopJobs().catch((err: unknown) => logger.warn('could not stop the follow-up workers cleanly', { error: describeError(err) }));
    },
  };
  // Calls whose requests to ARI timed out while the socket stayed up; a reconnect resumes every call anyway.
  const resumer = repeat('resume calls that owe requests to ARI', 2_000, async () => {
    if (!ari?.isConnected()) return;
    await Promise.all(
      registry.owing().map((session) =>
        session.resume().catch((err: unknown) => logger.warn('could not resume a call; trying again', { callId: session.facts.callId, error: describeError(err) })),
      ),
    );
  }, logger);
  const sweeps = repeat('sweep', SWEEP_EVERY_MS, () =>
    Promise.all([
      dialBacks.sweep().catch((err: unknown) => logger.warn('could not sweep for abandoned dial-backs; trying again in a minute', { error: describeError(err) })),
      followUp.sweep().catch((err: unknown) => logger.warn('could not sweep for missing follow-up jobs; trying again in a minute', { error: describeError(err) })),
    ]), logger);
  // Data past retention.keep; the active instance erases it (its sweeps would only race each other).
  const retention = createRetention({ eraser: deps.eraser, keepMs: () => config().retention.keepMs, clock, logger });
  const retentionSweep = repeat('erase data past its keep time', RETENTION_EVERY_MS, () => retention.sweep(), logger);
  // A black hole that heals sends no 'ready': a non-empty spool is offered to Redis again and again.
  const spoolReplay = repeat('replay the spool into Redis', SPOOL_REPLAY_INTERVAL_MS, replaySpool, logger);
  // A recording deleted or added on the PBX by hand is seen within minutes, without a reconnect.
  const recordedRefresh = repeat('list the prompts recorded in the firm\'s own voice', RECORDED_REFRESH_MS, async () => {
    if (ari?.isConnected() === true) await recorded.refresh();
  }, logger);

  // Active and standby (docs/decisions/0014): the lease holder alone opens the app's WebSocket,
  // runs the calls and the follow-up jobs; the others keep the HTTP API and wait.
  const elector = createElector({
    instanceId: deps.instanceId,
    settings: { ...startup.failover, coolDownMs: COOL_DOWN_MS },
    lease: deps.lease,
    checkAri: deps.checkAri,
    ariConnected: () => ari?.isConnected() ?? false,
    activate: () => {
      ari = deps.connectAri(handlers);
      ari.start();
      jobs.start();
      retentionSweep.start();
      void retentionSweep.now();
    },
    standDown: async () => {
      await jobs.stop();
      retentionSweep.stop();
      const current = ari;
      ari = undefined;
      await current?.stop();
      const calls = registry.handOverAll();
      if (calls > 0) logger.warn('calls left to the active instance', { calls });
    },
    clock,
    timers,
    logger,
  });

  const metricsHttp = metricsEndpoint && startup.metrics?.listen ? buildMetricsHttp(metricsEndpoint) : null;

  return {
    http,
    metricsHttp,
    registry,
    start() {
      // Only the active instance opens the Stasis app and runs jobs (the elector's activate).
      elector.start();
      drain.start();
      for (const work of [resumer, sweeps, spoolReplay, recordedRefresh]) work.start();
      void sweeps.now();
      void spoolReplay.now();
    },
    async stop() {
      for (const work of [resumer, sweeps, spoolReplay, retentionSweep, recordedRefresh]) work.stop();
      await jobs.stop();
      drain.stop();
      notifier.close();
      await elector.stop();
      await ari?.stop();
      await http.close();
      await metricsHttp?.close();
    },
    reload: (trigger) => rules.reload(trigger),
    config,
    sweep: () => sweeps.now(),
    replaySpool: (trigger) => {
      logger.debug('offering the spool to Redis', { trigger });
      void spoolReplay.now();
    },
  };
}

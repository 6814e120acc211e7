/**
 * Wires the modules into a running service. No environment reads, no listening, no real clients:
 * main.ts builds those and passes them in.
 */
import type { Logger } from 'winston';
import type { FastifyInstance } from 'fastify';
import type { Config } from './config/types.js';
import type { AriConnection, AriConnectionHandlers } from './ari/connection.js';
import { createCallControl } from './ari/call-control.js';
import { toCallSignal, type AriChannel } from './ari/events.js';
import type { AriRest } from './ari/rest.js';
import { CallRegistry } from './call-flow/registry.js';
import type { Clock, Timers } from './call-flow/ports.js';
import type { CallbackStore } from './callbacks/store.js';
import { createCallRecords } from './callbacks/records.js';
import { buildHttp } from './http/server.js';
import { callbackNumber } from './routing/caller.js';
import { planHunt, selectRoute } from './routing/plan.js';
import { describeError } from './errors.js';

export interface AppDeps {
  readonly config: Config;
  readonly logger: Logger;
  readonly store: CallbackStore;
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
}

/** Where the dialplan snippet's fallback starts; orphaned callers are sent there. */
const FALLBACK = { context: 'nevermiss-route', extension: 's', label: 'fallback' } as const;

export function createApp(deps: AppDeps): App {
  const { config, logger, clock, timers } = deps;
  const registry = new CallRegistry();
  const records = createCallRecords(deps.store);
  let ari: AriConnection | undefined;
  const rest = (): AriRest => {
    if (!ari) throw new Error('ARI connection not started');
    return ari.rest();
  };
  const baseUrl = config.http.publicUrl;
  const control = createCallControl(rest, config.ari.app, baseUrl ? { source: config.prompts.source, baseUrl } : { source: config.prompts.source }, logger);

  function onInbound(channel: AriChannel, called: string): void {
    const callId = channel.id;
    const facts = {
      callId,
      caller: callbackNumber(channel.caller.number),
      callerName: channel.caller.name,
      called,
      startedAt: clock.now(),
    };
    const { route, matched } = selectRoute(config, called);
    const plan = planHunt(route, callId);
    const log = logger.child({ callId, caller: facts.caller ?? 'withheld', called });
    log.info('call arrived', { route: route.id, matched, callerName: facts.callerName });
    registry.begin(facts, plan, { control, records, clock, timers, logger: log });
  }

  /** After a (re)connect: events may have been missed while the socket was down. */
  async function reconcile(current: AriRest): Promise<void> {
    for (const session of registry.sessions()) {
      for (const channelId of session.channelIds()) {
        if (!(await current.channelExists(channelId))) registry.channelGone(channelId, 16);
      }
    }
    for (const channelId of await current.appChannels(config.ari.app)) {
      if (registry.owns(channelId)) continue;
      if (/-s\d+-\d+$/.test(channelId)) {
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
          onInbound(signal.channel, signal.called);
          return;
        case 'legAnswered':
          if (!registry.legAnswered(signal.callId, signal.legId)) {
            control.hangup(signal.legId, 'normal').catch(() => undefined);
          }
          return;
        case 'channelGone':
          registry.channelGone(signal.channelId, signal.cause);
          return;
        case 'playbackFinished':
          control.finished(signal.playbackId);
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

  const http = buildHttp({
    store: deps.store,
    clock,
    promptsDir: config.prompts.directory,
    logger,
    health: () => ({ ari: ari?.isConnected() ?? false, redis: deps.redisReady(), activeCalls: registry.size }),
  });

  return {
    http,
    registry,
    start() {
      ari = deps.connectAri(handlers);
      ari.start();
    },
    async stop() {
      await ari?.stop();
      await http.close();
    },
  };
}

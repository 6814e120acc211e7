/**
 * `nevermiss serve`: the only place real clients are built (Redis, ARI, the HTTP listener),
 * and where signals and exit codes are handled.
 */
import { watch } from 'node:fs';
import { Redis } from 'ioredis';
import { createApp } from './app/app.js';
import { checkAri, createAriConnection } from './ari/connection.js';
import { systemClock, systemTimers } from './clock/clock.js';
import { createCallbackStore } from './callbacks/store.js';
import { createRecordsReader } from './callbacks/reader.js';
import { createEraser } from './callbacks/erase.js';
import { openSpool } from './callbacks/spool.js';
import { createStatusStore } from './callbacks/status.js';
import { cachedStatus } from './callbacks/status-cache.js';
import { createKeys } from './callbacks/keys.js';
import { createJobQueue } from './callbacks/job-queue.js';
import { createUsedLinks } from './callbacks/used-links.js';
import { createLeaseStore } from './callbacks/lease.js';
import { createNotifier } from './notify/notifier.js';
import { hostname } from 'node:os';
import { parseConfig, readConfigFile } from './config/load.js';
import type { Config } from './config/types.js';
import { describeError } from './errors.js';
import { createLogger } from './log/logger.js';

export const ExitCode = { OK: 0, INVALID: 1, FAILED: 2 } as const;

/** A standby's plain-HTTP check of ARI, once a second: short, so its heartbeat stays fresh. */
const ARI_CHECK_TIMEOUT_MS = 2_000;

export function connectRedis(config: Config): Redis {
  // Every command fails after commandTimeout, also one queued while reconnecting or sent into a
  // connection that stopped answering: a call never waits longer on Redis; its record goes to
  // the spool instead (docs/decisions/0013).
  return new Redis(config.redis.url, { maxRetriesPerRequest: 1, connectTimeout: 5_000, commandTimeout: config.redis.commandTimeoutMs });
}

export async function serve(config: Config): Promise<void> {
  const logger = createLogger(config.log);
  // A promise nobody waits for must not end the service (Node's default): every call in progress
  // would be dropped. Each is a bug to fix; it is logged loudly, and the service runs on.
  process.on('unhandledRejection', (reason: unknown) => {
    logger.error('a failure nobody handled (a bug); the service runs on', { error: describeError(reason), stack: reason instanceof Error ? reason.stack : undefined });
  });
  // Before anything else: a data directory that can't be written is a clear error at start (NM_SPOOL).
  const spool = await openSpool(config.data.directory);
  const { tornBytes, unreadable } = spool.recovery;
  logger.log(tornBytes > 0 || unreadable > 0 ? 'warn' : 'info', 'spool opened', { file: spool.file, ...spool.recovery });
  const redis = connectRedis(config);
  redis.on('error', (err: Error) => logger.warn('Redis error', { error: err.message }));
  redis.on('ready', () => {
    logger.info('Redis connected', { url: redactUrl(config.redis.url) });
    app.replaySpool('Redis connected');
  });

  // Follow-up jobs on BullMQ, under the same key prefix; a Redis outage is logged, never thrown.
  const jobs = createJobQueue(redis, config.redis.keyPrefix, {
    onError: (what, err) => logger.warn('job queue: Redis failed', { what, error: describeError(err) }),
  });

  // Read by every call before its first phone rings: kept in memory, told of changes by Redis.
  const status = cachedStatus(createStatusStore(redis, config.redis.keyPrefix), redis, createKeys(config.redis.keyPrefix).status, logger);
  const app = createApp({
    config,
    loadConfig: () => {
      try {
        return parseConfig(readConfigFile(config.file), config.file, process.env);
      } catch (err) {
        return { ok: false, problems: [{ file: config.file, line: 1, col: 1, path: '(file)', message: describeError(err) }] };
      }
    },
    logger,
    store: createCallbackStore(redis, config.redis.keyPrefix),
    reader: createRecordsReader(redis, config.redis.keyPrefix),
    eraser: createEraser(redis, config.redis.keyPrefix, jobs),
    spool,
    status,
    jobs,
    usedLinks: createUsedLinks(redis, config.redis.keyPrefix),
    createNotifier: (current) => createNotifier(current),
    instanceId: `${hostname()}:${process.pid}`,
    redisReady: () => redis.status === 'ready',
    connectAri: (handlers) => createAriConnection(config.ari, handlers, logger),
    lease: createLeaseStore(redis, config.redis.keyPrefix),
    checkAri: () => checkAri(config.ari, ARI_CHECK_TIMEOUT_MS),
    clock: systemClock,
    timers: systemTimers,
  });

  app.start();
  await app.http.listen({ host: config.http.host, port: config.http.port });
  const metricsListen = config.metrics?.listen;
  if (app.metricsHttp && metricsListen) await app.metricsHttp.listen({ host: metricsListen.host, port: metricsListen.port });
  logger.info('nevermiss is running', {
    http: `http://${config.http.host}:${config.http.port}`,
    metrics: metricsListen ? `http://${metricsListen.host}:${metricsListen.port}/metrics` : config.metrics ? 'on http' : 'off',
    config: config.file,
  });

  watchConfig(config.file, () => app.reload('file changed'));
  process.on('SIGHUP', () => app.reload('SIGHUP'));

  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info('stopping', { signal, activeCalls: app.registry.size });
    app
      .stop()
      .then(() => jobs.close())
      .then(() => spool.close())
      .then(() => status.close())
      .then(() => redis.quit().catch(() => redis.disconnect())) // Redis gone: nothing to say goodbye to
      .then(
        () => process.exit(ExitCode.OK),
        (err: unknown) => {
          logger.error('unclean stop', { error: describeError(err) });
          process.exit(ExitCode.FAILED);
        },
      );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

/** Reloads when the file changes; editors write in bursts (or replace the file), so wait a moment. */
function watchConfig(file: string, reload: () => void): void {
  let timer: NodeJS.Timeout | undefined;
  let watcher: ReturnType<typeof watch> | undefined;
  const arm = (): void => {
    watcher?.close();
    watcher = watch(file, () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        reload();
        arm(); // a replaced file is a new inode: watch the new one
      }, 300);
    });
    watcher.on('error', () => setTimeout(arm, 1_000));
    watcher.unref();
  };
  arm();
}

function redactUrl(url: string): string {
  return url.replace(/\/\/([^@/]*)@/, '//***@');
}

/**
 * `nevermiss serve`: the only place real clients are built (Redis, ARI, the HTTP listener),
 * and where signals and exit codes are handled.
 */
import { Redis } from 'ioredis';
import { createApp } from './app.js';
import { createAriConnection } from './ari/connection.js';
import { systemClock, systemTimers } from './call-flow/ports.js';
import { createCallbackStore } from './callbacks/store.js';
import type { Config } from './config/types.js';
import { describeError } from './errors.js';
import { createLogger } from './log/logger.js';

export const ExitCode = { OK: 0, INVALID: 1, FAILED: 2 } as const;

export function connectRedis(config: Config): Redis {
  // Fail a command after a couple of retries instead of queueing it forever: a call must not wait
  // on a dead Redis, it takes the "please try again" path instead of a promise we can't record.
  return new Redis(config.redis.url, { maxRetriesPerRequest: 2, connectTimeout: 5_000 });
}

export async function serve(config: Config): Promise<void> {
  const logger = createLogger(config.log);
  const redis = connectRedis(config);
  redis.on('error', (err: Error) => logger.warn('Redis error', { error: err.message }));
  redis.on('ready', () => logger.info('Redis connected', { url: redactUrl(config.redis.url) }));

  const app = createApp({
    config,
    logger,
    store: createCallbackStore(redis, config.redis.keyPrefix),
    redisReady: () => redis.status === 'ready',
    connectAri: (handlers) => createAriConnection(config.ari, handlers, logger),
    clock: systemClock,
    timers: systemTimers,
  });

  app.start();
  await app.http.listen({ host: config.http.host, port: config.http.port });
  logger.info('nevermiss is running', { http: `http://${config.http.host}:${config.http.port}`, config: config.file });

  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info('stopping', { signal, activeCalls: app.registry.size });
    app
      .stop()
      .then(() => redis.quit())
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

function redactUrl(url: string): string {
  return url.replace(/\/\/([^@/]*)@/, '//***@');
}

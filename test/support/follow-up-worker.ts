/**
 * One set of follow-up workers in a process of its own, as one service instance runs them: for
 * tests that kill a worker process mid-job (kill -9) and check that the others finish its jobs.
 *
 *   node --import tsx test/support/follow-up-worker.ts <config.yaml> <key prefix> <lock ms> <name>
 *
 * Prints one JSON line per job it starts ({"start": id}) and ends ({"end": id}), and "ready" once
 * its workers run.
 */
import { readFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import winston from 'winston';
import { formatProblem, parseConfig } from '../../src/config/load.js';
import { createCallbackStore } from '../../src/callbacks/store.js';
import { createJobQueue } from '../../src/callbacks/job-queue.js';
import { createNotifier } from '../../src/notify/notifier.js';
import { systemClock } from '../../src/clock/clock.js';
import { createFollowUp, worthRetrying } from '../../src/follow-up/follow-up.js';
import { REDIS_URL } from './sandbox.js';

const [file, prefix, lockMs, name] = process.argv.slice(2);
if (file === undefined || prefix === undefined || lockMs === undefined || name === undefined) {
  throw new Error('usage: follow-up-worker.ts <config.yaml> <key prefix> <lock ms> <name>');
}
const parsed = parseConfig(readFileSync(file, 'utf8'), file, {});
if (!parsed.ok) throw new Error(parsed.problems.map(formatProblem).join('\n'));
const config = parsed.config;

const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
const jobs = createJobQueue(redis, prefix, { lockMs: Number(lockMs), onError: (what, err) => console.error(`${what}: ${String(err)}`) });
const notifier = createNotifier(config);
const followUp = createFollowUp({
  config: () => config,
  store: createCallbackStore(redis, prefix),
  jobs,
  notifier: () => notifier,
  clock: systemClock,
  logger: winston.createLogger({ silent: true }),
  instanceId: name,
  publicUrl: 'http://127.0.0.1:8080',
  dialBack: () => Promise.resolve(),
});
jobs.startWorkers({
  concurrency: config.callbacks.jobConcurrency,
  retryable: worthRetrying,
  handle: async (job, run) => {
    process.stdout.write(`${JSON.stringify({ start: run.id })}\n`);
    await followUp.run(job, run);
    process.stdout.write(`${JSON.stringify({ end: run.id })}\n`);
  },
});
process.stdout.write('ready\n');
process.on('SIGTERM', () => {
  void jobs.close().finally(() => {
    notifier.close();
    redis.disconnect();
  });
});

/**
 * The `nevermiss` command: serve | check | callbacks list | callbacks done.
 */
import { Command } from 'commander';
import { loadConfig } from '../config/load.js';
import type { Config } from '../config/types.js';
import { createCallbackStore } from '../callbacks/store.js';
import { callbackToJson, type Callback } from '../callbacks/types.js';
import { describeError, isNevermissError, ErrorCodes } from '../errors.js';
import { ExitCode, connectRedis, serve } from '../main.js';
import { runCheck } from './check.js';

const DEFAULT_CONFIG = process.env['NEVERMISS_CONFIG'] ?? 'config/nevermiss.yaml';

const program = new Command()
  .name('nevermiss')
  .description('Never lose a customer call: hunt groups, fallbacks and kept callback promises for Asterisk')
  .showHelpAfterError();

const configOption = ['-c, --config <file>', 'the YAML configuration', DEFAULT_CONFIG] as const;

program
  .command('serve')
  .description('connect to ARI and Redis and handle every call')
  .option(...configOption)
  .action(async (opts: { config: string }) => {
    await serve(loadOrExit(opts.config));
  });

program
  .command('check')
  .description('validate the configuration; prints every problem as FILE:LINE:COL key.path: message')
  .option(...configOption)
  .action((opts: { config: string }) => {
    process.exitCode = runCheck(opts.config, process.env, (line) => console.log(line));
  });

const callbacks = program.command('callbacks').description('the pending callbacks');

callbacks
  .command('list')
  .description('list pending callbacks, soonest due first')
  .option(...configOption)
  .option('--json', 'print JSON, as GET /api/callbacks does')
  .action(async (opts: { config: string; json?: boolean }) => {
    await withStore(opts.config, async (store) => {
      const pending = await store.listPending();
      const now = Date.now();
      if (opts.json) console.log(JSON.stringify(pending.map((cb) => callbackToJson(cb, now)), null, 2));
      else printTable(pending, now);
    });
  });

callbacks
  .command('done <id>')
  .description('close a callback: the customer was reached')
  .option(...configOption)
  .option('--by <who>', 'who reached the customer', 'cli')
  .action(async (id: string, opts: { config: string; by: string }) => {
    await withStore(opts.config, async (store) => {
      const closed = await store.close(id, 'done', opts.by, Date.now());
      console.log(`callback ${closed.id} to ${closed.caller} is done`);
    });
  });

function loadOrExit(file: string): Config {
  try {
    return loadConfig(file, process.env);
  } catch (err) {
    console.error(describeError(err));
    process.exit(ExitCode.INVALID);
  }
}

async function withStore(configFile: string, run: (store: ReturnType<typeof createCallbackStore>) => Promise<void>): Promise<void> {
  const config = loadOrExit(configFile);
  const redis = connectRedis(config);
  redis.on('error', () => undefined);
  try {
    await run(createCallbackStore(redis, config.redis.keyPrefix));
  } catch (err) {
    console.error(describeError(err));
    const userError = isNevermissError(err, ErrorCodes.CALLBACK_NOT_FOUND) || isNevermissError(err, ErrorCodes.CALLBACK_CLOSED);
    process.exitCode = userError ? ExitCode.INVALID : ExitCode.FAILED;
  } finally {
    redis.disconnect();
  }
}

function printTable(pending: readonly Callback[], now: number): void {
  if (pending.length === 0) {
    console.log('no pending callbacks');
    return;
  }
  const rows = pending.map((cb) => [
    cb.id,
    cb.caller,
    cb.called,
    new Date(cb.dueAt).toISOString(),
    cb.dueAt < now ? 'OVERDUE' : `in ${Math.ceil((cb.dueAt - now) / 60_000)} min`,
    String(cb.attempts),
  ]);
  const header = ['ID', 'CALLER', 'CALLED', 'DUE', 'STATUS', 'ATTEMPTS'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]?.length ?? 0)));
  for (const row of [header, ...rows]) console.log(row.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ').trimEnd());
}

program.parseAsync().catch((err: unknown) => {
  console.error(describeError(err));
  process.exit(ExitCode.FAILED);
});

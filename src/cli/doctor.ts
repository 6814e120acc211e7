/**
 * `nevermiss doctor`: checks a real deployment and prints each finding with what to do.
 * Exit code 0 when nothing failed (warnings allowed; --strict counts them as failures), 1 otherwise.
 */
import type { Command } from 'commander';
import { formatFindings, exitCodeOf } from '../doctor/report.js';
import { runDoctor } from '../doctor/run.js';

interface DoctorFlags {
  readonly config: string;
  readonly context?: string;
  readonly number?: string;
  readonly sendTest?: string;
  readonly strict?: boolean;
}

export function registerDoctor(program: Command, defaultConfig: string): void {
  program
    .command('doctor')
    .description('check a real deployment: config, ARI, the Stasis app, modules, the dialplan snippet, phones, prompts, Redis, clock, notifications')
    .option('-c, --config <file>', 'the YAML configuration', defaultConfig)
    .option('--context <name>', 'the context your trunk sends inbound calls to (where the probe call starts)', 'nevermiss-inbound')
    .option('--number <number>', "the number the probe call dials there, as the trunk delivers it (default: the default route's first number)")
    .option('--send-test <person>', 'also send a real test message to this person, over each of their channels')
    .option('--strict', 'count warnings as failures in the exit code')
    .action(async (flags: DoctorFlags) => {
      console.log(`nevermiss doctor: ${flags.config}`);
      const findings = await runDoctor(
        {
          file: flags.config,
          env: process.env,
          ...(flags.context === undefined ? {} : { inboundContext: flags.context }),
          ...(flags.number === undefined ? {} : { probeNumber: flags.number }),
          ...(flags.sendTest === undefined ? {} : { sendTest: flags.sendTest }),
        },
      );
      for (const line of formatFindings(findings)) console.log(line);
      process.exitCode = exitCodeOf(findings, flags.strict === true);
    });
}

/**
 * `nevermiss prompts build [--lang en,da] [--out DIR]`: makes the voice prompts with
 * scripts/make-prompts.sh (espeak-ng and sox) where the user says. An installed package never
 * writes into itself: npm replaces the package folder on every upgrade, and a global install's
 * folder is often not writable by the user anyway.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';

import { loadConfig } from '../config/load.js';
import { languagesAvailable } from '../languages/languages.js';
import { describeError, ErrorCodes } from '../errors.js';
import { ExitCode } from '../main.js';
import { isInside, isInstalledPackage, PACKAGE_ROOT } from './package.js';

const SCRIPT = join(PACKAGE_ROOT, 'scripts', 'make-prompts.sh');
const TEXTS = join(PACKAGE_ROOT, 'prompts', 'src');

interface BuildOptions {
  readonly lang?: string[];
  readonly out?: string;
  readonly config: string;
}

/** Registers `prompts build` and returns the `prompts` command, for its other subcommands. */
export function registerPromptsCommand(program: Command, configOption: readonly [string, string, string]): Command {
  const prompts = program.command('prompts').description('the voice prompts callers hear');
  prompts
    .command('build')
    .description(
      'speak the prompts with espeak-ng and sox (installed with apt-get when missing) into DIR/<lang>/nevermiss/<name>.wav; ' +
        'without --out, into prompts.directory of the config',
    )
    .option('--lang <lang...>', `languages to make (default: every one there are texts for: ${languagesAvailable(TEXTS).join(', ')})`)
    .option('--out <dir>', 'the folder to write them to')
    .option(...configOption)
    .action(async (opts: BuildOptions) => {
      process.exitCode = await buildPrompts(opts);
    });
  return prompts;
}

async function buildPrompts(opts: BuildOptions): Promise<number> {
  const known = languagesAvailable(TEXTS);
  const langs = (opts.lang ?? []).flatMap((item) => item.split(',')).map((item) => item.trim()).filter((item) => item !== '');
  const unknown = langs.filter((lang) => !known.includes(lang));
  if (unknown.length > 0) {
    return usage(`no prompt texts for ${unknown.map((lang) => `"${lang}"`).join(', ')}; languages with texts: ${known.join(', ')}`);
  }

  const out = opts.out ?? directoryOfConfig(opts.config);
  if (out === null) {
    return usage(`say where the prompts go: --out DIR, or a readable config (-c FILE, now ${opts.config}) whose prompts.directory names the folder`);
  }
  if (isInstalledPackage() && isInside(out)) {
    return usage(`${resolve(out)} is inside the installed package, which the next upgrade replaces; give a folder of your own with --out`);
  }

  const env = { ...process.env, ...(langs.length > 0 ? { NEVERMISS_PROMPTS_LANGS: langs.join(' ') } : {}) };
  return new Promise((done) => {
    const child = spawn('bash', [SCRIPT, resolve(out)], { stdio: 'inherit', env });
    child.on('error', (error) => {
      console.error(`${ErrorCodes.USAGE}: cannot run ${SCRIPT} with bash: ${describeError(error)}; prompts build needs bash`);
      done(ExitCode.FAILED);
    });
    child.on('exit', (code) => done(code === 0 ? 0 : ExitCode.FAILED));
  });
}

/** The config's prompts.directory, when the config reads; secrets are not needed for that. */
function directoryOfConfig(file: string): string | null {
  if (!existsSync(file)) return null;
  try {
    return loadConfig(file, process.env, { unsetVariables: 'placeholder' }).prompts.directory;
  } catch (error) {
    console.error(describeError(error));
    return null;
  }
}

function usage(message: string): number {
  console.error(`${ErrorCodes.USAGE}: ${message}`);
  return ExitCode.INVALID;
}

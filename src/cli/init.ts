/**
 * `nevermiss init`: connects to ARI, lists the PBX's endpoints, asks for the firm, its numbers,
 * the owner and a colleague with their endpoints, the opening hours and the language (or takes
 * them all from flags, with --no-input), and writes a commented starter config that passes
 * `nevermiss check`. The questions use @inquirer/prompts (docs/decisions/0023).
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { checkbox, confirm, input, password as askPassword, select } from '@inquirer/prompts';
import type { Command } from 'commander';
import { formatProblem, parseConfig } from '../config/load.js';
import { describeError } from '../errors.js';
import { listEndpoints, type PbxEndpoint } from '../init/pbx.js';
import { languagesAvailable } from '../languages/languages.js';
import { ARI_PASSWORD_ENV, parseHours, renderStarterConfig, type StarterAnswers, type StarterLanguage, type StarterPerson } from '../init/starter.js';

interface InitFlags {
  readonly out: string;
  readonly force?: boolean;
  readonly input: boolean;
  readonly ariUrl?: string;
  readonly ariUser?: string;
  readonly ariPassword?: string;
  readonly app: string;
  readonly firm?: string;
  readonly number?: string;
  readonly country?: string;
  readonly timezone?: string;
  readonly language?: string;
  readonly owner?: string;
  readonly ownerPhones?: string;
  readonly colleague?: string;
  readonly colleaguePhones?: string;
  readonly hours?: string;
}

/** Every language whose prompts this installation has (prompts/src/<lang>.txt), English first. */
const LANGUAGES: readonly StarterLanguage[] = ['en', ...languagesAvailable().filter((code) => code !== 'en')];
const languageName = (code: string): string => `${new Intl.DisplayNames(['en'], { type: 'language' }).of(code) ?? code} (${code})`;

/** A wrong answer given as a flag: exit 1 with what is wrong and what to give instead. */
class InitUsage extends Error {}

export function registerInit(program: Command): void {
  program
    .command('init')
    .description("write a commented starter config from your PBX's endpoints and a few answers (asked, or given as flags)")
    .option('-o, --out <file>', 'where to write it', 'config/nevermiss.yaml')
    .option('--force', 'overwrite the file if it exists')
    .option('--no-input', 'ask nothing: every answer comes from the flags (for scripts)')
    .option('--ari-url <url>', 'Asterisk HTTP server, without /ari (default http://127.0.0.1:8088)')
    .option('--ari-user <name>', 'the ari.conf user (default nevermiss)')
    .option('--ari-password <secret>', `its password (default $${ARI_PASSWORD_ENV}); the file reads it from $${ARI_PASSWORD_ENV}, never holds it`)
    .option('--app <name>', 'the Stasis app name', 'nevermiss')
    .option('--firm <name>', "the firm's name")
    .option('--number <numbers>', 'the numbers callers dial, comma-separated, as the provider delivers them')
    .option('--country <code>', 'ISO country code for national numbers, like DK')
    .option('--timezone <zone>', 'IANA time zone, like Europe/Copenhagen')
    .option('--language <lang>', `what callers hear: ${LANGUAGES.join(' | ')}`)
    .option('--owner <name>', "the owner's name")
    .option('--owner-phones <endpoints>', "the owner's endpoints, comma-separated, like PJSIP/owner-desk,PJSIP/owner-mobile")
    .option('--colleague <name>', 'who answers when the owner does not ("" for nobody)')
    .option('--colleague-phones <endpoints>', "the colleague's endpoints, comma-separated")
    .option('--hours <hours>', 'opening hours like "mon-fri 08:00-16:00, sat 09:00-12:00", or "always"')
    .action(async (flags: InitFlags) => {
      try {
        process.exitCode = await runInit(flags);
      } catch (err) {
        if (err instanceof Error && err.name === 'ExitPromptError') {
          console.error('init cancelled; nothing written');
          process.exitCode = 1;
        } else if (err instanceof InitUsage) {
          console.error(`NM_USAGE: ${err.message}`);
          process.exitCode = 1;
        } else {
          console.error(describeError(err));
          process.exitCode = 2;
        }
      }
    });
}

async function runInit(flags: InitFlags): Promise<number> {
  const interactive = flags.input && process.stdin.isTTY;
  if (flags.input && !interactive) console.log('(no terminal: answers come from the flags, as with --no-input)');
  const ask = async <T>(given: T | undefined, flag: string, question: () => Promise<T>): Promise<T> => {
    if (given !== undefined) return given;
    if (!interactive) throw new InitUsage(`${flag} is missing; give it, or run init in a terminal to be asked`);
    return question();
  };

  const out = path.resolve(flags.out);
  if (existsSync(out) && flags.force !== true) {
    const overwrite = interactive ? await confirm({ message: `${flags.out} exists. Overwrite it?`, default: false }) : false;
    if (!overwrite) throw new InitUsage(`${flags.out} exists; choose another --out, or --force to overwrite it`);
  }

  const ariUrl = await ask(flags.ariUrl, '--ari-url', () => input({ message: 'Asterisk HTTP server (ARI), without /ari:', default: 'http://127.0.0.1:8088' }));
  const ariUser = await ask(flags.ariUser, '--ari-user', () => input({ message: 'ARI user (ari.conf):', default: 'nevermiss' }));
  const ariPassword = await ask(flags.ariPassword ?? process.env[ARI_PASSWORD_ENV], `--ari-password (or $${ARI_PASSWORD_ENV})`, () => askPassword({ message: 'ARI password:', mask: '*' }));
  const endpoints = await listEndpoints({ url: ariUrl.replace(/\/+$/, ''), username: ariUser, password: ariPassword });
  const registered = endpoints.filter((e) => e.state === 'online').length;
  const shown = endpoints.slice(0, 12).map((e) => e.name).join(', ') + (endpoints.length > 12 ? ', ...' : '');
  console.log(`Asterisk at ${ariUrl} has ${endpoints.length} endpoint${endpoints.length === 1 ? '' : 's'} (${registered} registered)${endpoints.length > 0 ? `: ${shown}` : ''}`);

  const firmName = await ask(flags.firm, '--firm', () => input({ message: "Your firm's name:", validate: required }));
  const numbers = list(await ask(flags.number, '--number', () => input({ message: 'The numbers customers call (comma-separated, e.g. +4530123456):', validate: required })));
  if (numbers.length === 0) throw new InitUsage('--number: give at least one number');
  const country = (await ask(flags.country, '--country', () => input({ message: 'Country (ISO code, for national numbers):', default: 'DK', validate: (v) => /^[A-Za-z]{2}$/.test(v.trim()) || 'two letters, like DK' }))).trim().toUpperCase();
  const timezone = (await ask(flags.timezone, '--timezone', () => input({ message: 'Time zone:', default: localZone() }))).trim();
  const language = await ask(flags.language, '--language', () => select({ message: 'What language do callers hear?', choices: LANGUAGES.map((value) => ({ value, name: languageName(value) })) }));
  if (!LANGUAGES.includes(language)) throw new InitUsage(`--language: "${language}" is not one of ${LANGUAGES.join(', ')}`);

  const ownerName = await ask(flags.owner, '--owner', () => input({ message: "The owner's name:", validate: required }));
  const ownerPhones = await phones(flags.ownerPhones, '--owner-phones', `Which endpoints are ${ownerName}'s phones?`, endpoints, interactive, true);
  const colleagueName = (await ask(flags.colleague, '--colleague', () => input({ message: 'A colleague who answers when the owner does not (empty: nobody):' }))).trim();
  let colleague: StarterPerson | null = null;
  if (colleagueName !== '') {
    colleague = { name: colleagueName, endpoints: await phones(flags.colleaguePhones, '--colleague-phones', `Which endpoints are ${colleagueName}'s phones?`, endpoints, interactive, true) };
  }
  const hoursText = await ask(flags.hours, '--hours', () =>
    input({ message: 'Opening hours ("always" for always open):', default: 'mon-fri 08:00-16:00', validate: (v) => tryHours(v) }),
  );
  let hours: Record<string, string> | null;
  try {
    hours = parseHours(hoursText);
  } catch (err) {
    throw new InitUsage(`--hours: ${describeError(err)}`);
  }

  const answers: StarterAnswers = {
    ari: { url: ariUrl.replace(/\/+$/, ''), username: ariUser, app: flags.app },
    firm: { name: firmName.trim(), numbers, country, timezone },
    language: language,
    owner: { name: ownerName.trim(), endpoints: ownerPhones },
    colleague,
    hours,
  };
  const text = renderStarterConfig(answers, new Date());
  // The same loader as `nevermiss check` and the service: nothing is written that they would refuse.
  const result = parseConfig(text, out, { ...process.env, [ARI_PASSWORD_ENV]: ariPassword });
  if (!result.ok) {
    console.error(`The answers don't make a valid config; nothing written:`);
    for (const problem of result.problems) console.error(`  ${formatProblem(problem)}`);
    return 1;
  }
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, text, { mode: 0o640 });
  console.log(`Wrote ${flags.out}; nevermiss check passes. Next:`);
  console.log(`  export ${ARI_PASSWORD_ENV}=...        (the ARI password: the file reads it from there)`);
  console.log(`  nevermiss doctor -c ${flags.out}     (checks the PBX, Redis, phones and prompts)`);
  return 0;
}

async function phones(given: string | undefined, flag: string, message: string, endpoints: readonly PbxEndpoint[], interactive: boolean, needOne: boolean): Promise<string[]> {
  const known = new Set(endpoints.map((e) => e.name));
  if (given !== undefined) {
    const chosen = list(given);
    const unknown = chosen.filter((name) => !known.has(name));
    if (unknown.length > 0) throw new InitUsage(`${flag}: ${unknown.join(', ')} ${unknown.length === 1 ? 'is not an endpoint' : 'are not endpoints'} of this PBX; it has: ${[...known].join(', ') || 'none'}`);
    if (needOne && chosen.length === 0) throw new InitUsage(`${flag}: give at least one endpoint`);
    return chosen;
  }
  if (!interactive) throw new InitUsage(`${flag} is missing; give it, or run init in a terminal to be asked`);
  if (endpoints.length === 0) throw new InitUsage('the PBX has no endpoints to choose from; create the phones in Asterisk first');
  return checkbox({
    message,
    choices: endpoints.map((e) => ({ value: e.name, name: `${e.name}${e.state === 'online' ? ' (registered)' : ''}` })),
    validate: (chosen) => !needOne || chosen.length > 0 || 'choose at least one (space selects)',
    pageSize: 15,
  });
}

function list(text: string): string[] {
  return text.split(',').map((item) => item.trim()).filter((item) => item !== '');
}

function required(value: string): true | string {
  return value.trim() !== '' || 'please answer';
}

function tryHours(value: string): true | string {
  try {
    parseHours(value);
    return true;
  } catch (err) {
    return describeError(err);
  }
}

function localZone(): string {
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  return zone === 'UTC' || zone === 'Etc/UTC' ? 'Europe/Copenhagen' : zone;
}

/**
 * `nevermiss init` against the bench's Asterisk: with flags (--no-input), and answered by hand
 * through a pseudo-terminal (util-linux `script` gives the command a real TTY, as a user's shell
 * would, so @inquirer/prompts runs exactly as it does for them). Each written file must pass
 * `nevermiss check`.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { stripVTControlCharacters } from 'node:util';
import { ARI, REPO_ROOT, ariRequest, ensureSandbox } from '../support/sandbox.js';
import { offerOrder, type PbxEndpoint } from '../../src/init/pbx.js';

const CLI = join(REPO_ROOT, 'bin', 'nevermiss.js');
/** The environment of the runs: without the password, so init must be given or ask for it. */
const ENV = Object.fromEntries(Object.entries(process.env).filter(([key]) => key !== 'NEVERMISS_ARI_PASSWORD'));

interface Run {
  readonly code: number | null;
  readonly out: string;
}

function run(args: readonly string[], env: NodeJS.ProcessEnv = ENV): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { cwd: REPO_ROOT, env, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : null, out: `${stdout}${stderr}` });
    });
  });
}

const FLAGS = [
  '--ari-url', ARI.url, '--ari-user', ARI.username, '--ari-password', ARI.password,
  '--firm', 'Hansen VVS', '--number', '+4530123456,30123456', '--country', 'DK', '--timezone', 'Europe/Copenhagen', '--language', 'da',
  '--owner', 'Anna Hansen', '--owner-phones', 'PJSIP/owner-desk,PJSIP/owner-mobile',
  '--colleague', 'Bo Jensen', '--colleague-phones', 'PJSIP/colleague',
  '--hours', 'mon-fri 07:00-16:00, sat 09:00-12:00',
];

describe('nevermiss init on the bench', { timeout: 180_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'nevermiss-init-'));

  before(async () => {
    await ensureSandbox();
  });

  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  async function passesCheck(file: string): Promise<void> {
    const checked = await run(['check', '-c', file], { ...ENV, NEVERMISS_ARI_PASSWORD: ARI.password });
    assert.equal(checked.code, 0, checked.out);
    assert.match(checked.out, /OK \(1 route, 2 people\)/);
  }

  test('with flags: writes a commented config that passes check, and never the password', async () => {
    const file = join(dir, 'flags.yaml');
    const result = await run(['init', '--no-input', '-o', file, ...FLAGS]);
    assert.equal(result.code, 0, result.out);
    assert.match(result.out, /Asterisk at http:\/\/127\.0\.0\.1:8088 has \d+ endpoints \(\d+ registered\)/);
    assert.match(result.out, /nevermiss check passes/);
    const text = readFileSync(file, 'utf8');
    assert.match(text, /^# nevermiss configuration, written by "nevermiss init"/);
    assert.match(text, /# How nevermiss reaches Asterisk/);
    assert.match(text, /password: \$\{NEVERMISS_ARI_PASSWORD\}/);
    assert.doesNotMatch(text, new RegExp(ARI.password));
    assert.match(text, /owner-desk: PJSIP\/owner-desk\n\s+owner-mobile: PJSIP\/owner-mobile/);
    assert.match(text, /numbers: \[ "\+4530123456", "30123456" \]/);
    assert.match(text, /mon-fri: 07:00-16:00\n\s+sat: 09:00-12:00/);
    assert.match(text, /language: da/);
    await passesCheck(file);

    const again = await run(['init', '--no-input', '-o', file, ...FLAGS]);
    assert.equal(again.code, 1);
    assert.match(again.out, /exists; choose another --out, or --force to overwrite it/);
  });

  test('with flags: an endpoint the PBX lacks, a missing answer and a wrong password are refused, nothing written', async () => {
    const file = join(dir, 'refused.yaml');
    const unknown = await run(['init', '--no-input', '-o', file, ...FLAGS.map((f) => (f === 'PJSIP/colleague' ? 'PJSIP/colleage' : f))]);
    assert.equal(unknown.code, 1);
    assert.match(unknown.out, /NM_USAGE: --colleague-phones: PJSIP\/colleage is not an endpoint of this PBX/);
    const missing = await run(['init', '--no-input', '-o', file, ...FLAGS.slice(0, 6)]);
    assert.equal(missing.code, 1);
    assert.match(missing.out, /NM_USAGE: --firm is missing; give it, or run init in a terminal to be asked/);
    const wrong = await run(['init', '--no-input', '-o', file, ...FLAGS.map((f) => (f === ARI.password ? 'wrong' : f))]);
    assert.equal(wrong.code, 2);
    assert.match(wrong.out, /NM_ARI_AUTH: ARI at http:\/\/127\.0\.0\.1:8088 refused user "nevermiss" \(HTTP 401\)/);
    const badHours = await run(['init', '--no-input', '-o', file, ...FLAGS.map((f) => (f.startsWith('mon-fri') ? 'weekdays 8-16' : f))]);
    assert.equal(badHours.code, 1);
    assert.match(badHours.out, /--hours: "weekdays 8-16": expected days and hours like "mon-fri 08:00-16:00"/);
    assert.equal(existsSync(file), false);
  });

  test('interactively, through a pseudo-terminal: every question answered by keys, the file passes check', async () => {
    const file = join(dir, 'asked.yaml');
    // The checkbox lists the endpoints in offerOrder: find how far down each phone is.
    const listed = await ariRequest('GET', '/endpoints');
    const offered = (listed.body as { technology: string; resource: string; state: string }[])
      .map((e): PbxEndpoint => ({ name: `${e.technology}/${e.resource}`, state: e.state }))
      .sort(offerOrder)
      .map((e) => e.name);
    const at = (name: string): number => {
      const index = offered.indexOf(name);
      assert.ok(index >= 0, `${name} is not an endpoint of the bench`);
      return index;
    };

    const command = `${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)} init -o ${JSON.stringify(file)}`;
    const child = spawn('script', ['-qec', command, '/dev/null'], { cwd: REPO_ROOT, env: { ...ENV, TERM: 'xterm' }, stdio: ['pipe', 'pipe', 'pipe'] });
    let screen = '';
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    child.stdout.on('data', (chunk: Buffer) => {
      screen += stripVTControlCharacters(chunk.toString('utf8'));
    });
    let seen = 0;
    const answer = async (question: string, ...keys: string[]): Promise<void> => {
      const deadline = Date.now() + 15_000;
      while (screen.indexOf(question, seen) < 0) {
        if (Date.now() > deadline) throw new Error(`no question "${question}" within 15 s; the screen:\n${screen}`);
        await sleep(20);
      }
      seen = screen.indexOf(question, seen) + question.length;
      for (const key of keys) {
        child.stdin.write(key);
        await sleep(15);
      }
    };
    const DOWN = '\x1b[B';
    const pick = (from: number, to: number): string[] => [...Array<string>(to - from).fill(DOWN), ' '];

    await answer('Asterisk HTTP server', '\r');
    await answer('ARI user', '\r');
    await answer('ARI password', ...ARI.password.split(''), '\r');
    await answer("Your firm's name", ...'Hansen VVS'.split(''), '\r');
    await answer('The numbers customers call', ...'+4530123456'.split(''), '\r');
    await answer('Country', '\r');
    await answer('Time zone', '\r');
    await answer('What language do callers hear?', DOWN, '\r');
    await answer("The owner's name", ...'Anna Hansen'.split(''), '\r');
    const desk = at('PJSIP/owner-desk');
    const mobile = at('PJSIP/owner-mobile');
    await answer("Which endpoints are Anna Hansen's phones?", ...pick(0, Math.min(desk, mobile)), ...pick(Math.min(desk, mobile), Math.max(desk, mobile)), '\r');
    await answer('A colleague who answers', ...'Bo'.split(''), '\r');
    await answer("Which endpoints are Bo's phones?", ...pick(0, at('PJSIP/colleague')), '\r');
    await answer('Opening hours', '\r');
    const code = await exited;

    assert.equal(code, 0, screen);
    assert.match(screen, /Wrote .*asked\.yaml; nevermiss check passes/);
    const text = readFileSync(file, 'utf8');
    assert.match(text, /name: Anna Hansen\n\s+phones:\n\s+owner-desk: PJSIP\/owner-desk\n\s+owner-mobile: PJSIP\/owner-mobile/);
    assert.match(text, /name: Bo\n\s+phones:\n\s+colleague: PJSIP\/colleague/);
    assert.match(text, /language: da/);
    assert.match(text, /mon-fri: 08:00-16:00/);
    assert.doesNotMatch(text, new RegExp(ARI.password));
    await passesCheck(file);
  });
});

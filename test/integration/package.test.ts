/**
 * The package as a user gets it: `npm pack` (prepack builds dist/), `npm install -g` of the
 * tarball into an empty prefix (dependencies from npm's cache when they are there), then the
 * installed `nevermiss` run from a folder outside the repository, with Node and nothing else of
 * the repository in reach: --version, --help, check, check --offline and explain without the
 * secrets, serve (starts, answers /healthz, says that ARI is out of reach, stops on SIGTERM),
 * and prompts build into a folder of the user's, never into the package.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { deleteNevermissKeys, ensureRedis } from '../support/redis.js';
import { freePort } from '../support/service.js';
import { EXAMPLE_ENV } from '../support/example-config.js';

const ROOT = resolve(import.meta.dirname, '..', '..');
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const dir = mkdtempSync(join(tmpdir(), 'nevermiss-package-'));
const prefixDir = join(dir, 'prefix');
const home = join(dir, 'home');
const installed = join(prefixDir, 'lib', 'node_modules', 'nevermiss');
const command = join(prefixDir, 'bin', 'nevermiss');
const example = join(installed, 'config', 'nevermiss.example.yaml');
const keyPrefix = `nm-package-${randomBytes(6).toString('hex')}`;

/** Node's own folder first, then the system's (bash, espeak-ng, sox for prompts build); no repository tool. */
const PATH = `${dirname(process.execPath)}:/usr/local/bin:/usr/bin:/bin`;

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `file` with PATH, HOME and `env` alone, or (npm) with the whole environment and `env`. */
function run(
  file: string,
  args: readonly string[],
  options: { cwd?: string; env?: Record<string, string>; timeout?: number; wholeEnvironment?: boolean } = {},
): Promise<Run> {
  return new Promise((done) => {
    execFile(
      file,
      args,
      {
        cwd: options.cwd ?? home,
        env: options.wholeEnvironment === true ? { ...process.env, ...options.env } : { PATH, HOME: home, ...options.env },
        timeout: options.timeout ?? 60_000,
        maxBuffer: 16 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 99) : 0;
        done({ code, stdout, stderr });
      },
    );
  });
}

function nevermiss(args: readonly string[], env: Record<string, string> = {}): Promise<Run> {
  return run(command, args, { env });
}

before(async () => {
  mkdirSync(home, { recursive: true });
  // npm runs as the user runs it (its cache, registry and certificates); the installed command later runs without any of that.
  const packed = await run('npm', ['pack', '--pack-destination', dir, '--json'], { cwd: ROOT, wholeEnvironment: true, timeout: 300_000 });
  assert.equal(packed.code, 0, `npm pack failed:\n${packed.stderr}`);
  const tarball = join(dir, `nevermiss-${VERSION}.tgz`);
  assert.ok(existsSync(tarball), `no ${tarball}:\n${packed.stdout}`);

  const install = await run(
    'npm',
    ['install', '-g', '--prefix', prefixDir, '--prefer-offline', '--no-audit', '--no-fund', tarball],
    { cwd: dir, wholeEnvironment: true, timeout: 300_000 },
  );
  assert.equal(install.code, 0, `npm install -g failed:\n${install.stderr}`);
});

after(async () => {
  rmSync(dir, { recursive: true, force: true });
  await ensureRedis();
  const redis = new Redis('redis://127.0.0.1:6379/0');
  await deleteNevermissKeys(redis, keyPrefix);
  redis.disconnect();
});

test('the package holds the compiled code and what a user needs, and no TypeScript source or tests', () => {
  assert.ok(existsSync(join(installed, 'dist', 'cli', 'main.js')));
  assert.ok(existsSync(join(installed, 'dist', 'callbacks', 'lua')), 'the Lua scripts are copied into dist/');
  assert.ok(existsSync(join(installed, 'dist', 'http', 'page', 'index.html')), "the phone page's files are copied into dist/");
  for (const file of ['dialplan/nevermiss.conf', 'config/nevermiss.example.yaml', 'prompts/src/en.txt', 'scripts/make-prompts.sh', 'packaging/systemd/nevermiss.service']) {
    assert.ok(existsSync(join(installed, file)), `the package has ${file}`);
  }
  for (const absent of ['src', 'test', 'node_modules/tsx', 'node_modules/typescript']) {
    assert.ok(!existsSync(join(installed, absent)), `the package has no ${absent}`);
  }
  assert.ok(!existsSync(join(prefixDir, 'lib', 'node_modules', 'tsx')));
});

test('nevermiss --version prints the version of the package', async () => {
  const { code, stdout } = await nevermiss(['--version']);
  assert.equal(code, 0);
  assert.equal(stdout.trim(), VERSION);
});

test('nevermiss --help lists the commands', async () => {
  const { code, stdout } = await nevermiss(['--help']);
  assert.equal(code, 0);
  for (const name of ['serve', 'check', 'explain', 'callbacks', 'prompts']) assert.match(stdout, new RegExp(`^  ${name}\\b`, 'm'));
});

test('check: the example config with its secrets in the environment is OK', async () => {
  const { code, stdout } = await nevermiss(['check', '-c', example], EXAMPLE_ENV);
  assert.equal(code, 0, stdout);
  assert.equal(stdout.trim(), `${example}: OK (1 route, 2 people)`);
});

test('check without the secrets reports each missing one; check --offline lists them and passes', async () => {
  const strict = await nevermiss(['check', '-c', example]);
  assert.equal(strict.code, 1);
  assert.match(strict.stdout, /:41:13 ari\.password: environment variable NEVERMISS_ARI_PASSWORD is not set/);

  const offline = await nevermiss(['check', '--offline', '-c', example]);
  assert.equal(offline.code, 0, offline.stdout);
  const [ok, unset] = offline.stdout.trim().split('\n');
  assert.equal(ok, `${example}: OK (1 route, 2 people)`);
  assert.match(unset ?? '', /^not set here, and needed by "nevermiss serve": .*NEVERMISS_ARI_PASSWORD.*NEVERMISS_SMTP_PASSWORD/);
});

test('check --offline still reports a variable whose value must be known to be checked', async () => {
  const file = join(dir, 'url-from-env.yaml');
  writeFileSync(file, readFileSync(example, 'utf8').replace('url: http://127.0.0.1:8088', 'url: ${NEVERMISS_ARI_URL}'));
  const { code, stdout } = await nevermiss(['check', '--offline', '-c', file]);
  assert.equal(code, 1, stdout);
  assert.match(stdout, /ari\.url: environment variable NEVERMISS_ARI_URL is not set/);
  assert.doesNotMatch(stdout, /PASSWORD|TOKEN|SECRET/, 'only the variable that is needed');
});

test('explain needs none of the secrets', async () => {
  const { code, stdout, stderr } = await nevermiss(['explain', '-c', example, '--to', '+4530123456', '--from', '+4533333333', '--at', '2026-12-01T10:00', '--json']);
  assert.equal(code, 0, stderr);
  const explained = JSON.parse(stdout) as { route: string; timeline: { person: string }[] };
  assert.equal(explained.route, 'main');
  assert.ok(explained.timeline.length > 0);
});

test('serve starts from the package, answers /healthz, says ARI is out of reach, and stops on SIGTERM', async () => {
  await ensureRedis();
  const [httpPort, closedPort] = [await freePort(), await freePort()];
  const config = join(dir, 'serve.yaml');
  writeFileSync(
    config,
    `ari: { url: "http://127.0.0.1:${closedPort}", username: nevermiss, password: "\${NEVERMISS_ARI_PASSWORD}" }
redis: { keyPrefix: ${keyPrefix} }
http: { listen: "127.0.0.1:${httpPort}" }
data: { directory: ${join(dir, 'data')} }
prompts: { source: sound }
log: { format: json }
people: { owner: { phones: { desk: PJSIP/owner-desk } } }
routes: { main: { numbers: ["4530123456"], hunt: [{ ring: [owner], timeout: 20s }] } }
defaultRoute: main
`,
  );
  const child = spawn(command, ['serve', '-c', config], {
    cwd: home,
    env: { PATH, HOME: home, NEVERMISS_ARI_PASSWORD: 'not-used-nothing-listens' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.stdout.on('data', (chunk: Buffer) => (log += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (log += chunk.toString()));
  const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
  try {
    let health: { status: number; body: { ariReachable?: boolean; redis?: string } } | null = null;
    for (let i = 0; i < 100 && health === null; i++) {
      try {
        const response = await fetch(`http://127.0.0.1:${httpPort}/healthz`, { signal: AbortSignal.timeout(1000) });
        health = { status: response.status, body: (await response.json()) as { ariReachable?: boolean } };
      } catch {
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    assert.ok(health !== null, `no /healthz within 20 s; the log:\n${log}`);
    assert.equal(health.status, 503, JSON.stringify(health.body));
    assert.equal(health.body.ariReachable, false, JSON.stringify(health.body));
    assert.match(log, new RegExp(`127\\.0\\.0\\.1:${closedPort}`), `the log names the ARI it can't reach:\n${log}`);
  } finally {
    child.kill('SIGTERM');
  }
  assert.equal(await exited, 0, log);
});

test('the systemd unit of the package passes systemd-analyze verify with the installed command', () => {
  // systemd-analyze checks that ExecStart names an executable: point it at the one just installed.
  const unit = join(dir, 'nevermiss.service');
  writeFileSync(unit, readFileSync(join(installed, 'packaging', 'systemd', 'nevermiss.service'), 'utf8').replaceAll('/usr/local/bin/nevermiss', command));
  const verified = spawnSync('systemd-analyze', ['verify', unit], { encoding: 'utf8' });
  assert.equal(verified.error, undefined, 'systemd-analyze (Debian package systemd) is installed');
  assert.equal(verified.status, 0, verified.stderr);
  assert.equal(verified.stderr.trim(), '', 'no warning either');
});

test('prompts build --lang en --out DIR makes the English prompts there', async () => {
  const out = join(dir, 'my-prompts');
  const { code, stdout, stderr } = await run(command, ['prompts', 'build', '--lang', 'en', '--out', out], { timeout: 300_000 });
  assert.equal(code, 0, `${stdout}\n${stderr}`);
  const made = readdirSync(join(out, 'en', 'nevermiss'));
  for (const name of ['promise-intro.wav', 'num-120.wav', 'beep.wav']) assert.ok(made.includes(name), `${name} in ${out}/en/nevermiss`);
  assert.ok(!existsSync(join(out, 'da')), 'only the language asked for');
  const header = readFileSync(join(out, 'en', 'nevermiss', 'promise-intro.wav')).subarray(0, 44);
  assert.equal(header.toString('ascii', 0, 4), 'RIFF');
  assert.equal(header.readUInt32LE(24), 8000, '8 kHz, as Asterisk plays it');
});

test("prompts build without --out makes them in the config's prompts.directory, relative to the config's folder", async () => {
  const configDir = join(dir, 'etc');
  mkdirSync(configDir, { recursive: true });
  const config = join(configDir, 'nevermiss.yaml');
  // The example with its prompts.directory (../prompts/build) and none of its secrets.
  writeFileSync(config, readFileSync(example, 'utf8'));
  const { code, stdout, stderr } = await run(command, ['prompts', 'build', '--lang', 'da', '-c', config], { timeout: 300_000 });
  assert.equal(code, 0, `${stdout}\n${stderr}`);
  assert.ok(existsSync(join(dir, 'prompts', 'build', 'da', 'nevermiss', 'promise-intro.wav')), stdout);
});

test('prompts build refuses to write into the installed package, and an unknown language', async () => {
  const inside = await nevermiss(['prompts', 'build', '--out', join(installed, 'prompts', 'build')]);
  assert.equal(inside.code, 1);
  assert.match(inside.stderr, /NM_USAGE: .* is inside the installed package, which the next upgrade replaces/);
  assert.ok(!existsSync(join(installed, 'prompts', 'build')));

  const unknown = await nevermiss(['prompts', 'build', '--lang', 'xx', '--out', join(dir, 'xx')]);
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /NM_USAGE: no prompt texts for "xx"; languages with texts: da, de, en/);
});

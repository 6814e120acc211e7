/**
 * `nevermiss doctor` against the bench's real Asterisk and Redis, healthy and deliberately
 * broken: a wrong ARI password, the snippet not loaded, inbound calls that don't reach it, an
 * unknown phone, missing prompts, Redis without persistence. The healthy case runs a throwaway
 * redis-server with AOF on; the bench's Redis runs without persistence, so doctor warns there.
 * Every change to the bench (the dialplan, the Danish prompts) is undone in a finally.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, renameSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ARI, REPO_ROOT, TEST_DID, ariRequest, asteriskCli, ensureSandbox } from '../support/sandbox.js';
import { Redis } from 'ioredis';
import { deleteNevermissKeys, ensureRedis, everythingUnder } from '../support/redis.js';
import { freePort, Service } from '../support/service.js';
import { startReceivers, type Receivers } from '../support/receivers.js';

const HOOK_SECRET = 'doctor-hook-secret-0123456789abcdef';
/** The chroot's Danish prompts, moved aside for the "missing prompts" case. */
const SANDBOX_DIR = process.env['NEVERMISS_SANDBOX_DIR'] ?? '/var/cache/nevermiss/asterisk-22';
const DA_PROMPTS = join(SANDBOX_DIR, 'usr/share/asterisk/sounds/da/nevermiss');

interface Setup {
  readonly keyPrefix?: string;
  readonly ariPassword?: string;
  readonly redisUrl: string;
  readonly deskDial?: string;
  readonly language?: 'en' | 'da';
}

interface Run {
  readonly code: number | null;
  readonly out: string;
}

describe('nevermiss doctor on the bench', { timeout: 300_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'nevermiss-doctor-'));
  let receivers: Receivers;
  let aofRedis: ChildProcess;
  let aofRedisUrl: string;

  before(async () => {
    await Promise.all([ensureSandbox(), ensureRedis()]);
    receivers = await startReceivers(HOOK_SECRET);
    // A Redis of its own, as production should run it: AOF on.
    const port = await freePort();
    aofRedis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--appendonly', 'yes', '--save', '', '--dir', dir], { stdio: 'ignore' });
    aofRedisUrl = `redis://127.0.0.1:${port}/0`;
    for (let i = 0; ; i++) {
      if (await pingRedis(port)) break;
      if (i > 50) throw new Error('the throwaway redis-server did not start');
      await sleep(100);
    }
  });

  after(async () => {
    aofRedis.kill('SIGTERM');
    await receivers.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function writeConfig(name: string, setup: Setup): string {
    const file = join(dir, `${name}.yaml`);
    writeFileSync(
      file,
      [
        'ari:',
        `  url: ${ARI.url}`,
        `  username: ${ARI.username}`,
        `  password: ${setup.ariPassword ?? ARI.password}`,
        `  app: ${ARI.app}`,
        'redis:',
        `  url: ${setup.redisUrl}`,
        `  keyPrefix: ${setup.keyPrefix ?? `nm-doctor-${name}`}`,
        'prompts:',
        '  source: sound',
        `  directory: ${join(dir, 'prompts')}`,
        'firm:',
        '  name: Bench VVS',
        '  country: DK',
        '  timezone: Europe/Copenhagen',
        'smtp:',
        `  url: ${receivers.smtpUrl}`,
        '  from: "nevermiss <nevermiss@bench.example>"',
        'people:',
        '  owner:',
        '    phones:',
        `      desk: ${setup.deskDial ?? 'PJSIP/owner-desk'}`,
        '      mobile: PJSIP/owner-mobile',
        '    notify:',
        '      email: owner@bench.example',
        `      webhook: { url: "${receivers.webhookUrl('/hook/owner')}", secret: "${HOOK_SECRET}" }`,
        '  colleague:',
        '    phones:',
        '      mobile: PJSIP/colleague',
        'routes:',
        '  main:',
        `    numbers: ["${TEST_DID}"]`,
        `    language: ${setup.language ?? 'en'}`,
        '    hunt:',
        '      - ring: [owner]',
        '        timeout: 20s',
        '      - ring: [colleague]',
        '        timeout: 20s',
        '    promise:',
        '      deadline: 10m',
        'defaultRoute: main',
        'callbacks:',
        '  notify: [owner]',
      ].join('\n'),
    );
    return file;
  }

  async function doctor(file: string, ...args: string[]): Promise<Run> {
    const run = await runDoctorRaw(['doctor', '-c', file, ...args]);
    // Shown in the test output: what a user sees.
    console.log(run.out);
    return run;
  }

  /** The line of a check, like "FAIL  Phones ..." (the first that matches). */
  function line(run: Run, verdict: string, check: string, text: RegExp = /./): string {
    const found = run.out.split('\n').find((l) => l.startsWith(`${verdict}  ${check} `) && text.test(l));
    assert.ok(found, `expected a ${verdict} line for ${check} matching ${text} in:\n${run.out}`);
    return found;
  }

  test('healthy: every check passes, exit 0, and --send-test delivers a real message by e-mail and webhook', async () => {
    const run = await doctor(writeConfig('healthy', { redisUrl: aofRedisUrl }), '--send-test', 'owner');
    assert.doesNotMatch(run.out, /^(FAIL|WARN|SKIP) /m);
    assert.equal(run.code, 0);
    line(run, 'PASS', 'ARI', /Asterisk 22\./);
    line(run, 'PASS', 'Dialplan snippet', /a call to 4530123456 in context "nevermiss-inbound" reaches it/);
    line(run, 'PASS', 'Phones', /people\.owner\.phones\.desk: PJSIP\/owner-desk exists/);
    line(run, 'PASS', 'Prompts', /en: all \d+ prompts on the PBX/);
    line(run, 'PASS', 'Redis persistence', /AOF is on/);
    line(run, 'PASS', 'Redis eviction');
    line(run, 'PASS', 'Notifications', /mail server 127\.0\.0\.1:\d+ accepts our login/);
    line(run, 'PASS', 'Test message', /by webhook/);
    const hook = await receivers.waitFor(() => receivers.deliveries.find((d) => d.path === '/hook/owner'), 'the test webhook');
    assert.equal(hook.signatureValid, true);
    assert.equal(hook.kind, 'done');
    const mail = await receivers.waitFor(() => receivers.mails.find((m) => m.to.includes('owner@bench.example')), 'the test e-mail');
    assert.match(mail.raw, /Subject: Done: /);
    // The probe left nothing behind on the PBX.
    const channels = await ariRequest('GET', '/channels');
    assert.deepEqual((channels.body as { id: string }[]).filter((c) => c.id.startsWith('nevermiss-doctor-')), []);
  });

  test('with the service running: the app is held by this installation, and the probe never reaches the service', async () => {
    const service = await Service.create({
      redisUrl: aofRedisUrl,
      rules: ['people:', '  owner:', '    phones:', '      desk: PJSIP/owner-desk', 'routes:', '  main:', `    numbers: ["${TEST_DID}"]`, '    language: en', '    hunt:', '      - ring: [owner]', '        timeout: 20s', '    promise:', '      deadline: 10m', 'defaultRoute: main'].join('\n'),
    });
    const redis = new Redis(aofRedisUrl);
    try {
      await service.start();
      const run = await doctor(writeConfig('running', { redisUrl: aofRedisUrl, keyPrefix: service.keyPrefix }));
      assert.match(line(run, 'PASS', 'Stasis app'), /"nevermiss" is held by nevermiss instance \S+, the active instance of this installation/);
      line(run, 'PASS', 'Dialplan snippet', /reaches it/);
      await sleep(500);
      assert.deepEqual(service.logs.filter((l) => l.message === 'call arrived'), []);
      const keys = [...(await everythingUnder(redis, service.keyPrefix)).keys()];
      assert.deepEqual(keys.filter((k) => /:callback:|:call:/.test(k)), [], 'no call and no callback recorded');
    } finally {
      await service.stop();
      await deleteNevermissKeys(redis, service.keyPrefix);
      redis.disconnect();
      service.cleanup();
    }
  });

  test('a wrong ARI password fails with the fix, and the checks that need ARI are skipped', async () => {
    const run = await doctor(writeConfig('password', { redisUrl: aofRedisUrl, ariPassword: 'not-the-password' }));
    assert.equal(run.code, 1);
    assert.match(line(run, 'FAIL', 'ARI'), /refused user "nevermiss" \(HTTP 401\)/);
    assert.match(run.out, /fix: make ari\.username and ari\.password match a \[nevermiss\] section of Asterisk's ari\.conf/);
    for (const check of ['Stasis app', 'Asterisk modules', 'Dialplan snippet', 'Phones', 'Prompts']) line(run, 'SKIP', check, /needs ARI/);
    line(run, 'PASS', 'Redis');
  });

  test('a phone with a mistyped endpoint fails naming the closest endpoints that exist; the bench Redis without persistence warns (exit 1 only with --strict)', async () => {
    const file = writeConfig('phone', { redisUrl: 'redis://127.0.0.1:6379/0', deskDial: 'PJSIP/owner-dsk' });
    const run = await doctor(file);
    assert.equal(run.code, 1);
    assert.match(line(run, 'FAIL', 'Phones'), /people\.owner\.phones\.desk dials PJSIP\/owner-dsk, but the PBX has no endpoint PJSIP\/owner-dsk/);
    assert.match(run.out, /the closest of the \d+ endpoints on this PBX: PJSIP\/owner-desk,/);
    assert.match(line(run, 'WARN', 'Redis persistence'), /neither AOF nor RDB snapshots are on: every callback is lost when Redis restarts/);

    const warnOnly = await doctor(writeConfig('nopersist', { redisUrl: 'redis://127.0.0.1:6379/0' }));
    assert.doesNotMatch(warnOnly.out, /^FAIL /m);
    assert.equal(warnOnly.code, 0, 'a warning alone passes');
    assert.equal((await runDoctorRaw(['doctor', '-c', join(dir, 'nopersist.yaml'), '--strict'])).code, 1);
  });

  test('the snippet not loaded fails with how to include it; the bench is restored afterwards', async () => {
    const file = writeConfig('snippet', { redisUrl: aofRedisUrl });
    try {
      // As on a PBX whose extensions.conf doesn't include the snippet: its contexts and its global are gone.
      await asteriskCli('dialplan remove context nevermiss-inbound');
      await asteriskCli('dialplan remove context nevermiss-route');
      await ariRequest('POST', '/asterisk/variable?variable=NEVERMISS_SNIPPET&value=');
      const run = await doctor(file);
      assert.equal(run.code, 1);
      assert.match(line(run, 'FAIL', 'Dialplan snippet'), /not loaded: Asterisk has no NEVERMISS_SNIPPET global/);
      assert.match(run.out, /fix: copy dialplan\/nevermiss\.conf .*#include it from extensions\.conf/);
    } finally {
      await asteriskCli('dialplan reload');
    }
    const restored = await doctor(file);
    line(restored, 'PASS', 'Dialplan snippet');
  });

  test('inbound calls that do not reach the snippet fail, saying where the probe went', async () => {
    // The bench's [sandbox-phones] context hangs up whatever arrives: like a trunk context that never Goto()s the snippet.
    const run = await doctor(writeConfig('context', { redisUrl: aofRedisUrl }), '--context', 'sandbox-phones');
    assert.equal(run.code, 1);
    assert.match(line(run, 'FAIL', 'Dialplan snippet'), /version 2 loaded, but a call to 4530123456 in context "sandbox-phones" does not reach it \(the probe ended/);
  });

  test('missing prompts of a language in use fail, listing them; the prompts are put back afterwards', async () => {
    assert.ok(existsSync(DA_PROMPTS), `the bench has no Danish prompts at ${DA_PROMPTS}: run npm run prompts, then scripts/sandbox.sh start`);
    const aside = `${DA_PROMPTS}.doctor-test`;
    const file = writeConfig('prompts', { redisUrl: aofRedisUrl, language: 'da' });
    renameSync(DA_PROMPTS, aside);
    try {
      const run = await doctor(file);
      assert.equal(run.code, 1);
      assert.match(line(run, 'FAIL', 'Prompts'), /da: (\d+) of \1 prompts missing on the PBX/);
      assert.match(run.out, /missing: and, beep, blocked, /);
      assert.match(run.out, /fix: make them with "npm run prompts" and copy prompts\/build\/da\/nevermiss\//);
    } finally {
      renameSync(aside, DA_PROMPTS);
    }
    line(await doctor(file), 'PASS', 'Prompts', /da: all \d+ prompts/);
  });
});

function runDoctorRaw(args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [join(REPO_ROOT, 'bin', 'nevermiss.js'), ...args], { cwd: REPO_ROOT, timeout: 60_000 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : null;
      resolve({ code, out: `${stdout}${stderr}`.trimEnd() });
    });
  });
}

async function pingRedis(port: number): Promise<boolean> {
  const { createConnection } = await import('node:net');
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port }, () => socket.write('PING\r\n'));
    socket.once('data', (data) => {
      socket.destroy();
      resolve(data.toString().startsWith('+PONG'));
    });
    socket.once('error', () => resolve(false));
  });
}

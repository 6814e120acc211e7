/**
 * Runs `nevermiss serve` as its own process, exactly as a user would, with a config written
 * for the test: its own Redis key prefix and HTTP port. Its JSON log lines are kept for assertions.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { ADMIN_TOKEN, REPORT_TOKEN } from './sandbox.js';

const ROOT = resolve(import.meta.dirname, '..', '..');
const RULES_MARKER = '# --- rules ---';

export interface ServiceOptions {
  /** The YAML after the connection settings (people, routes, defaultRoute). */
  readonly rules: string;
  readonly ariPassword?: string;
  readonly promptsSource?: 'sound' | 'http';
  /** Run the service's clock from this UTC instant (libfaketime), e.g. "2026-12-25 09:00:00". */
  readonly fakeTime?: string;
  /** Share another service's Redis keys (a second instance of the same installation). */
  readonly keyPrefix?: string;
  /**
   * The Stasis app name. Instances with the same app and keyPrefix are one installation: one is
   * active, the others stand by; another installation on the same Asterisk needs its own app.
   */
  readonly app?: string;
  /** ARI's base URL (default the sandbox's); a fault proxy's address in fault tests. */
  readonly ariUrl?: string;
  /** Redis URL (default the bench's); a fault proxy's address in fault tests. */
  readonly redisUrl?: string;
  /**
   * Drain the fallback's AstDB entries (ari.drainAstdb). Off unless a test asks: the bench's one
   * Asterisk keeps the entries of every test that took the fallback, and they are no other test's.
   */
  readonly drainAstdb?: boolean;
  /** http.sessionSecret: login links and sessions on (the phone page's tests). */
  readonly sessionSecret?: string;
  /**
   * Run the compiled service (dist/, `npm run build` first), as an installed one runs, instead of
   * the sources through tsx (default): for figures of its memory and CPU.
   */
  readonly compiled?: boolean;
  /** More options for node, e.g. ['--cpu-prof', '--cpu-prof-dir', dir] to profile the service. */
  readonly nodeOptions?: readonly string[];
  /** log.level (default debug: the tests read the service's log lines; benchmarks run at info). */
  readonly logLevel?: 'debug' | 'info' | 'warn';
}

export type Role = 'active' | 'standby';

export interface LogLine {
  readonly level: string;
  readonly message: string;
  readonly [field: string]: unknown;
}

export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolvePort(address.port) : reject(new Error('no port'))));
    });
  });
}

export class Service {
  keyPrefix = `nm-e2e-${randomUUID()}`;
  readonly logs: LogLine[] = [];
  private child: ChildProcess | undefined;
  private readonly dir = mkdtempSync(join(tmpdir(), 'nevermiss-e2e-'));
  readonly configFile = join(this.dir, 'nevermiss.yaml');
  /** The default data.directory ("data" beside the config file): the spool is here. */
  readonly dataDirectory = join(this.dir, 'data');

  private fakeTime: string | undefined;
  private compiled = false;
  private nodeOptions: readonly string[] = [];

  private constructor(readonly port: number) {}

  static async create(options: ServiceOptions): Promise<Service> {
    const service = new Service(await freePort());
    service.fakeTime = options.fakeTime;
    service.compiled = options.compiled === true;
    service.nodeOptions = options.nodeOptions ?? [];
    if (options.keyPrefix !== undefined) service.keyPrefix = options.keyPrefix;
    writeFileSync(
      service.configFile,
      [
        'ari:',
        `  url: ${options.ariUrl ?? 'http://127.0.0.1:8088'}`,
        '  username: nevermiss',
        `  password: ${options.ariPassword ?? 'nevermiss-sandbox'}`,
        `  app: ${options.app ?? 'nevermiss'}`,
        `  drainAstdb: ${options.drainAstdb === true}`,
        'redis:',
        `  url: ${options.redisUrl ?? 'redis://127.0.0.1:6379/0'}`,
        `  keyPrefix: ${service.keyPrefix}`,
        'http:',
        `  listen: 127.0.0.1:${service.port}`,
        `  publicUrl: http://127.0.0.1:${service.port}`,
        '  tokens:',
        `    - { name: test, secret: "${ADMIN_TOKEN}", scope: admin }`,
        `    - { name: pbx, secret: "${REPORT_TOKEN}", scope: report }`,
        ...(options.sessionSecret === undefined ? [] : [`  sessionSecret: "${options.sessionSecret}"`]),
        'prompts:',
        `  source: ${options.promptsSource ?? 'sound'}`,
        `  directory: ${join(ROOT, 'prompts', 'build')}`,
        'log:',
        `  level: ${options.logLevel ?? 'debug'}`,
        '  format: json',
        RULES_MARKER,
        options.rules,
      ].join('\n'),
    );
    return service;
  }

  /** The process id of the running service (undefined before start). */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /**
   * Starts the process; resolves once /healthz is 200 in that role: by default active (it holds
   * the lease and the Stasis app), or a healthy standby for a second instance of one installation.
   */
  async start(timeoutMs = 30_000, role: Role = 'active'): Promise<void> {
    const entry = this.compiled ? [join(ROOT, 'dist', 'cli', 'main.js')] : ['--import', 'tsx', join(ROOT, 'src', 'cli', 'main.ts')];
    const args = [...this.nodeOptions, ...entry, 'serve', '--config', this.configFile];
    // libfaketime moves the wall clock only (timers keep real time), as if the service ran on that day.
    const child = this.fakeTime
      ? spawn('faketime', ['-f', `@${this.fakeTime}`, process.execPath, ...args], {
          cwd: ROOT,
          stdio: ['ignore', 'pipe', 'pipe'],
          env: { ...process.env, TZ: 'UTC', FAKETIME_DONT_FAKE_MONOTONIC: '1' },
        })
      : spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    let buffer = '';
    const collect = (chunk: Buffer): void => {
      buffer += chunk.toString();
      let newline: number;
      while ((newline = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 1);
        try {
          this.logs.push(JSON.parse(line) as LogLine);
        } catch {
          this.logs.push({ level: 'raw', message: line });
        }
      }
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    await this.waitForRole(role, timeoutMs);
  }

  /** Waits until /healthz is 200 with this role (docs/decisions/0014). */
  async waitForRole(role: Role, timeoutMs = 30_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (Date.now() < until) {
      this.throwIfExited();
      const health = await this.health();
      if (health.status === 200 && health.body['role'] === role) return;
      await sleep(100);
    }
    throw new Error(`nevermiss did not become a healthy ${role} instance within ${timeoutMs} ms:\n${this.tail()}`);
  }

  private throwIfExited(): void {
    if (this.child?.exitCode !== null && this.child?.exitCode !== undefined) {
      throw new Error(`nevermiss exited with ${this.child.exitCode}:\n${this.tail()}`);
    }
  }

  /** The process runs (it was started and has not exited). */
  alive(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  async health(): Promise<{ status: number; body: Record<string, unknown> }> {
    try {
      const response = await fetch(`${this.url}/healthz`, { signal: AbortSignal.timeout(2_000) });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    } catch {
      return { status: 0, body: {} };
    }
  }

  async waitForHealth(healthy: boolean, timeoutMs = 30_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (Date.now() < until) {
      this.throwIfExited();
      if (((await this.health()).status === 200) === healthy) return;
      await sleep(200);
    }
    throw new Error(`nevermiss did not become ${healthy ? 'healthy' : 'unhealthy'} within ${timeoutMs} ms:\n${this.tail()}`);
  }

  /** A request to the service's API with its admin token (the config lists it as "test"). */
  api(path: string, init: { method?: 'GET' | 'POST' | 'PUT'; body?: unknown } = {}): Promise<Response> {
    const headers: Record<string, string> = { authorization: `Bearer ${ADMIN_TOKEN}` };
    if (init.body !== undefined) headers['content-type'] = 'application/json';
    return fetch(`${this.url}${path}`, {
      method: init.method ?? 'GET',
      headers,
      ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
      signal: AbortSignal.timeout(15_000),
    });
  }

  async callbacks(): Promise<Array<Record<string, unknown>>> {
    const response = await this.api('/api/callbacks');
    return (await response.json()) as Array<Record<string, unknown>>;
  }

  /** Waits for a log line that matches, e.g. a call's end. */
  async waitForLog(match: (line: LogLine) => boolean, timeoutMs = 20_000): Promise<LogLine> {
    const until = Date.now() + timeoutMs;
    while (Date.now() < until) {
      const found = this.logs.find(match);
      if (found) return found;
      await sleep(50);
    }
    throw new Error(`no matching log line within ${timeoutMs} ms:\n${this.tail()}`);
  }

  tail(lines = 40): string {
    return this.logs.slice(-lines).map((line) => JSON.stringify(line)).join('\n');
  }

  /** Ends the process at once, as a crash would (no cleanup, the ARI socket just drops). */
  async kill(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((done) => child.once('exit', done));
    child.kill('SIGKILL');
    await exited;
  }

  /** Writes new rules into the config file (the service watches it). */
  rewriteRules(rules: string): void {
    const text = readFileSync(this.configFile, 'utf8');
    const head = text.slice(0, text.indexOf(RULES_MARKER) + RULES_MARKER.length);
    writeFileSync(this.configFile, `${head}\n${rules}`);
  }

  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((done) => child.once('exit', done));
    child.kill('SIGTERM');
    await Promise.race([exited, sleep(5_000).then(() => child.kill('SIGKILL'))]);
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

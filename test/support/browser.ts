/**
 * A real browser for the phone page's tests: Debian's chromium (`apt-get install chromium`;
 * scripts/test.sh installs it), driven by playwright-core, which never downloads a browser. Each
 * browser gets a fresh profile folder, removed when it closes, and a phone's screen: 390 x 844,
 * touch, mobile.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
export const PHONE = { width: 390, height: 844 } as const;
export const SCREENSHOTS = resolve(import.meta.dirname, '..', '..', 'docs', 'screenshots');

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface Phone {
  readonly context: BrowserContext;
  readonly page: Page;
  /** Requests the page made, with their status: what a test checks it never saw. */
  readonly responses: Array<{ readonly url: string; readonly status: number; readonly body: string }>;
  /** Errors the page's scripts threw or logged. */
  readonly errors: string[];
  /** Saves what the phone shows now as docs/screenshots/<name>.png. */
  screenshot(name: string): Promise<void>;
  close(): Promise<void>;
}

/** A phone with a browser, in `locale` (the language the phone asks for; the page follows the firm's). */
export async function openPhone(options: { readonly locale?: string; readonly timezoneId?: string } = {}): Promise<Phone> {
  if (!existsSync(CHROMIUM)) throw new Error(`no browser at ${CHROMIUM}: install Debian's chromium (apt-get install chromium), or run scripts/test.sh`);
  const profile = mkdtempSync(join(tmpdir(), 'nevermiss-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    viewport: PHONE,
    screen: PHONE,
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
    locale: options.locale ?? 'da-DK',
    timezoneId: options.timezoneId ?? 'Europe/Copenhagen',
    serviceWorkers: 'block',
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const responses: Phone['responses'][number][] = [];
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(err.message));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('response', (response) => {
    const url = response.url();
    // The event stream never ends; its body can't be read here.
    if (url.endsWith('/api/events')) {
      responses.push({ url, status: response.status(), body: '' });
      return;
    }
    void response.text().then(
      (body) => responses.push({ url, status: response.status(), body }),
      () => responses.push({ url, status: response.status(), body: '' }),
    );
  });
  return {
    context,
    page,
    responses,
    errors,
    async screenshot(name) {
      mkdirSync(SCREENSHOTS, { recursive: true });
      await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), animations: 'disabled', caret: 'hide' });
    },
    async close() {
      await context.close().catch(() => undefined);
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

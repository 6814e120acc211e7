/**
 * The notification channels: each one the config uses is reachable (the mail server takes our
 * login; each HTTP receiver answers at all, asked with a HEAD request to its server that
 * delivers nothing), and `--send-test PERSON` sends a real message over each of that person's
 * channels, through the same notifier the service uses.
 */
import type { Config } from '../../config/types.js';
import { describeError } from '../../errors.js';
import { verifyMailServer } from '../../notify/channels/email.js';
import { displayUrl } from '../../notify/http.js';
import { createNotifier } from '../../notify/notifier.js';
import type { NotificationEvent } from '../../notify/types.js';
import { finding, type Check, type DoctorContext, type Finding } from '../types.js';

const TITLE = 'Notifications';
const HEAD_TIMEOUT_MS = 5_000;

/** Each HTTP receiver once: its server (origin), and who uses it. */
export function httpReceivers(config: Pick<Config, 'people' | 'sms'>): Map<string, string[]> {
  const receivers = new Map<string, string[]>();
  const add = (url: string, use: string): void => {
    let origin: string;
    try {
      origin = new URL(url.replace(/\{[a-z]+\}/g, 'x')).origin;
    } catch {
      return;
    }
    receivers.set(origin, [...(receivers.get(origin) ?? []), use]);
  };
  for (const person of Object.values(config.people)) {
    if (person.notify.webhook !== null) add(person.notify.webhook.url, `${person.id}'s webhook`);
    if (person.notify.ntfy !== null) add(person.notify.ntfy.url, `${person.id}'s ntfy`);
  }
  if (config.sms !== null && Object.values(config.people).some((p) => p.notify.sms !== null)) add(config.sms.url, 'the SMS gateway');
  return receivers;
}

async function reachable(ctx: DoctorContext): Promise<Finding[]> {
  const { config } = ctx;
  const findings: Finding[] = [];
  if (config.smtp !== null) {
    try {
      const server = await verifyMailServer(config.smtp);
      findings.push(finding(TITLE, 'pass', `e-mail: the mail server ${server} accepts our login`));
    } catch (err) {
      findings.push(finding(TITLE, 'fail', `e-mail: ${describeError(err).replace(/^NM_\w+: /, '')}`, { fix: 'check smtp.url: server, port (465 smtps, 587 smtp with STARTTLS), user and password' }));
    }
  }
  for (const [origin, uses] of httpReceivers(config)) {
    try {
      const response = await ctx.fetch(`${origin}/`, { method: 'HEAD', signal: AbortSignal.timeout(HEAD_TIMEOUT_MS) });
      await response.body?.cancel();
      findings.push(finding(TITLE, 'pass', `${displayUrl(origin)} answers (HTTP ${response.status}) for ${uses.join(', ')}`));
    } catch (err) {
      findings.push(finding(TITLE, 'fail', `${displayUrl(origin)} can't be reached for ${uses.join(', ')}: ${whyFetchFailed(err)}`, { fix: 'check the URL, DNS and that this machine may connect there (firewall, proxy)' }));
    }
  }
  if (findings.length === 0) findings.push(finding(TITLE, 'warn', 'nobody is told about callbacks: no person has a notify section', { fix: 'give the people of callbacks.notify an e-mail, webhook, ntfy or SMS target' }));
  return findings;
}

/** A notification that asks nothing of its reader: a "done" for a test callback, from the firm's own number. */
export function testEvent(config: Pick<Config, 'firm' | 'defaultRoute' | 'routes'>, person: { id: string; name: string }, now: number): NotificationEvent {
  const route = config.routes[config.defaultRoute];
  const number = config.firm.number ?? route?.numbers[0] ?? '+10000000000';
  return {
    kind: 'done',
    callback: { id: `doctor-test-${now}`, caller: number, called: route?.numbers[0] ?? number, route: config.defaultRoute, createdAt: now, dueAt: now, attempts: 1, status: 'done' },
    person,
    at: now,
    links: { dial: '(a test message from nevermiss doctor: nothing to do)', cli: 'nevermiss doctor --send-test ' + person.id },
  };
}

async function sendTest(ctx: DoctorContext, personId: string): Promise<Finding[]> {
  const title = 'Test message';
  const { config } = ctx;
  const person = config.people[personId];
  if (person === undefined) {
    return [finding(title, 'fail', `there is no person "${personId}" in the config`, { fix: `use one of: ${Object.keys(config.people).join(', ')}` })];
  }
  const notifier = createNotifier(config, { fetch: ctx.fetch });
  try {
    const channels = notifier.targets(personId);
    if (channels.length === 0) return [finding(title, 'fail', `${personId} has no notify section: no way to reach them`, { fix: `add people.${personId}.notify (email, webhook, ntfy or sms)` })];
    const now = Date.now();
    const event = testEvent(config, { id: person.id, name: person.name }, now);
    const findings: Finding[] = [];
    for (const channel of channels) {
      try {
        await notifier.send(channel, event, `doctor-test-${now}-${channel.name}`);
        findings.push(finding(title, 'pass', `sent to ${personId} by ${channel.name} (${channel.address}): look for "Done: ..." about callback doctor-test-${now}`));
      } catch (err) {
        findings.push(finding(title, 'fail', `${channel.name} to ${personId}: ${describeError(err).replace(/^NM_\w+: /, '')}`));
      }
    }
    return findings;
  } finally {
    notifier.close();
  }
}

export const notifyCheck: Check = {
  title: TITLE,
  needs: [],
  async run(ctx) {
    const findings = await reachable(ctx);
    if (ctx.options.sendTest !== null) findings.push(...(await sendTest(ctx, ctx.options.sendTest)));
    return findings;
  },
};

/** fetch says only "fetch failed"; the reason (ECONNREFUSED, a DNS failure, a timeout) is its cause. */
function whyFetchFailed(err: unknown): string {
  const cause = err instanceof Error ? (err.cause as { code?: unknown; message?: unknown } | undefined) : undefined;
  if (typeof cause?.code === 'string') return `${describeError(err)} (${cause.code})`;
  if (typeof cause?.message === 'string') return `${describeError(err)} (${cause.message})`;
  return describeError(err);
}

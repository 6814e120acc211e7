/**
 * The dialplan snippet is loaded and inbound calls reach it. Asterisk 22's ARI can't show the
 * dialplan, so doctor proves it the way a call would: it originates a Local/ channel to the probe
 * number in the inbound context, with NEVERMISS_PROBE=1, and watches (GET /channels/{id}) where
 * the channel's dialplan half goes. The snippet sends such a channel to nevermiss-route,probe,
 * where it waits unanswered; it never enters the Stasis app, so a running service doesn't see it.
 * First it reads the global NEVERMISS_SNIPPET that the snippet sets: without it the snippet is not
 * loaded (or too old to know the probe), and no probe is sent.
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { ariMessage, type AriInspector } from '../../ari/inspect.js';
import { finding, type Check, type Finding } from '../types.js';

const TITLE = 'Dialplan snippet';
/** NEVERMISS_SNIPPET in dialplan/nevermiss.conf: raise both together when the service needs a new snippet. */
export const SNIPPET_VERSION = '2';
/** The snippet's context that trunks (or a Goto) send inbound calls to. */
export const SNIPPET_CONTEXT = 'nevermiss-inbound';
const PROBE_CONTEXT = 'nevermiss-route';
const PROBE_EXTEN = 'probe';
/** How long a probe may take to arrive. Dialplan runs in milliseconds; a user's context may Answer() or Wait first. */
const ARRIVE_WITHIN_MS = 3_000;
const POLL_EVERY_MS = 40;

export type ProbeResult =
  | { readonly kind: 'arrived' }
  /** Still running elsewhere when time was up, or ended: where it was last seen (context,exten,app). */
  | { readonly kind: 'elsewhere'; readonly lastSeen: string | null; readonly ended: boolean }
  | { readonly kind: 'refused'; readonly reason: string };

/** Originates one probe and follows it until it arrives, ends or the time is up; always hangs it up. */
export async function probe(ari: AriInspector, context: string, number: string): Promise<ProbeResult> {
  const id = `nevermiss-doctor-${randomBytes(6).toString('hex')}`;
  const query = new URLSearchParams({
    endpoint: `Local/${number}@${context}/n`,
    channelId: id,
    otherChannelId: `${id}-2`,
    // Where the originated half would go if the other half answered: the snippet's waiting place, harmless.
    context: PROBE_CONTEXT,
    extension: PROBE_EXTEN,
    priority: '1',
    timeout: '10',
    callerId: '"nevermiss doctor" <0>',
  });
  // "__": inherited by every channel the user's dialplan makes on the way (a Local/ hop, a Dial).
  const originated = await ari.post(`/channels?${query.toString()}`, { variables: { __NEVERMISS_PROBE: '1' } });
  if (originated.status !== 200) return { kind: 'refused', reason: ariMessage(originated) };
  try {
    let lastSeen: string | null = null;
    const deadline = Date.now() + ARRIVE_WITHIN_MS;
    while (Date.now() < deadline) {
      const seen = await ari.get(`/channels/${id}-2`);
      if (seen.status === 404) return { kind: 'elsewhere', lastSeen, ended: true };
      const plan = (seen.body as { dialplan?: { context?: string; exten?: string; app_name?: string; app_data?: string } } | undefined)?.dialplan;
      if (plan?.context === PROBE_CONTEXT && plan.exten === PROBE_EXTEN) return { kind: 'arrived' };
      if (plan !== undefined) lastSeen = `${plan.context ?? '?'},${plan.exten ?? '?'} in ${plan.app_name ?? '?'}(${(plan.app_data ?? '').slice(0, 60)})`;
      await sleep(POLL_EVERY_MS);
    }
    return { kind: 'elsewhere', lastSeen, ended: false };
  } finally {
    await ari.delete(`/channels/${id}`).catch(() => undefined);
  }
}

/** The snippet's version (global NEVERMISS_SNIPPET; "" when not loaded) and the probe (null when not sent), judged. */
export function judgeDialplan(context: string, number: string, version: string, result: ProbeResult | null): Finding {
  const call = `a call to ${number} in context "${context}"`;
  if (version !== SNIPPET_VERSION) {
    return finding(
      TITLE,
      'fail',
      version === ''
        ? 'not loaded: Asterisk has no NEVERMISS_SNIPPET global, so dialplan/nevermiss.conf is not included (or is older than this version of nevermiss)'
        : `version ${version} is loaded, but this nevermiss needs version ${SNIPPET_VERSION}`,
      {
        fix: `copy dialplan/nevermiss.conf of this version to the PBX, #include it from extensions.conf (on FreePBX: extensions_custom.conf), then "dialplan reload" in the Asterisk CLI`,
      },
    );
  }
  if (result?.kind === 'arrived') return finding(TITLE, 'pass', `version ${version} loaded, and ${call} reaches it`);
  return finding(TITLE, 'fail', `version ${version} loaded, but ${call} does not reach it (${result === null ? 'not probed' : describe(result)})`, {
    fix: `send the trunk's calls to the snippet: context=${SNIPPET_CONTEXT} on the trunk's endpoint, or Goto(${SNIPPET_CONTEXT},\${EXTEN},1) in "${context}" (FreePBX: a Custom Destination ${SNIPPET_CONTEXT},\${EXTEN},1 chosen by the Inbound Route); if the trunk delivers the number in another form, give doctor --context and --number as the calls arrive`,
  });
}

function describe(result: ProbeResult): string {
  switch (result.kind) {
    case 'arrived':
      return 'arrived';
    case 'refused':
      return `Asterisk refused the probe: ${result.reason}`;
    case 'elsewhere':
      if (result.ended) return result.lastSeen === null ? 'the probe ended at once: that context has no such extension, or hung up without going to the snippet' : `the probe ended after ${result.lastSeen}`;
      return `the probe was still at ${result.lastSeen ?? 'an unknown place'} after ${ARRIVE_WITHIN_MS / 1000} s`;
  }
}

export const dialplanCheck: Check = {
  title: TITLE,
  needs: ['ari'],
  async run({ ari, options }) {
    const { inboundContext, probeNumber } = options;
    const answer = await ari.get('/asterisk/variable?variable=NEVERMISS_SNIPPET');
    const value = (answer.body as { value?: unknown } | undefined)?.value;
    const version = answer.status === 200 && typeof value === 'string' ? value.trim() : '';
    // An older snippet would send the probe into the Stasis app, a real call for a running service: no probe then.
    const result = version === SNIPPET_VERSION ? await probe(ari, inboundContext, probeNumber) : null;
    return [judgeDialplan(inboundContext, probeNumber, version, result)];
  },
};

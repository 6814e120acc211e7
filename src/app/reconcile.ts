/**
 * After every (re)connect to ARI: events may have been missed while the socket was down, and a
 * crashed or restarted service may have left callers in the app.
 *   1. Every live call learns what happened meanwhile and sends what it owes (CallSession.resume).
 *   2. Every channel in the app that nothing here owns is settled: a caller is recorded as an
 *      interrupted missed call and hears the promise (or, talking to a phone already, carries on);
 *      a phone leg of a lost hunt is released; a feature-code call is ended.
 *   3. Bridges of ours that lost all their channels (or whose last leg was just hung up) are removed.
 * Nothing here may stop on one bad channel: each is settled on its own, failures logged.
 */
import type { Logger } from 'winston';
import type { AriBridgeInfo, AriRest } from '../ari/rest.js';
import type { CallRegistry } from '../call-flow/registry.js';
import type { DialBackRegistry } from '../dial-back/registry.js';
import { describeError } from '../errors.js';
import type { Inbound } from './inbound.js';

/** Where the dialplan snippet's fallback starts; callers the service can't take are sent there. */
export const FALLBACK = { context: 'nevermiss-route', extension: 's', label: 'fallback' } as const;

/** Channel ids we give the phone legs we ring (routing/plan.ts legId, dial-back sessions) and AstDB drains (app/drain.ts). */
const OUR_LEG = /-s\d+-\d+$|^dialback-|^drain-/;
/** Bridge ids we create: `<call id>-br`, `<dial-back session>-br`. */
const OUR_BRIDGE = /-br$/;

export interface ReconcileDeps {
  readonly rest: AriRest;
  readonly app: string;
  readonly calls: CallRegistry;
  readonly dialBacks: DialBackRegistry;
  readonly inbound: Pick<Inbound, 'adopt'>;
  readonly logger: Logger;
  readonly now: () => number;
}

/** What a channel in our app came for, read from its Stasis() arguments: "<app>,<role>,<value>". */
export type StasisRole = { readonly role: 'inbound'; readonly called: string } | { readonly role: 'feature' } | { readonly role: 'other' };

export function stasisRole(appName: string, appData: string, app: string): StasisRole {
  if (appName.toLowerCase() !== 'stasis') return { role: 'other' };
  const [name, role, value] = appData.split(',');
  if (name?.trim() !== app) return { role: 'other' };
  if (role === 'inbound') return { role: 'inbound', called: value ?? '' };
  if (role === 'feature') return { role: 'feature' };
  return { role: 'other' };
}

export async function reconcile(deps: ReconcileDeps): Promise<void> {
  const { rest, calls, logger } = deps;
  await calls.resumeAll((session, err) =>
    logger.warn('could not bring a call up to date after reconnecting; it goes on as it was', { callId: session.facts.callId, error: describeError(err) }),
  );

  const [channelIds, bridges] = await Promise.all([rest.appChannels(deps.app), rest.bridges()]);
  const bridgeOf = new Map<string, AriBridgeInfo>();
  for (const bridge of bridges) for (const id of bridge.channels) bridgeOf.set(id, bridge);

  const hungUp = new Set<string>();
  for (const channelId of channelIds) {
    if (calls.owns(channelId) || deps.dialBacks.owns(channelId)) continue;
    const settled = await settleOrphan(deps, channelId, bridgeOf.get(channelId)).catch((err: unknown) => {
      logger.error('could not settle a channel that no live call owns', { channelId, error: describeError(err) });
      return 'kept' as const;
    });
    if (settled === 'hung up') hungUp.add(channelId);
  }

  // Empty now, or once the legs just hung up have left (a leg whose caller left while we were away).
  for (const bridge of bridges) {
    if (OUR_BRIDGE.test(bridge.id) && bridge.channels.every((id) => hungUp.has(id))) await rest.destroyBridge(bridge.id).catch(() => undefined);
  }
}

async function settleOrphan(deps: ReconcileDeps, channelId: string, bridge: AriBridgeInfo | undefined): Promise<'hung up' | 'kept'> {
  const { rest, logger } = deps;
  const peer = bridge?.channels.find((id) => id !== channelId);
  if (OUR_LEG.test(channelId)) {
    // A leg talking to a caller is settled with its caller; a dial-back in progress is left talking.
    if (peer !== undefined) return 'kept';
    logger.warn('hanging up a phone leg that no live call owns', { channelId });
    await rest.hangup(channelId, 'normal');
    return 'hung up';
  }
  const channel = await rest.channel(channelId);
  if (channel === null) return 'hung up';
  const found = stasisRole(channel.dialplan.appName, channel.dialplan.appData, deps.app);
  switch (found.role) {
    case 'inbound': {
      const since = Date.parse(bridge?.creationtime ?? '');
      await deps.inbound.adopt(channel, found.called, peer === undefined ? null : { peer, since: Number.isFinite(since) ? since : deps.now() });
      return 'kept';
    }
    case 'feature':
      logger.warn('ending a status feature-code call that no live call owns', { channelId });
      await rest.hangup(channelId, 'normal');
      return 'hung up';
    case 'other':
      logger.debug('leaving a channel in the app that is not a call of ours', { channelId, app: channel.dialplan.appName, data: channel.dialplan.appData });
      return 'kept';
  }
}

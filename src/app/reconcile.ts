/** After a (re)connect: events may have been missed while the socket was down. */
import type { Logger } from 'winston';
import type { AriRest } from '../ari/rest.js';
import type { CallRegistry } from '../call-flow/registry.js';
import type { DialBackRegistry } from '../dial-back/registry.js';

/** Where the dialplan snippet's fallback starts; orphaned callers are sent there. */
export const FALLBACK = { context: 'nevermiss-route', extension: 's', label: 'fallback' } as const;

/** Channel ids we give the phone legs we ring (routing/plan.ts legId, dial-back sessions) and AstDB drains (app/drain.ts). */
const OUR_LEG = /-s\d+-\d+$|^dialback-|^drain-/;

export async function reconcile(rest: AriRest, app: string, calls: CallRegistry, dialBacks: DialBackRegistry, logger: Logger): Promise<void> {
  // Calls we run whose channels vanished while we weren't listening.
  for (const session of calls.sessions()) {
    for (const channelId of session.channelIds()) {
      if (!(await rest.channelExists(channelId))) calls.channelGone(channelId, 16);
    }
  }
  // Channels in our app that nobody here runs: a crashed predecessor's.
  for (const channelId of await rest.appChannels(app)) {
    if (calls.owns(channelId) || dialBacks.owns(channelId)) continue;
    if (OUR_LEG.test(channelId)) {
      logger.warn('hanging up a phone leg that no live call owns', { channelId });
      await rest.hangup(channelId, 'normal').catch(() => undefined);
    } else {
      logger.warn('sending a caller that no live call owns to the dialplan fallback', { channelId });
      await rest.continueInDialplan(channelId, FALLBACK.context, FALLBACK.extension, FALLBACK.label).catch(() => undefined);
    }
  }
}

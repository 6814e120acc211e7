/** The dial-back port on ARI: ring the person, whisper, dial the customer, bridge. */
import type { DialBackControl } from '../dial-back/session.js';
import { ErrorCodes, isNevermissError } from '../errors.js';
import type { AriRest } from './rest.js';
import { legPromptMedia, type PromptSource } from './prompts.js';

export function createDialBackControl(rest: () => AriRest, app: string, prompts: PromptSource, now: () => number): DialBackControl {
  const playing = new Map<string, string>();
  let seq = 0;

  const ignoreGone = async (request: Promise<void>): Promise<void> => {
    try {
      await request;
    } catch (err) {
      if (!isNevermissError(err, ErrorCodes.ARI_NOT_FOUND)) throw err;
    }
  };

  /** Replaces whatever plays on the channel (the whisper gives way to the ringback). */
  async function play(channelId: string, media: readonly string[], language: string): Promise<void> {
    await stop(channelId);
    seq += 1;
    const playbackId = `${channelId}-pb-${seq}`;
    playing.set(channelId, playbackId);
    await rest().play(channelId, playbackId, media, language);
  }

  async function stop(channelId: string): Promise<void> {
    const playbackId = playing.get(channelId);
    if (playbackId === undefined) return;
    playing.delete(channelId);
    await rest().stopPlayback(playbackId).catch(() => undefined);
  }

  // Every method is async: rest() throws NM_ARI_UNREACHABLE while disconnected, and that must
  // reach the session as a rejection, never as a throw out of its dispatch.
  return {
    async originateOwner(plan, legId, dial) {
      await rest().originate({
        endpoint: dial,
        channelId: legId,
        app,
        appArgs: `dialback,${plan.sessionId}`,
        callerId: `"Callback" <${plan.customer.number}>`,
        timeoutSec: Math.max(1, Math.ceil(plan.ownerRingMs / 1000)),
        originator: '',
      });
    },

    async whisper(plan, legId) {
      await play(legId, legPromptMedia({ kind: 'callback', number: plan.customer.number, minutesAgo: (now() - plan.calledAt) / 60_000 }, plan.language, prompts), plan.language);
    },

    // The person hears ringing while the customer's phone rings.
    async ringback(legId) {
      await play(legId, ['tone:ring'], 'en');
    },

    async originateCustomer(plan, owner) {
      await rest().originate({
        endpoint: plan.customer.dial,
        channelId: plan.customer.legId,
        app,
        appArgs: `dialback,${plan.sessionId}`,
        callerId: plan.customer.callerId,
        timeoutSec: Math.max(1, Math.ceil(plan.customerRingMs / 1000)),
        originator: owner,
      });
    },

    async bridge(plan, owner) {
      const bridgeId = `${plan.sessionId}-br`;
      await Promise.all([stop(owner), rest().createBridge(bridgeId)]);
      await rest().addToBridge(bridgeId, [owner, plan.customer.legId]);
    },

    async hangup(channelId, reason) {
      await ignoreGone(rest().hangup(channelId, reason));
    },

    async release(plan) {
      for (const legId of [...plan.ownerLegs.map((leg) => leg.legId)]) playing.delete(legId);
      await rest()
        .destroyBridge(`${plan.sessionId}-br`)
        .catch(() => undefined);
    },
  };
}

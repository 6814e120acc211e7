/**
 * Starting a dial-back for a callback, and recording how it ended. The call itself is the
 * dial-back state machine (dial-back/); this is where it meets the callback's lifecycle.
 */
import type { Logger } from 'winston';
import type { Config } from '../config/types.js';
import type { CallbackStore } from '../callbacks/store.js';
import type { Clock, Timers } from '../call-flow/ports.js';
import type { DialBackControl } from '../dial-back/session.js';
import type { DialBackRegistry } from '../dial-back/registry.js';
import type { DialBackPlan, DialBackResult } from '../dial-back/machine.js';
import { ErrorCodes, NevermissError, describeError } from '../errors.js';
import type { FollowUp } from './follow-up.js';

export interface DialBackDeps {
  readonly config: () => Config;
  readonly store: CallbackStore;
  readonly registry: DialBackRegistry;
  readonly control: DialBackControl;
  readonly followUp: FollowUp;
  readonly clock: Clock;
  readonly timers: Timers;
  readonly logger: Logger;
}

const OWNER_RING_MS = 30_000;
const CONFIRM_MS = 15_000;
const CUSTOMER_RING_MS = 30_000;

export interface DialBacks {
  /** Rings `person` (default: the first person told about callbacks) to call the customer back. */
  start(callbackId: string, person: string | undefined, reason: string): Promise<{ readonly sessionId: string; readonly person: string }>;
}

export function createDialBacks(deps: DialBackDeps): DialBacks {
  return {
    async start(callbackId, requested, reason) {
      const config = deps.config();
      const dial = config.callbacks.dial;
      if (dial === null) {
        throw new NevermissError(ErrorCodes.USAGE, 'callbacks.dial is not set in the config, so nevermiss cannot dial customers; set it to a dial string with {number}');
      }
      const callback = await deps.store.get(callbackId);
      if (!callback) throw new NevermissError(ErrorCodes.CALLBACK_NOT_FOUND, `no callback with id "${callbackId}"; list them with "nevermiss callbacks list"`, { id: callbackId });
      const route = config.routes[callback.route] ?? config.routes[config.defaultRoute];
      const person = requested ?? config.callbacks.notify[0] ?? route?.hunt[0]?.ring[0]?.person;
      const phones = person === undefined ? undefined : config.people[person]?.phones;
      if (person === undefined || !phones) {
        throw new NevermissError(ErrorCodes.USAGE, `no person "${requested ?? ''}" to call back with; name one of: ${Object.keys(config.people).join(', ')}`);
      }
      const now = deps.clock.now();
      await deps.store.startDial(callbackId, `${reason}: ${person}`, now);

      const sessionId = `dialback-${callbackId}-${now.toString(36)}`;
      const firmId = config.firm.number ? `"${config.firm.name.replace(/["\\<>]/g, '')}" <${config.firm.number}>` : '';
      const plan: DialBackPlan = {
        sessionId,
        callbackId,
        person,
        ownerLegs: Object.values(phones).map((phone, i) => ({ legId: `${sessionId}-o${i}`, dial: phone.dial })),
        ownerRingMs: OWNER_RING_MS,
        confirmMs: CONFIRM_MS,
        customer: { legId: `${sessionId}-c`, number: callback.caller, dial: dial.replaceAll('{number}', callback.caller), callerId: firmId },
        customerRingMs: CUSTOMER_RING_MS,
        minTalkMs: config.callbacks.minTalkMs,
        language: route?.language ?? 'en',
        calledAt: callback.lastAttemptAt,
      };
      const log = deps.logger.child({ callbackId, sessionId, person, customer: callback.caller });
      log.info('dialling back', { reason });
      deps.registry.begin(plan, {
        control: deps.control,
        clock: deps.clock,
        timers: deps.timers,
        logger: log,
        onFinished: (_session, result, talkMs, detail) => {
          record(callbackId, person, result, talkMs, detail).catch((err: unknown) => log.error('could not record the dial-back result', { error: describeError(err) }));
        },
      });
      return { sessionId, person };
    },
  };

  async function record(callbackId: string, person: string, result: DialBackResult, talkMs: number, detail: string): Promise<void> {
    const config = deps.config();
    const reached = result === 'reached' ? true : result === 'aborted' ? 'aborted' : false;
    const after = await deps.store.finishDial(callbackId, { reached, talkMs, by: person, now: deps.clock.now(), maxAttempts: config.callbacks.attempts, detail });
    if (after.status === 'pending') {
      if (result === 'not-reached') await deps.followUp.attemptFailed(callbackId);
    } else {
      await deps.followUp.closed(after);
    }
  }
}

/**
 * Starting a dial-back for a callback, and recording how it ended. The call itself is the
 * dial-back state machine (dial-back/); this is where it meets the callback's lifecycle.
 *
 * `dialing` never sticks:
 *   - a dial-back that cannot ring a single phone (ARI unreachable) puts the callback back to
 *     `pending` at once ("dial-abandoned", with the reason), and start() rejects with the coded
 *     ARI error, so the API answers 503 and a later dial works;
 *   - the callback is held with a lease (callbacks.dialLease) that the live session renews every
 *     third of it; if the service dies mid dial-back, the lease runs out and sweep() (at start and
 *     every minute, on any instance) puts the callback back to `pending`.
 */
import type { Logger } from 'winston';
import type { Config } from '../config/types.js';
import type { CallbackStore } from '../callbacks/store.js';
import type { Clock, Timers } from '../clock/clock.js';
import type { DialBackControl } from '../dial-back/session.js';
import type { DialBackRegistry } from '../dial-back/registry.js';
import type { DialBackPlan, DialBackResult } from '../dial-back/machine.js';
import { ErrorCodes, NevermissError, describeError, isNevermissError } from '../errors.js';
import type { FollowUp } from './follow-up.js';
import { dialLeaseAction } from './sweeps.js';
import { callability } from '../numbers/callable.js';

export interface DialBackDeps {
  readonly config: () => Config;
  readonly store: CallbackStore;
  readonly registry: DialBackRegistry;
  readonly control: DialBackControl;
  readonly followUp: FollowUp;
  readonly clock: Clock;
  readonly timers: Timers;
  readonly logger: Logger;
  /** This instance's name, in the history of dials it abandons. */
  readonly instanceId: string;
}

const OWNER_RING_MS = 30_000;
const CONFIRM_MS = 15_000;
const CUSTOMER_RING_MS = 30_000;

export interface DialBacks {
  /**
   * Rings `person` (default: the first person told about callbacks) to call the customer back;
   * resolves once a phone rings. Rejects with the coded ARI error when not one phone could be
   * rung; the callback is then pending again.
   */
  start(callbackId: string, person: string | undefined, reason: string): Promise<{ readonly sessionId: string; readonly person: string }>;
  /**
   * Puts back to pending the callbacks left `dialing` by a service that stopped (their lease ran
   * out), except those a live dial-back of this instance holds; returns how many.
   */
  sweep(): Promise<number>;
}

type StartOutcome = { readonly ok: true } | { readonly ok: false; readonly error: unknown; readonly detail: string };

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
      const verdict = callability(callback.caller, config.callable);
      if (!verdict.callable) {
        throw new NevermissError(
          ErrorCodes.CALLBACK_UNCALLABLE,
          `callback ${callbackId} can't be dialled: ${verdict.why}; call back from your own phone if you know the caller, then close it, or change callable: in the config`,
          { id: callbackId },
        );
      }
      const route = config.routes[callback.route] ?? config.routes[config.defaultRoute];
      const person = requested ?? config.callbacks.notify[0] ?? route?.hunt[0]?.ring[0]?.person;
      const phones = person === undefined ? undefined : config.people[person]?.phones;
      if (person === undefined || !phones) {
        throw new NevermissError(ErrorCodes.USAGE, `no person "${requested ?? ''}" to call back with; name one of: ${Object.keys(config.people).join(', ')}`);
      }
      const now = deps.clock.now();
      const sessionId = `dialback-${callbackId}-${now.toString(36)}`;
      const leaseMs = config.callbacks.dialLeaseMs;
      const by = `${reason}: ${person}`;
      await deps.store.startDial(callbackId, by, now, { dialId: sessionId, leaseMs });

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
      const lease = keepLease(callbackId, sessionId, leaseMs, log);
      let settle: (outcome: StartOutcome) => void = () => undefined;
      const started = new Promise<StartOutcome>((resolve) => (settle = resolve));
      try {
        deps.registry.begin(plan, {
          control: deps.control,
          clock: deps.clock,
          timers: deps.timers,
          logger: log,
          onRinging: () => settle({ ok: true }),
          onFinished: (session, result, talkMs, detail) => {
            lease.stop();
            const recorded = record(callbackId, sessionId, result === 'not-started' ? by : person, result, talkMs, detail).catch((err: unknown) =>
              log.error('could not record the dial-back result; the dialing lease returns the callback to pending', { error: describeError(err) }),
            );
            if (result === 'not-started') void recorded.finally(() => settle({ ok: false, error: session.startError, detail }));
            else settle({ ok: true });
          },
        });
      } catch (err) {
        // A bug in the session must not leave the callback dialing either.
        lease.stop();
        await abandon(callbackId, sessionId, by, `the dial-back could not start: ${describeError(err)}`).catch(() => undefined);
        throw err;
      }
      const outcome = await started;
      if (!outcome.ok) throw startFailure(callbackId, person, outcome);
      return { sessionId, person };
    },

    async sweep() {
      const now = deps.clock.now();
      const { dialLeaseMs } = deps.config().callbacks;
      let abandoned = 0;
      for (const callback of await deps.store.listPending()) {
        const live = deps.registry.forCallback(callback.id);
        const liveHere = live !== undefined && live.plan.sessionId === callback.dialId;
        switch (dialLeaseAction(callback, now, liveHere, dialLeaseMs)) {
          case 'keep':
            break;
          case 'renew':
            await deps.store.renewDialLease(callback.id, callback.dialId ?? '', now + dialLeaseMs);
            break;
          case 'abandon': {
            const after = await deps.store.abandonExpiredDial(callback.id, {
              by: `sweep:${deps.instanceId}`,
              now,
              detail: `dial-back abandoned: the service that dialled stopped (${callback.dialingBy ?? 'unknown'}; its lease ran out)`,
              fallbackLeaseMs: dialLeaseMs,
            });
            if (after) {
              abandoned += 1;
              deps.logger.warn('dial-back abandoned: the service that dialled stopped; the callback is pending again', { callbackId: callback.id, dialingBy: callback.dialingBy });
            }
            break;
          }
        }
      }
      return abandoned;
    },
  };

  /** Renews the dialing lease every third of it while the session lives. */
  function keepLease(callbackId: string, dialId: string, leaseMs: number, log: Logger): { stop(): void } {
    let timer: { cancel(): void } | undefined;
    let live = true;
    const arm = (): void => {
      timer = deps.timers.set(Math.max(1, Math.floor(leaseMs / 3)), () => {
        if (!live) return;
        deps.store
          .renewDialLease(callbackId, dialId, deps.clock.now() + leaseMs)
          .then(
            (held) => {
              if (!held) log.warn('the dial-back no longer holds its callback (abandoned, or closed meanwhile)');
            },
            (err: unknown) => log.warn('could not renew the dialing lease; trying again', { error: describeError(err) }),
          )
          .finally(() => {
            if (live) arm();
          });
      });
    };
    arm();
    return {
      stop() {
        live = false;
        timer?.cancel();
      },
    };
  }

  function abandon(callbackId: string, dialId: string, by: string, detail: string): Promise<unknown> {
    return deps.store.abandonDial(callbackId, dialId, { by, now: deps.clock.now(), detail });
  }

  async function record(callbackId: string, dialId: string, person: string, result: DialBackResult, talkMs: number, detail: string): Promise<void> {
    if (result === 'not-started') {
      await abandon(callbackId, dialId, person, `the dial-back did not start: ${detail}`);
      return;
    }
    const config = deps.config();
    const reached = result === 'reached' ? true : result === 'aborted' ? 'aborted' : false;
    const after = await deps.store.finishDial(callbackId, { reached, talkMs, by: person, now: deps.clock.now(), maxAttempts: config.callbacks.attempts, detail, dialId });
    if (after.status === 'pending') {
      if (result === 'not-reached') await deps.followUp.attemptFailed(callbackId);
    } else {
      await deps.followUp.closed(after);
    }
  }
}

/** The coded error of a dial-back that rang no phone: the ARI error's code, with what it means. */
function startFailure(callbackId: string, person: string, outcome: Extract<StartOutcome, { ok: false }>): NevermissError {
  const code = isNevermissError(outcome.error) ? outcome.error.code : ErrorCodes.ARI_REQUEST;
  return new NevermissError(
    code,
    `could not ring ${person}'s phones to call back callback "${callbackId}": ${outcome.error === undefined ? outcome.detail : describeError(outcome.error)}; ` +
      'the callback is pending again: dial it again once Asterisk is reachable',
    { id: callbackId, person },
    { cause: outcome.error },
  );
}

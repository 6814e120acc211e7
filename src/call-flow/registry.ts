/**
 * The live calls of this instance, found by any of their channel ids. One router feeds it
 * (instead of per-channel listeners, which leak in ari-client).
 */
import { CallSession, type SessionDeps } from './session.js';
import type { CallFacts, CallState, HuntPlan, PlannedLeg } from './types.js';

/**
 * Told when a call starts, changes state, or leaves this instance (ended, or handed over to the
 * active instance). For watchers (the phone page); it must not throw.
 */
export type CallObserver = (session: CallSession, change: 'started' | 'changed' | 'ended') => void;

/** How a caller that no live call owns was found: waiting, or talking to a phone. */
export type Found = { readonly kind: 'waiting' } | { readonly kind: 'bridged'; readonly winner: PlannedLeg; readonly answeredAt: number };

export class CallRegistry {
  private readonly byChannel = new Map<string, CallSession>();
  private readonly byCallId = new Map<string, CallSession>();

  constructor(private readonly observe: CallObserver = () => undefined) {}

  begin(facts: CallFacts, plan: HuntPlan, deps: Omit<SessionDeps, 'onEnded'>): CallSession {
    const session = this.add(facts, plan, deps);
    session.dispatch({ type: 'started' });
    return session;
  }

  /**
   * Takes over a caller found in the app that no live call owns (a crashed or restarted
   * service's). Talking to a phone already: the call carries on as bridged, and ends as answered.
   * Otherwise its hunt is gone, so it ends as an interrupted missed call; every planned leg
   * counts as ringing, so phones still ringing from the lost hunt are released.
   */
  adopt(facts: CallFacts, plan: HuntPlan, found: Found, deps: Omit<SessionDeps, 'onEnded'>): CallSession {
    if (found.kind === 'bridged') return this.add(facts, plan, deps, { kind: 'bridged', winner: found.winner, answeredAt: found.answeredAt, connected: true });
    const legs = Object.fromEntries(plan.steps.flatMap((step) => step.legs.map((leg) => [leg.legId, 'ringing' as const])));
    const session = this.add(facts, plan, deps, { kind: 'hunting', started: plan.steps.map(() => true), legs });
    session.dispatch({ type: 'interrupted' });
    return session;
  }

  /** After ARI was away: every call learns what happened meanwhile and sends what it owes. */
  async resumeAll(onError: (session: CallSession, err: unknown) => void): Promise<void> {
    for (const session of this.sessions()) await session.resume().catch((err: unknown) => onError(session, err));
  }

  /** Calls that could not send something to ARI (a request timed out): worth resuming. */
  owing(): CallSession[] {
    return this.sessions().filter((session) => session.owesEffects);
  }

  private add(facts: CallFacts, plan: HuntPlan, deps: Omit<SessionDeps, 'onEnded'>, state?: CallState): CallSession {
    const session = new CallSession(facts, plan, { ...deps, onEnded: (ended) => this.forget(ended), onChanged: (changed) => this.observe(changed, 'changed') }, state);
    this.byCallId.set(facts.callId, session);
    for (const id of session.channelIds()) this.byChannel.set(id, session);
    this.observe(session, 'started');
    return session;
  }

  /** False when no live call owns that leg: the caller must release it. */
  legAnswered(callId: string, legId: string): boolean {
    const session = this.byCallId.get(callId);
    if (!session || this.byChannel.get(legId) !== session) return false;
    session.dispatch({ type: 'legAnswered', legId });
    return true;
  }

  /** A key pressed on a phone that is deciding whether to take the call. */
  legDtmf(channelId: string, digit: string): void {
    const session = this.byChannel.get(channelId);
    if (!session || channelId === session.facts.callId) return;
    session.dispatch({ type: 'legDtmf', legId: channelId, digit });
  }

  channelGone(channelId: string, cause: number): void {
    const session = this.byChannel.get(channelId);
    if (!session) return;
    if (channelId === session.facts.callId) session.dispatch({ type: 'callerHungUp' });
    else session.dispatch({ type: 'legEnded', legId: channelId, cause });
  }

  owns(channelId: string): boolean {
    return this.byChannel.has(channelId);
  }

  /** A call of ours that has not ended yet (it is logged before it is forgotten). */
  isLive(callId: string): boolean {
    return this.byCallId.has(callId);
  }

  sessions(): CallSession[] {
    return [...this.byCallId.values()];
  }

  get size(): number {
    return this.byCallId.size;
  }

  /** This instance stood by: every call is left to the active instance, untouched. Returns how many. */
  handOverAll(): number {
    const sessions = this.sessions();
    for (const session of sessions) session.handOver();
    this.byCallId.clear();
    this.byChannel.clear();
    for (const session of sessions) this.observe(session, 'ended');
    return sessions.length;
  }

  private forget(session: CallSession): void {
    if (this.byCallId.get(session.facts.callId) === session) this.byCallId.delete(session.facts.callId);
    for (const id of session.channelIds()) {
      if (this.byChannel.get(id) === session) this.byChannel.delete(id);
    }
    this.observe(session, 'ended');
  }
}

/**
 * The live calls of this instance, found by any of their channel ids. One router feeds it
 * (instead of per-channel listeners, which leak in ari-client).
 */
import { CallSession, type SessionDeps } from './session.js';
import type { CallFacts, HuntPlan } from './types.js';

export class CallRegistry {
  private readonly byChannel = new Map<string, CallSession>();
  private readonly byCallId = new Map<string, CallSession>();

  begin(facts: CallFacts, plan: HuntPlan, deps: Omit<SessionDeps, 'onEnded'>): CallSession {
    const session = new CallSession(facts, plan, { ...deps, onEnded: (ended) => this.forget(ended) });
    this.byCallId.set(facts.callId, session);
    for (const id of session.channelIds()) this.byChannel.set(id, session);
    session.dispatch({ type: 'started' });
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
    return sessions.length;
  }

  private forget(session: CallSession): void {
    if (this.byCallId.get(session.facts.callId) === session) this.byCallId.delete(session.facts.callId);
    for (const id of session.channelIds()) {
      if (this.byChannel.get(id) === session) this.byChannel.delete(id);
    }
  }
}

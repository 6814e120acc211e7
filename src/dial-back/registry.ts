/** The dial-back sessions of this instance, found by session id or any of their channel ids. */
import { DialBackSession, type DialBackDeps } from './session.js';
import type { DialBackPlan } from './machine.js';

export class DialBackRegistry {
  private readonly byId = new Map<string, DialBackSession>();
  private readonly byChannel = new Map<string, DialBackSession>();

  begin(plan: DialBackPlan, deps: DialBackDeps): DialBackSession {
    const session = new DialBackSession(plan, {
      ...deps,
      onFinished: (ended, result, talkMs, detail) => {
        this.forget(ended);
        deps.onFinished(ended, result, talkMs, detail);
      },
    });
    this.byId.set(plan.sessionId, session);
    for (const id of session.channelIds()) this.byChannel.set(id, session);
    session.dispatch({ type: 'started' });
    return session;
  }

  /** False when no live session owns the channel: the caller must release it. */
  answered(sessionId: string, channelId: string): boolean {
    const session = this.byId.get(sessionId);
    if (!session || this.byChannel.get(channelId) !== session) return false;
    session.dispatch(channelId === session.plan.customer.legId ? { type: 'customerAnswered' } : { type: 'ownerAnswered', legId: channelId });
    return true;
  }

  dtmf(channelId: string, digit: string): void {
    this.byChannel.get(channelId)?.dispatch({ type: 'dtmf', legId: channelId, digit });
  }

  channelGone(channelId: string, cause: number): void {
    const session = this.byChannel.get(channelId);
    if (!session) return;
    session.dispatch(channelId === session.plan.customer.legId ? { type: 'customerEnded', cause } : { type: 'ownerEnded', legId: channelId });
  }

  owns(channelId: string): boolean {
    return this.byChannel.has(channelId);
  }

  forCallback(callbackId: string): DialBackSession | undefined {
    return [...this.byId.values()].find((session) => session.plan.callbackId === callbackId);
  }

  private forget(session: DialBackSession): void {
    this.byId.delete(session.plan.sessionId);
    for (const id of session.channelIds()) if (this.byChannel.get(id) === session) this.byChannel.delete(id);
  }
}

/** Leg ids are derived from the call id, so a retried originate collides instead of ringing twice. */
export function legId(callId: string, step: number, index: number): string {
  return `${callId}-s${step}-${index}`;
}

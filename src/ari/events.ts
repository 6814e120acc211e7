/**
 * The few ARI events nevermiss acts on, read from the raw JSON (ari-client's "promoted" second
 * handler argument changes shape between events, so it is never used).
 */
export interface AriChannel {
  readonly id: string;
  readonly name: string;
  readonly state: string;
  readonly caller: { readonly name: string; readonly number: string };
  readonly dialplan?: { readonly context: string; readonly exten: string };
}

export type AriEvent =
  | { readonly type: 'StasisStart'; readonly args: readonly string[]; readonly channel: AriChannel }
  | { readonly type: 'StasisEnd'; readonly channel: AriChannel }
  | { readonly type: 'ChannelDestroyed'; readonly channel: AriChannel; readonly cause: number; readonly cause_txt?: string }
  | { readonly type: 'PlaybackFinished'; readonly playback: { readonly id: string; readonly state: string; readonly media_uri: string } }
  | { readonly type: 'ChannelDtmfReceived'; readonly channel: AriChannel; readonly digit: string }
  | { readonly type: 'RecordingFinished' | 'RecordingFailed'; readonly recording: { readonly name: string; readonly duration?: number; readonly state: string } }
  | { readonly type: 'DeviceStateChanged'; readonly device_state: { readonly name: string; readonly state: string } }
  | { readonly type: 'ApplicationReplaced' };

/**
 * Every event type nevermiss acts on. Asterisk is asked to send the app these alone (the app's
 * event filter, set on each connect): a call makes Asterisk emit some thirty events, and each one
 * sent costs both processes CPU (docs/decisions/0026).
 */
export const HANDLED_EVENT_TYPES = [
  'StasisStart',
  'StasisEnd',
  'ChannelDestroyed',
  'PlaybackFinished',
  'ChannelDtmfReceived',
  'RecordingFinished',
  'RecordingFailed',
  'DeviceStateChanged',
  'ApplicationReplaced',
] as const;

const HANDLED = new Set<string>(HANDLED_EVENT_TYPES);

/** Narrows a raw event to the ones we handle; everything else is ignored by the router. */
export function toAriEvent(raw: unknown): AriEvent | null {
  if (typeof raw !== 'object' || raw === null) return null;
  const type = (raw as { type?: unknown }).type;
  return typeof type === 'string' && HANDLED.has(type) ? (raw as AriEvent) : null;
}

/** What an event means to the call layer. */
export type CallSignal =
  | { readonly kind: 'inbound'; readonly channel: AriChannel; readonly called: string }
  | { readonly kind: 'legAnswered'; readonly callId: string; readonly legId: string }
  | { readonly kind: 'channelGone'; readonly channelId: string; readonly cause: number }
  | { readonly kind: 'playbackFinished'; readonly playbackId: string; readonly failed: boolean }
  | { readonly kind: 'dtmf'; readonly channelId: string; readonly digit: string }
  | { readonly kind: 'recordingFinished'; readonly name: string; readonly durationSec: number; readonly failed: boolean }
  | { readonly kind: 'feature'; readonly channel: AriChannel; readonly code: string }
  | { readonly kind: 'dialBackAnswered'; readonly sessionId: string; readonly channelId: string }
  /** The snippet's [nevermiss-drain] context hands over an AstDB entry (or says it is done). */
  | { readonly kind: 'drain'; readonly channelId: string; readonly args: readonly string[] }
  /** A phone's state changed (a subscription of device-states.ts). */
  | { readonly kind: 'deviceState'; readonly device: string; readonly state: string }
  | { readonly kind: 'replaced' };

/**
 * StasisStart args: ["inbound", DID] and ["feature", code] from the dialplan snippet,
 * ["leg", callId] and ["dialback", sessionId] from our own originates, ["drained", family, key,
 * entry] and ["drain-done"] from the snippet's drain context.
 */
export function toCallSignal(event: AriEvent): CallSignal | null {
  switch (event.type) {
    case 'StasisStart': {
      const [role, value] = event.args;
      if (role === 'inbound') return { kind: 'inbound', channel: event.channel, called: value ?? event.channel.dialplan?.exten ?? '' };
      if (role === 'leg' && value) return { kind: 'legAnswered', callId: value, legId: event.channel.id };
      if (role === 'feature' && value) return { kind: 'feature', channel: event.channel, code: value };
      if (role === 'dialback' && value) return { kind: 'dialBackAnswered', sessionId: value, channelId: event.channel.id };
      if (role === 'drained' || role === 'drain-done') return { kind: 'drain', channelId: event.channel.id, args: event.args };
      return null;
    }
    case 'StasisEnd':
      // The caller left our app: it hung up (we never send a caller back to the dialplan mid-call).
      return { kind: 'channelGone', channelId: event.channel.id, cause: 16 };
    case 'ChannelDestroyed':
      return { kind: 'channelGone', channelId: event.channel.id, cause: event.cause };
    case 'PlaybackFinished':
      return { kind: 'playbackFinished', playbackId: event.playback.id, failed: event.playback.state === 'failed' };
    case 'ChannelDtmfReceived':
      return { kind: 'dtmf', channelId: event.channel.id, digit: event.digit };
    case 'RecordingFinished':
    case 'RecordingFailed':
      return {
        kind: 'recordingFinished',
        name: event.recording.name,
        durationSec: event.recording.duration ?? 0,
        failed: event.type === 'RecordingFailed',
      };
    case 'DeviceStateChanged':
      return { kind: 'deviceState', device: event.device_state.name, state: event.device_state.state };
    case 'ApplicationReplaced':
      return { kind: 'replaced' };
  }
}

/**
 * What the notifier is told and what it hands back: a notification event (a callback, the person
 * told, what happened), the channels that reach a person, and the message rendered for them.
 * Plain data, so the caller can keep a pending delivery in Redis and send it again later.
 */

/** What happened to a callback. */
export type NotificationKind = 'created' | 'reminder' | 'overdue' | 'escalated' | 'failed' | 'done';

export const NOTIFICATION_KINDS: readonly NotificationKind[] = ['created', 'reminder', 'overdue', 'escalated', 'failed', 'done'];

export interface NotificationEvent {
  readonly kind: NotificationKind;
  readonly callback: {
    readonly id: string;
    /** The customer's number, E.164. */
    readonly caller: string;
    /** The number they dialled. */
    readonly called: string;
    /** The id of the route that took the call. */
    readonly route: string;
    /** Epoch ms of the first missed call. */
    readonly createdAt: number;
    /** Epoch ms of the promised deadline. */
    readonly dueAt: number;
    /** How often the customer has called. */
    readonly attempts: number;
    readonly status: string;
    /** Why this number can't be called back (callable: in the config); absent when it can. */
    readonly uncallable?: string;
  };
  /** The person told. */
  readonly person: { readonly id: string; readonly name: string };
  /** Epoch ms when it happened; "in 3 min" and "12 min ago" count from here. */
  readonly at: number;
  /** How the person calls the customer back, as text they can act on. */
  readonly links: {
    /** An HTTP request that dials, like "POST https://nevermiss.example/api/callbacks/cb-123/dial". */
    readonly dial: string;
    /** A command that dials, like "nevermiss callbacks dial cb-123 --by owner". */
    readonly cli: string;
    /**
     * A login link for the person told that opens the callback's page (GET /login?t=...&next=/callbacks/<id>);
     * absent without http.sessionSecret and http.publicUrl.
     */
    readonly page?: string;
    /** Single-use action URLs (POST) for the buttons of a push notification; absent for a closed callback, or without links. */
    readonly actions?: { readonly dial: string; readonly done: string };
  };
}

/** The stable names of the channels; the caller may store them to retry a delivery later. */
export type ChannelName = 'email' | 'webhook' | 'ntfy' | 'sms';

export const CHANNEL_NAMES: readonly ChannelName[] = ['email', 'webhook', 'ntfy', 'sms'];

/** One way to reach one person: plain data, safe to log and to store. */
export interface Channel {
  readonly name: ChannelName;
  /** The person's id in the config. */
  readonly person: string;
  /** Where it goes, for logs: an address, a number, or a URL without credentials or query. */
  readonly address: string;
}

/** A notification as people read it. */
export interface RenderedMessage {
  readonly subject: string;
  readonly text: string;
}

/** The language messages are written in: the firm's (src/notify/wording.ts has en, da, de; others read English). */
export type MessageLanguage = string;

/**
 * The validated configuration, as the rest of the service sees it: every default filled in,
 * every duration in milliseconds, every path absolute, every phone number in E.164 and every
 * hunt step resolved to the phones it rings. The loader returns it deeply frozen.
 */
import type { OpeningHours } from '../schedule/types.js';

export interface Config {
  /** Absolute path of the file it was loaded from. */
  readonly file: string;
  readonly ari: {
    /** Base URL without a trailing slash and without the `/ari` suffix. */
    readonly url: string;
    readonly username: string;
    readonly password: string;
    /** The Stasis application name the dialplan sends calls to. */
    readonly app: string;
    readonly requestTimeoutMs: number;
  };
  readonly redis: {
    readonly url: string;
    /** Keys are `{<keyPrefix>}:...`; the braces make it a Redis Cluster hash tag. */
    readonly keyPrefix: string;
  };
  readonly http: {
    readonly host: string;
    readonly port: number;
    /** The URL at which Asterisk reaches this service; present whenever prompts.source is 'http'. */
    readonly publicUrl?: string;
  };
  readonly prompts: {
    readonly source: 'sound' | 'http';
    /** Absolute. */
    readonly directory: string;
  };
  readonly log: {
    readonly level: 'error' | 'warn' | 'info' | 'debug';
    readonly format: 'auto' | 'json' | 'text';
  };
  readonly firm: Firm;
  readonly status: StatusSettings;
  readonly people: Readonly<Record<string, Person>>;
  readonly routes: Readonly<Record<string, Route>>;
  /** The id of the route for any dialled number no route lists; always a key of `routes`. */
  readonly defaultRoute: string;
}

export interface Firm {
  /** "" when not given. */
  readonly name: string;
  /** The firm's own number in E.164 ("+4530123456"), shown by phones with callerId.show 'firm'. */
  readonly number: string | null;
  /** ISO 3166-1 alpha-2: the default country for reading national numbers. */
  readonly country: string;
  /** IANA time zone: the default for every route. */
  readonly timezone: string;
}

/** The owner's status switch, set from a phone with a feature code. */
export interface StatusSettings {
  /** Ids of the people whose phones the status "away" skips. */
  readonly away: readonly string[];
  /** The codes dialled to set each status, like "*70"; the dialplan must send them to nevermiss. */
  readonly featureCodes: { readonly normal: string; readonly away: string; readonly closed: string };
}

/** One phone and how it is rung. */
export interface Phone {
  /** Asterisk dial string. */
  readonly dial: string;
  /** A mobile or other line outside the PBX. */
  readonly external: boolean;
  /** The callee must press 1 before the call is put through (so a voicemail cannot take it). */
  readonly screen: boolean;
  /** This phone never rings longer than this in any step; null for the step's timeout. */
  readonly timeoutMs: number | null;
  readonly callerId: {
    /** Whose number the phone shows: the caller's, or the firm's own. */
    readonly show: 'caller' | 'firm';
    /** Put before the caller's name, like "Kunde: "; may be "". */
    readonly prefix: string;
  };
  /** What to do when the phone is already in a call. */
  readonly whenBusy: 'skip' | 'ring';
}

export interface Person {
  readonly id: string;
  readonly name: string;
  /** Phone name -> phone, in the order they were written. */
  readonly phones: Readonly<Record<string, Phone>>;
}

export type Language = 'en' | 'da';

/** One phone a hunt step rings, resolved from a `person` or `person.phone` reference. */
export interface PhoneRef extends Phone {
  readonly person: string;
  readonly phone: string;
}

/** The phones rung at once, and for how long. */
export interface HuntStep {
  readonly ring: readonly PhoneRef[];
  readonly timeoutMs: number;
  /**
   * Start this long after the hunt began, while earlier steps may still ring; null to start when
   * the previous step is over.
   */
  readonly delayMs: number | null;
}

/** Which callers a caller rule applies to. */
export type CallerPattern =
  /** One number, E.164. */
  | { readonly kind: 'number'; readonly value: string }
  /** Every number that starts with `value`, like "+4540". */
  | { readonly kind: 'prefix'; readonly value: string };

export interface CallerRule {
  readonly match: readonly CallerPattern[];
  readonly treat: 'known' | 'blocked';
  /** A hunt of their own for known callers; null for the route's. */
  readonly hunt: readonly HuntStep[] | null;
}

export interface Route {
  readonly id: string;
  /** The dialled numbers (DIDs) this route answers. */
  readonly numbers: readonly string[];
  readonly language: Language;
  /** ISO 3166-1 alpha-2, for reading callers' national numbers. */
  readonly country: string;
  /** IANA time zone of the opening hours. */
  readonly timezone: string;
  /** null: always open (the status switch aside). Its timezone is the route's. */
  readonly hours: OpeningHours | null;
  readonly hunt: readonly HuntStep[];
  /** When closed: who to ring instead, or null to go straight to the promise. */
  readonly outOfHours: { readonly hunt: readonly HuntStep[] | null };
  readonly promise: {
    readonly deadlineMs: number;
    /** For calls while closed: the callback is due this long after the next opening. */
    readonly afterOpeningMs: number;
  };
  /** First match wins. */
  readonly callers: readonly CallerRule[];
}

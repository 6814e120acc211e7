/**
 * The validated configuration, as the rest of the service sees it: every default filled in,
 * every duration in milliseconds, every path absolute, every phone number in E.164 and every
 * hunt step resolved to the phones it rings. The loader returns it deeply frozen.
 */
import type { CallableRules } from '../numbers/callable.js';
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
    /** Read back what the dialplan fallback kept in AstDB while nevermiss was down (src/app/drain.ts). */
    readonly drainAstdb: boolean;
  };
  readonly redis: {
    readonly url: string;
    /** Keys are `{<keyPrefix>}:...`; the braces make it a Redis Cluster hash tag. */
    readonly keyPrefix: string;
    /** How long one Redis command may take before it fails (the call path then spools). */
    readonly commandTimeoutMs: number;
  };
  /** Active and standby instances of one installation (docs/decisions/0014). */
  readonly failover: {
    readonly leaseMs: number;
    readonly ariLossGraceMs: number;
  };
  readonly http: HttpSettings;
  readonly prompts: {
    readonly source: 'sound' | 'http';
    /** Absolute. */
    readonly directory: string;
    /** The feature code that walks the owner through recording the prompts (src/voice/). */
    readonly recordCode: string;
  };
  readonly data: {
    /** Absolute; holds the spool (callbacks, call outcomes and messages Redis could not take). */
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
  /** The mail server for notify.email; present whenever someone has an e-mail address. */
  readonly smtp: SmtpSettings | null;
  /** The HTTP SMS gateway for notify.sms; present whenever someone has an SMS number. */
  readonly sms: SmsGateway | null;
  readonly callbacks: CallbackSettings;
  /** Which caller numbers are called and texted back, and how many text-backs are sent. */
  readonly callable: CallableSettings;
  /** Prometheus metrics at /metrics; null: not served at all. */
  readonly metrics: MetricsSettings | null;
  readonly retention: RetentionSettings;
}

export interface MetricsSettings {
  /** The bearer token a scraper must send (32+ characters). */
  readonly token: string;
  /** A listener that serves only /metrics; null: /metrics is on the main HTTP server. */
  readonly listen: { readonly host: string; readonly port: number } | null;
}

/** How long data about calls and callers is kept (docs/decisions/0017). */
export interface RetentionSettings {
  /** Call-log entries, caller messages and closed callbacks older than this are deleted; open callbacks stay. */
  readonly keepMs: number;
}

/** nevermiss's own web server and the credentials of its API (docs/decisions/0016). */
export interface HttpSettings {
  readonly host: string;
  readonly port: number;
  /**
   * The URL at which phones and Asterisk reach this service, without a trailing slash; present
   * whenever prompts.source is 'http' or a sessionSecret is set.
   */
  readonly publicUrl?: string;
  readonly tokens: readonly ApiToken[];
  /** Signs login links, session cookies and action tokens; null: none of them work. */
  readonly sessionSecret: string | null;
  /** Host names (lower case, no port) the API answers to besides publicUrl's, listen's and loopback's. */
  readonly allowedHosts: readonly string[];
  /** Addresses of reverse proxies whose X-Forwarded-* headers are believed; [] for none. */
  readonly trustProxy: readonly string[];
}

/** What a bearer token may do: read < act < admin; report only posts the dialplan's outbound report. */
export type TokenScope = 'read' | 'act' | 'admin' | 'report';

export interface ApiToken {
  /** Who holds it; the callbacks' history names it as who acted (its person, when it has one). */
  readonly name: string;
  readonly secret: string;
  readonly scope: TokenScope;
  /** The person it acts as; null for a token of a program (the PBX, a script). */
  readonly person: string | null;
}

export interface SmtpSettings {
  /** smtp:// or smtps://, with user and password when the server wants them. */
  readonly url: string;
  /** The sender, like "nevermiss <nevermiss@example.dk>". */
  readonly from: string;
}

/** An HTTP SMS gateway: `{to}` and `{text}` in url and body are replaced for each message. */
export interface SmsGateway {
  readonly url: string;
  readonly method: 'GET' | 'POST';
  readonly headers: Readonly<Record<string, string>>;
  /** The POST body template; null for GET, and for the default JSON body {"to":"{to}","text":"{text}"}. */
  readonly body: string | null;
}

/** What happens to a callback after the call: who hears of it, and when. */
export interface CallbackSettings {
  /** Ids of the people told at once about a new callback; each has a notify target. */
  readonly notify: readonly string[];
  /** A reminder when this share of the deadline has passed: 0.7 for "70%". */
  readonly remindAtShare: number;
  /** Ids of the people told when the deadline passes with the callback still open. */
  readonly escalateTo: readonly string[];
  /** Also ring the escalation people's phones, with a whisper. */
  readonly ringOnEscalation: boolean;
  /** Dial attempts before the callback is failed. */
  readonly attempts: number;
  /** Pause after a failed attempt before the next reminder. */
  readonly retryPauseMs: number;
  /** A callback counts as done only when the customer talked this long. */
  readonly minTalkMs: number;
  /** Dial string template with `{number}` (the customer's number in E.164); null when not set. */
  readonly dial: string | null;
  /** How long a dial-back holds its callback unless its live session renews the lease. */
  readonly dialLeaseMs: number;
  /** Follow-up jobs one instance runs at once. */
  readonly jobConcurrency: number;
}

export interface CallableSettings extends CallableRules {
  readonly textBack: {
    /** Text-backs per clock hour to numbers sharing their first prefixDigits digits. */
    readonly perPrefix: number;
    readonly prefixDigits: number;
    /** Text-backs per clock hour in all. */
    readonly perHour: number;
  };
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
  /** How this person hears about callbacks; every target null when they have no notify section. */
  readonly notify: NotifyTargets;
}

export interface NotifyTargets {
  readonly email: string | null;
  readonly webhook: { readonly url: string; readonly secret: string } | null;
  readonly ntfy: { readonly url: string; readonly token: string | null } | null;
  /** E.164, read with firm.country. */
  readonly sms: string | null;
}

/** A language with a prompt file in prompts/src (checked when the config loads): "en", "da", "de"… */
export type Language = string;

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
  /** Text the caller after a missed call, at most once per number per window; null: don't. */
  readonly textBack: { readonly windowMs: number } | null;
  readonly promise: {
    readonly deadlineMs: number;
    /** For calls while closed: the callback is due this long after the next opening. */
    readonly afterOpeningMs: number;
  };
  /** First match wins. */
  readonly callers: readonly CallerRule[];
}

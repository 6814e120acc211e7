/**
 * The validated configuration, as the rest of the service sees it: every default filled in,
 * every duration in milliseconds, every path absolute and every hunt step resolved to the dial
 * strings it rings. The loader returns it deeply frozen.
 */
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
  readonly people: Readonly<Record<string, Person>>;
  readonly routes: Readonly<Record<string, Route>>;
  /** The id of the route for any dialled number no route lists; always a key of `routes`. */
  readonly defaultRoute: string;
}

export interface Person {
  readonly id: string;
  readonly name: string;
  /** Phone name -> Asterisk dial string, in the order they were written. */
  readonly phones: Readonly<Record<string, string>>;
}

export type Language = 'en' | 'da';

/** One phone a hunt step rings, resolved from a `person` or `person.phone` reference. */
export interface PhoneRef {
  readonly person: string;
  readonly phone: string;
  readonly dial: string;
}

/** The phones rung at once, and for how long. */
export interface HuntStep {
  readonly ring: readonly PhoneRef[];
  readonly timeoutMs: number;
}

export interface Route {
  readonly id: string;
  /** The dialled numbers (DIDs) this route answers. */
  readonly numbers: readonly string[];
  readonly language: Language;
  readonly hunt: readonly HuntStep[];
  readonly promise: { readonly deadlineMs: number };
}

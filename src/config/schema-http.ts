/**
 * The schema of nevermiss's own web server (the http: section): where it listens, the URL people
 * and the PBX reach it at, and the credentials of its API (docs/decisions/0016). Each value is
 * checked on its own here; relations (a token naming a person who exists, two tokens with one
 * secret, links that need publicUrl) are in http-checks.ts.
 */
import { z } from 'zod';

import { describeKind, describeLength, expecting, expectingText } from './messages.js';
import { listen, name, settings, url } from './schema-kit.js';

/** What a bearer token may do: read < act < admin; report only posts the dialplan's outbound report. */
export const TOKEN_SCOPES = ['read', 'act', 'admin', 'report'] as const;

/** Long enough that guessing is hopeless even without the rate limit; `openssl rand -base64 32` gives 44. */
export const SECRET_MIN_LENGTH = 32;

/** Printable ASCII without spaces: the secret travels in an HTTP header as it is. */
const SECRET_CHARACTERS = /^[\x21-\x7e]+$/;

const HOST_NAME_PATTERN = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?)$/;
/** An IPv4 or IPv6 address, optionally with a /prefix (Fastify's trustProxy takes these). */
const PROXY_PATTERN = /^(?:[0-9]{1,3}(?:\.[0-9]{1,3}){3}|[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*)(?:\/[0-9]{1,3})?$/;

const SECRET_PHRASE = `a secret of at least ${SECRET_MIN_LENGTH} characters (letters, digits and punctuation, no spaces), like the output of "openssl rand -base64 32", kept out of this file with \${VAR}`;

export function longSecret() {
  return z
    .string({ error: expectingText(SECRET_PHRASE, describeKind) })
    .min(SECRET_MIN_LENGTH, { error: expecting(SECRET_PHRASE, describeLength), abort: true })
    .regex(SECRET_CHARACTERS, { error: expecting(SECRET_PHRASE, () => 'text with spaces or characters beyond ASCII') });
}

const publicUrl = url(/^https?$/, 'an http:// or https:// URL like "https://nevermiss.example.dk"').refine(
  (text) => {
    const { pathname, search, hash } = new URL(text);
    return pathname === '/' && search === '' && hash === '';
  },
  { error: expecting('the URL of the service itself, without a path, query or fragment, like "https://nevermiss.example.dk"') },
);

const token = settings(
  {
    name: name('a token name').describe('Who or what holds the token; the callbacks\' history names it as who acted.'),
    secret: longSecret().describe(`The bearer token itself, at least ${SECRET_MIN_LENGTH} characters; use \${VAR}.`),
    scope: z
      .enum(TOKEN_SCOPES, { error: expecting('read, act, admin or report') })
      .describe('read: look; act: also close, dial, set the status; admin: also reload and see the config state; report: only the dialplan\'s outbound report.'),
    person: name('a person name').optional().describe('The person the token acts as (a phone app of theirs, say). Default: none.'),
  },
  'a token with name:, secret: and scope:',
);

export const HttpSchema = settings(
  {
    listen: listen.prefault('127.0.0.1:8080').describe('host:port to listen on. Default 127.0.0.1:8080.'),
    publicUrl: publicUrl
      .optional()
      .describe('The URL at which phones and Asterisk reach this service; needed for prompts over http and for login and action links.'),
    tokens: z
      .array(token, { error: expecting('a list of tokens, each with name:, secret: and scope:') })
      .prefault([])
      .describe('Bearer tokens of the API ("Authorization: Bearer <secret>"). Default none: only login sessions reach the API.'),
    sessionSecret: longSecret()
      .optional()
      .describe('Signs login links, session cookies and the action buttons of notifications. Default none: no logins, no action buttons.'),
    allowedHosts: z
      .array(
        z.string({ error: expecting('a host name or address like "nevermiss.lan" or "192.0.2.10"') }).regex(HOST_NAME_PATTERN, {
          error: expecting('a host name or address without port, like "nevermiss.lan" or "192.0.2.10"'),
        }),
        { error: expecting('a list of host names, like ["192.0.2.10"]') },
      )
      .prefault([])
      .describe('Host names the API answers to besides publicUrl\'s, the listen address, localhost, 127.0.0.1 and [::1]. Default [].'),
    trustProxy: z
      .array(
        z.string({ error: expecting('an IP address or range like "127.0.0.1" or "10.0.0.0/8"') }).regex(PROXY_PATTERN, {
          error: expecting('an IP address or range like "127.0.0.1" or "10.0.0.0/8"'),
        }),
        { error: expecting('a list of proxy addresses, like ["127.0.0.1"]') },
      )
      .prefault([])
      .describe('Reverse proxies in front of nevermiss: their X-Forwarded-For, -Host and -Proto are believed. Default none.'),
  },
  'HTTP settings (listen:, publicUrl:, tokens:, sessionSecret:, ...)',
)
  .prefault({})
  .describe('nevermiss\'s own web server and who may use its API.');

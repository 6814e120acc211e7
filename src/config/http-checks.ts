/**
 * Checks of the API's credentials that relate them to the rest of the file: token names and
 * secrets are unique (a secret names its token, so two tokens must not share one), a token's
 * person exists, and login and action links have a publicUrl to point at.
 */
import { listOrNone, quote } from './messages.js';
import type { Finding } from './problems.js';
import { entriesOf, fieldOf, itemsOf } from './raw.js';
import { NAME_PATTERN } from './schema-kit.js';

export function checkHttp(raw: unknown): Finding[] {
  const http = fieldOf(raw, 'http');
  const people = entriesOf(fieldOf(raw, 'people')).map(([id]) => id);
  return [...checkTokens(http, people), ...checkLinksHaveAUrl(http)];
}

function checkTokens(http: unknown, people: readonly string[]): Finding[] {
  const findings: Finding[] = [];
  const names = new Map<string, number>();
  const secrets = new Map<string, string>();
  const sessionSecret = fieldOf(http, 'sessionSecret');
  itemsOf(fieldOf(http, 'tokens')).forEach((token, index) => {
    const path = ['http', 'tokens', index];
    const name = fieldOf(token, 'name');
    if (typeof name === 'string' && NAME_PATTERN.test(name)) {
      const first = names.get(name);
      if (first === undefined) names.set(name, index);
      else findings.push({ path: [...path, 'name'], message: `the name ${quote(name)} is already used by http.tokens[${first}]; give each token its own name` });
    }
    const secret = fieldOf(token, 'secret');
    if (typeof secret === 'string' && secret !== '') {
      // Never the secret itself in a problem: which token has it is enough.
      const holder = secrets.get(secret);
      if (holder !== undefined) {
        findings.push({ path: [...path, 'secret'], message: `this secret is already the secret of ${holder}; give each token its own secret` });
      } else if (secret === sessionSecret) {
        findings.push({ path: [...path, 'secret'], message: 'this secret is also http.sessionSecret; give the token a secret of its own' });
      } else {
        secrets.set(secret, `http.tokens[${index}]`);
      }
    }
    const person = fieldOf(token, 'person');
    if (typeof person !== 'string' || !NAME_PATTERN.test(person)) return;
    if (fieldOf(token, 'scope') === 'report') {
      findings.push({ path: [...path, 'person'], message: 'a report token acts for the PBX, not for a person; remove person: or choose another scope' });
    } else if (!people.includes(person)) {
      findings.push({ path: [...path, 'person'], message: `unknown person ${quote(person)}; known people: ${listOrNone(people)}` });
    }
  });
  return findings;
}

/** Login links and the action buttons of notifications are absolute URLs: they need publicUrl. */
function checkLinksHaveAUrl(http: unknown): Finding[] {
  if (fieldOf(http, 'sessionSecret') === undefined || fieldOf(http, 'publicUrl') !== undefined) return [];
  return [
    {
      path: ['http', 'sessionSecret'],
      message:
        'login links and the action buttons of notifications point at http.publicUrl, which is missing; add publicUrl: with the URL at which phones reach this service, like "https://nevermiss.example.dk"',
    },
  ];
}

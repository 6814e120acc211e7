/**
 * Checks of notifications that relate one part of the file to another: an e-mail address needs
 * the smtp: section and an SMS number the sms: gateway, an SMS number is valid in firm.country,
 * and the people callbacks.notify and callbacks.escalateTo name exist, once each, and can be told.
 */
import { expectation, listOrNone, quote } from './messages.js';
import { phoneNumberPhrase, PHONE_NUMBER_PATTERN, toE164 } from './phone-numbers.js';
import type { Finding } from './problems.js';
import { entriesOf, fieldOf, itemsOf, validOrDefault } from './raw.js';
import { DEFAULT_COUNTRY } from './schema.js';
import { CountrySchema, NAME_PATTERN } from './schema-kit.js';

/** The sections a notify target is carried by. */
const CARRIERS = [
  { target: 'email', section: 'smtp', what: 'sending e-mail', keys: 'url: and from:' },
  { target: 'sms', section: 'sms', what: 'sending text messages', keys: 'url: (and method:, headers:, body: as your gateway wants)' },
] as const;

export function checkNotifications(raw: unknown): Finding[] {
  const people = entriesOf(fieldOf(raw, 'people'));
  return [
    ...CARRIERS.flatMap((carrier) => checkCarrierIsSet(raw, people, carrier)),
    ...checkSmsNumbers(raw, people),
    ...checkTextBack(raw),
    ...checkPeopleToTell(raw, people, 'notify'),
    ...checkPeopleToTell(raw, people, 'escalateTo'),
  ];
}

/** Reported once, at the first person who needs the missing section. */
function checkCarrierIsSet(
  raw: unknown,
  people: readonly (readonly [string, unknown])[],
  { target, section, what, keys }: (typeof CARRIERS)[number],
): Finding[] {
  if (fieldOf(raw, section) !== undefined) return [];
  const first = people.find(([, person]) => fieldOf(fieldOf(person, 'notify'), target) !== undefined);
  if (first === undefined) return [];
  return [
    {
      path: ['people', first[0], 'notify', target],
      message: `${what} needs the ${section}: section, which is missing; add ${section}: with ${keys} at the top level of the file, or remove ${target}: here`,
    },
  ];
}

/** Texting callers back goes through the sms: gateway too. */
function checkTextBack(raw: unknown): Finding[] {
  if (fieldOf(raw, 'sms') !== undefined) return [];
  return entriesOf(fieldOf(raw, 'routes')).flatMap(([id, route]): Finding[] =>
    fieldOf(route, 'textBack') === undefined
      ? []
      : [
          {
            path: ['routes', id, 'textBack'],
            message: 'texting callers back needs the sms: section, which is missing; add sms: with url: (and method:, headers:, body: as your gateway wants) at the top level of the file, or remove textBack: here',
          },
        ],
  );
}

function checkSmsNumbers(raw: unknown, people: readonly (readonly [string, unknown])[]): Finding[] {
  // An invalid firm.country is reported where it is written; numbers read in it would be guesses.
  const country = validOrDefault(fieldOf(fieldOf(raw, 'firm'), 'country'), CountrySchema, DEFAULT_COUNTRY);
  if (country === undefined) return [];
  return people.flatMap(([id, person]): Finding[] => {
    const number = fieldOf(fieldOf(person, 'notify'), 'sms');
    if (typeof number !== 'string' || !PHONE_NUMBER_PATTERN.test(number) || toE164(number, country) !== null) return [];
    return [{ path: ['people', id, 'notify', 'sms'], message: expectation(phoneNumberPhrase(country), number) }];
  });
}

/**
 * callbacks.notify and callbacks.escalateTo: each person exists and is listed once. They are told
 * through their notify targets, so they need some, unless escalation rings their phones anyway.
 */
function checkPeopleToTell(raw: unknown, people: readonly (readonly [string, unknown])[], key: 'notify' | 'escalateTo'): Finding[] {
  const callbacks = fieldOf(raw, 'callbacks');
  const listed = itemsOf(fieldOf(callbacks, key));
  const ids = people.map(([id]) => id);
  const ringsInstead = key === 'escalateTo' && fieldOf(callbacks, 'ringOnEscalation') === true;
  return listed.flatMap((person, index): Finding[] => {
    // A name that is not a name is reported by the schema; "unknown person" would say it twice.
    if (typeof person !== 'string' || !NAME_PATTERN.test(person)) return [];
    const path = ['callbacks', key, index];
    if (!ids.includes(person)) return [{ path, message: `unknown person ${quote(person)}; known people: ${listOrNone(ids)}` }];
    if (listed.indexOf(person) < index) return [{ path, message: `${person} is already listed; list each person once` }];
    const hasTargets = fieldOf(people.find(([id]) => id === person)?.[1], 'notify') !== undefined;
    if (hasTargets || ringsInstead) return [];
    const remedy = key === 'escalateTo' ? ', set ringOnEscalation: true to ring their phones,' : '';
    return [
      {
        path,
        message: `${person} has no notify: section, so cannot be told; add people.${person}.notify${remedy} or remove ${person} here`,
      },
    ];
  });
}

/**
 * Checks that relate one entry to another: hunt steps (a route's own, its out-of-hours hunt and
 * its caller rules' hunts) name known people and phones, each phone rings once per step, each
 * dialled number belongs to one route, defaultRoute names a route, and prompts served over HTTP
 * have a URL Asterisk can fetch them from.
 *
 * They read the raw document entry by entry rather than waiting for the whole file to be valid,
 * so that a typo in the log section does not hide a wrong name in a hunt step. An entry that is
 * itself invalid is skipped: its own problems are already reported, once.
 */
import { listOrNone } from './messages.js';
import type { Finding, Path } from './problems.js';
import { entriesOf, fieldOf, itemsOf } from './raw.js';
import { DidSchema, PhonesSchema, PromptSourceSchema, RingSchema, RouteNameSchema } from './schema.js';
import type { Phone, PhoneRef } from './types.js';

/** Person -> phone name -> phone. Phones are undefined for a person whose phones are invalid. */
export type Phonebook = ReadonlyMap<string, ReadonlyMap<string, Phone> | undefined>;

/** The phonebook of a raw `people:` section, which may be any shape. */
export function phonebookOf(people: unknown): Phonebook {
  return new Map(
    entriesOf(people).map(([id, person]) => {
      const phones = PhonesSchema.safeParse(fieldOf(person, 'phones'));
      return [id, phones.success ? new Map(Object.entries(phones.data)) : undefined];
    }),
  );
}

/** The phonebook of people that passed the schema. */
export function phonebookOfPeople(people: Readonly<Record<string, { readonly phones: Readonly<Record<string, Phone>> }>>): Phonebook {
  return new Map(Object.entries(people).map(([id, person]) => [id, new Map(Object.entries(person.phones))]));
}

/**
 * The phones a ring entry names: "owner.desk" that one, "owner" all of owner's phones in the
 * order they are written. Or, when it names none, why.
 */
export function lookUpRingEntry(entry: string, phonebook: Phonebook): { phones: PhoneRef[] } | { problem: string } {
  const [person, phone] = splitRingEntry(entry);
  if (!phonebook.has(person)) {
    return { problem: `unknown person "${person}"; known people: ${listOrNone([...phonebook.keys()])}` };
  }
  const phones = phonebook.get(person);
  if (phones === undefined) return { phones: [] };
  if (phone === undefined) {
    return { phones: [...phones].map(([phoneName, settings]) => ({ person, phone: phoneName, ...settings })) };
  }
  const settings = phones.get(phone);
  if (settings === undefined) {
    const known = [...phones.keys()].map((phoneName) => `${person}.${phoneName}`);
    return { problem: `unknown phone "${phone}" of ${person}; known phones: ${listOrNone(known)}` };
  }
  return { phones: [{ person, phone, ...settings }] };
}

function splitRingEntry(entry: string): [person: string, phone: string | undefined] {
  const dot = entry.indexOf('.');
  return dot === -1 ? [entry, undefined] : [entry.slice(0, dot), entry.slice(dot + 1)];
}

export function checkReferences(raw: unknown): Finding[] {
  const phonebook = phonebookOf(fieldOf(raw, 'people'));
  const routes = entriesOf(fieldOf(raw, 'routes'));
  return [
    ...routes.flatMap(([id, route]) => huntsOf(id, route).flatMap(({ path, hunt }) => checkHunt(path, hunt, phonebook))),
    ...checkNumbersAreUnique(routes),
    ...checkDefaultRoute(fieldOf(raw, 'defaultRoute'), routes.map(([id]) => id)),
    ...checkPromptsAreReachable(raw),
  ];
}

/** Every hunt a route holds, with its path: its own, the one out of hours, and its caller rules'. */
function huntsOf(routeId: string, route: unknown): { path: Path; hunt: unknown }[] {
  const routePath = ['routes', routeId];
  return [
    { path: [...routePath, 'hunt'], hunt: fieldOf(route, 'hunt') },
    { path: [...routePath, 'outOfHours', 'hunt'], hunt: fieldOf(fieldOf(route, 'outOfHours'), 'hunt') },
    ...itemsOf(fieldOf(route, 'callers')).map((rule, index) => ({
      path: [...routePath, 'callers', index, 'hunt'],
      hunt: fieldOf(rule, 'hunt'),
    })),
  ];
}

function checkHunt(huntPath: Path, hunt: unknown, phonebook: Phonebook): Finding[] {
  return itemsOf(hunt).flatMap((step, index) => {
    const ring = RingSchema.safeParse(fieldOf(step, 'ring'));
    return ring.success ? checkRing([...huntPath, index, 'ring'], ring.data, phonebook) : [];
  });
}

function checkRing(path: Path, entries: readonly string[], phonebook: Phonebook): Finding[] {
  const findings: Finding[] = [];
  const entryRinging = new Map<string, string>(); // "person.phone" -> the entry that already rings it
  entries.forEach((entry, index) => {
    const found = lookUpRingEntry(entry, phonebook);
    if ('problem' in found) {
      findings.push({ path: [...path, index], message: found.problem });
      return;
    }
    for (const { person, phone } of found.phones) {
      const phoneId = `${person}.${phone}`;
      const earlier = entryRinging.get(phoneId);
      if (earlier === undefined) {
        entryRinging.set(phoneId, entry);
      } else {
        findings.push({
          path: [...path, index],
          message: `phone ${phoneId} is already rung in this step by "${earlier}"; ring each phone once per step`,
        });
      }
    }
  });
  return findings;
}

/** Reported at the later listing, naming the route that listed the number first. */
function checkNumbersAreUnique(routes: readonly (readonly [string, unknown])[]): Finding[] {
  const findings: Finding[] = [];
  const firstRouteListing = new Map<string, string>();
  for (const [routeId, route] of routes) {
    itemsOf(fieldOf(route, 'numbers')).forEach((item, index) => {
      const number = DidSchema.safeParse(item);
      if (!number.success) return;
      const firstRoute = firstRouteListing.get(number.data);
      if (firstRoute === undefined) {
        firstRouteListing.set(number.data, routeId);
      } else {
        findings.push({
          path: ['routes', routeId, 'numbers', index],
          message: `the number "${number.data}" is already listed by route "${firstRoute}"; list each number once, in one route`,
        });
      }
    });
  }
  return findings;
}

function checkDefaultRoute(defaultRoute: unknown, routeIds: readonly string[]): Finding[] {
  const routeId = RouteNameSchema.safeParse(defaultRoute);
  if (!routeId.success || routeIds.includes(routeId.data)) return [];
  const message = `unknown route "${routeId.data}"; known routes: ${listOrNone(routeIds)}`;
  return [{ path: ['defaultRoute'], message }];
}

function checkPromptsAreReachable(raw: unknown): Finding[] {
  const source = PromptSourceSchema.safeParse(fieldOf(fieldOf(raw, 'prompts'), 'source'));
  const publicUrl = fieldOf(fieldOf(raw, 'http'), 'publicUrl');
  if (!source.success || source.data !== 'http' || publicUrl !== undefined) return [];
  return [
    {
      path: ['http', 'publicUrl'],
      message:
        'required because prompts.source is "http"; expected the URL at which Asterisk reaches this service, like "http://192.0.2.10:8080"',
    },
  ];
}

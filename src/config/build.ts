/**
 * From the validated file to the Config the service uses: names resolved to dial strings,
 * relative paths made absolute, durations renamed to say their unit.
 */
import { dirname, resolve } from 'node:path';

import { lookUpRingEntry, phonebookOf } from './references.js';
import type { Phonebook } from './references.js';
import type { ConfigFile } from './schema.js';
import type { Config, HuntStep, Person, PhoneRef, Route } from './types.js';

/** Expects a file that passed the schema and checkReferences. */
export function buildConfig(file: ConfigFile, absolutePath: string): Config {
  const phonebook = phonebookOf(file.people);
  const { listen, publicUrl } = file.http;
  return {
    file: absolutePath,
    ari: {
      url: file.ari.url.replace(/\/+$/, ''),
      username: file.ari.username,
      password: file.ari.password,
      app: file.ari.app,
      requestTimeoutMs: file.ari.requestTimeout,
    },
    redis: file.redis,
    http: { host: listen.host, port: listen.port, ...(publicUrl === undefined ? {} : { publicUrl }) },
    // Relative to the config file, so the service finds its prompts whatever folder it starts in.
    prompts: { source: file.prompts.source, directory: resolve(dirname(absolutePath), file.prompts.directory) },
    log: file.log,
    people: mapEntries(file.people, (id, person): Person => ({ id, name: person.name ?? id, phones: person.phones })),
    routes: mapEntries(file.routes, (id, route) => buildRoute(id, route, phonebook)),
    defaultRoute: file.defaultRoute,
  };
}

function buildRoute(id: string, route: ConfigFile['routes'][string], phonebook: Phonebook): Route {
  return {
    id,
    numbers: route.numbers,
    language: route.language,
    hunt: route.hunt.map(
      (step): HuntStep => ({
        ring: step.ring.flatMap((entry) => phonesRungBy(entry, phonebook)),
        timeoutMs: step.timeout,
      }),
    ),
    promise: { deadlineMs: route.promise.deadline },
  };
}

function phonesRungBy(entry: string, phonebook: Phonebook): PhoneRef[] {
  const found = lookUpRingEntry(entry, phonebook);
  // checkReferences has reported any entry that names no phone, so this is a bug, not bad input.
  if ('problem' in found) throw new Error(`Ring entry "${entry}" reached buildConfig unchecked: ${found.problem}`);
  return found.phones;
}

function mapEntries<T, U>(record: Readonly<Record<string, T>>, map: (key: string, value: T) => U): Record<string, U> {
  return Object.fromEntries(Object.entries(record).map(([key, value]) => [key, map(key, value)]));
}

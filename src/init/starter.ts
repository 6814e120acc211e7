/**
 * The starter config `nevermiss init` writes: pure, from the answers to a commented YAML text
 * (yaml's Document API puts a comment before each key). Secrets are never written: the ARI
 * password is read from ${NEVERMISS_ARI_PASSWORD}. The result is meant to pass `nevermiss
 * check` as it is; the init command verifies that with the same loader before it says so.
 */
import { Document, isMap, isScalar, isSeq, type Pair } from 'yaml';

/** A language with a prompt file (src/languages/languages.ts): en, da, de, or one a firm added. */
export type StarterLanguage = string;

export interface StarterPerson {
  readonly name: string;
  /** PBX endpoints, like "PJSIP/owner-desk". */
  readonly endpoints: readonly string[];
}

export interface StarterAnswers {
  readonly ari: { readonly url: string; readonly username: string; readonly app: string };
  readonly firm: { readonly name: string; readonly numbers: readonly string[]; readonly country: string; readonly timezone: string };
  readonly language: StarterLanguage;
  readonly owner: StarterPerson;
  /** null: nobody to fall back to. */
  readonly colleague: StarterPerson | null;
  /** Day range -> "HH:MM-HH:MM", like { "mon-fri": "08:00-16:00" }; null: always open. */
  readonly hours: Readonly<Record<string, string>> | null;
}

/** The environment variable the written config reads the ARI password from. */
export const ARI_PASSWORD_ENV = 'NEVERMISS_ARI_PASSWORD';

/**
 * "mon-fri 08:00-16:00, sat 09:00-12:00" -> { "mon-fri": "08:00-16:00", sat: "09:00-12:00" };
 * "" or "always" -> null. Only the shape is read here; the config loader judges the values.
 */
export function parseHours(text: string): Record<string, string> | null {
  const trimmed = text.trim();
  if (trimmed === '' || /^always$/i.test(trimmed)) return null;
  const hours: Record<string, string> = {};
  for (const part of trimmed.split(',')) {
    const match = /^\s*([a-z]{3}(?:-[a-z]{3})?)\s+(\d{1,2}:\d{2}-\d{1,2}:\d{2})\s*$/i.exec(part);
    if (!match?.[1] || !match[2]) throw new Error(`"${part.trim()}": expected days and hours like "mon-fri 08:00-16:00"`);
    hours[match[1].toLowerCase()] = match[2];
  }
  return hours;
}

/** A phone's name in the config from its endpoint: "PJSIP/owner-desk" -> "owner-desk". */
export function phoneName(endpoint: string, taken: ReadonlySet<string>): string {
  const base = (endpoint.split('/').pop() ?? 'phone').replace(/[^A-Za-z0-9_-]/g, '-').replace(/^[^A-Za-z]+/, '') || 'phone';
  let name = base;
  for (let n = 2; taken.has(name); n++) name = `${base}-${n}`;
  return name;
}

function phonesOf(person: StarterPerson): Record<string, string> {
  const phones: Record<string, string> = {};
  for (const endpoint of person.endpoints) phones[phoneName(endpoint, new Set(Object.keys(phones)))] = endpoint;
  return phones;
}

export function renderStarterConfig(answers: StarterAnswers, writtenAt: Date): string {
  const people: Record<string, unknown> = { owner: { name: answers.owner.name, phones: phonesOf(answers.owner) } };
  if (answers.colleague !== null) people['colleague'] = { name: answers.colleague.name, phones: phonesOf(answers.colleague) };
  const hunt: unknown[] = [{ ring: ['owner'], timeout: '20s' }];
  if (answers.colleague !== null) hunt.push({ ring: ['colleague'], timeout: '20s' });
  const route: Record<string, unknown> = { numbers: [...answers.firm.numbers], language: answers.language };
  if (answers.hours !== null) route['hours'] = { ...answers.hours };
  route['hunt'] = hunt;
  route['promise'] = { deadline: '10m' };

  const doc = new Document({
    ari: { url: answers.ari.url, username: answers.ari.username, password: `\${${ARI_PASSWORD_ENV}}`, app: answers.ari.app },
    redis: { url: 'redis://127.0.0.1:6379/0' },
    prompts: { source: 'sound', directory: 'prompts/build' },
    firm: { name: answers.firm.name, number: answers.firm.numbers[0], country: answers.firm.country, timezone: answers.firm.timezone },
    people,
    routes: { main: route },
    defaultRoute: 'main',
  });

  doc.commentBefore = [
    ` nevermiss configuration, written by "nevermiss init" on ${writtenAt.toISOString().slice(0, 10)}.`,
    ' A starting point: every key and its options are explained in config/nevermiss.example.yaml',
    ' of the package. Check it after each change with: nevermiss check -c <this file>',
    ' and check the whole deployment (PBX, Redis, phones, prompts) with: nevermiss doctor -c <this file>',
  ].join('\n');
  const note = (path: readonly string[], text: string): void => {
    const parent = path.length === 1 ? doc.contents : doc.getIn(path.slice(0, -1), true);
    if (!isMap(parent)) return;
    const pair = (parent).items.find((item: Pair) => isScalar(item.key) && item.key.value === path[path.length - 1]);
    if (pair && isScalar(pair.key)) pair.key.commentBefore = text.split('\n').map((line) => ` ${line}`).join('\n');
  };
  note(['ari'], 'How nevermiss reaches Asterisk (ARI: http.conf and ari.conf on the PBX).');
  note(['ari', 'password'], `Read from the environment: export ${ARI_PASSWORD_ENV}=... before running nevermiss.`);
  note(['ari', 'app'], 'The Stasis app; it must match Stasis(nevermiss,...) in dialplan/nevermiss.conf.');
  note(['redis'], 'Where the callbacks are kept. Run Redis with AOF on ("nevermiss doctor" checks it).');
  note(['prompts'], 'Where Asterisk finds the voice prompts: "sound" = its own sound folder\n(copy prompts/build/<lang>/nevermiss/ there), or "http" = fetched from nevermiss.');
  note(['firm'], 'Your firm. number is shown on phones that show the firm\'s number and used to call back.');
  note(['people'], 'Who answers, and the PBX endpoints of their phones. Nobody is told about callbacks\nyet: give the owner a notify: section (email with an smtp: section, webhook, ntfy or\nsms) so they hear of each one at once; see config/nevermiss.example.yaml.');
  note(['routes'], 'What happens to a call, by the number dialled.');
  note(['routes', 'main', 'numbers'], 'The numbers (DIDs) as your provider delivers them.');
  if (answers.hours !== null) note(['routes', 'main', 'hours'], 'Opening hours in firm.timezone; outside them callers are promised a call when you open.');
  note(['routes', 'main', 'hunt'], answers.colleague === null ? 'Ring the owner\'s phones for 20 seconds.' : 'Ring the owner\'s phones for 20 seconds, then the colleague\'s.');
  note(['routes', 'main', 'promise'], 'Nobody answered: the caller hears "we will call you back within 10 minutes".');
  note(['defaultRoute'], 'The route for numbers no route lists.');
  // Short lists read better on one line: numbers: ["+4530123456"], ring: [owner].
  for (const path of [['routes', 'main', 'numbers'], ...hunt.map((_, i) => ['routes', 'main', 'hunt', i, 'ring'])]) {
    const node = doc.getIn(path, true);
    if (isSeq(node)) node.flow = true;
  }
  return doc.toString({ lineWidth: 0 });
}

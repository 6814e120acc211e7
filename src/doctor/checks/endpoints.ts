/**
 * Every phone's endpoint exists on the PBX, and whether it is registered now. A dial string
 * names a device: PJSIP/owner-desk is endpoint owner-desk; PJSIP/+4520111111@trunk goes out
 * through endpoint trunk. Local/ channels are dialplan, not devices, and are not looked up.
 */
import { ariMessage, type AriInspector } from '../../ari/inspect.js';
import type { Config } from '../../config/types.js';
import { finding, type Check, type Finding } from '../types.js';

const TITLE = 'Phones';

/** The endpoint a dial string rings through, or null for one that is no device (Local/, a template with {number} in the device). */
export function endpointOf(dial: string): { readonly tech: string; readonly resource: string } | null {
  const first = dial.split('&')[0] ?? '';
  const match = /^([A-Za-z0-9]+)\/([^/@&]+)(?:@([^/&]+))?/.exec(first.trim());
  if (!match) return null;
  const [, tech = '', name = '', at] = match;
  if (/^local$/i.test(tech)) return null;
  // PJSIP/<number>@<endpoint>: the endpoint is after the @; SIP/IAX2 use the peer in the same place.
  const resource = at ?? name;
  if (resource.includes('{')) return null;
  return { tech: tech.toUpperCase() === 'PJSIP' ? 'PJSIP' : tech, resource };
}

export interface PhoneUse {
  /** Where the config names it, like "people.owner.phones.desk". */
  readonly where: string;
  readonly dial: string;
  readonly external: boolean;
}

export function phonesOf(config: Pick<Config, 'people' | 'callbacks'>): PhoneUse[] {
  const uses: PhoneUse[] = [];
  for (const person of Object.values(config.people)) {
    for (const [name, phone] of Object.entries(person.phones)) {
      uses.push({ where: `people.${person.id}.phones.${name}`, dial: phone.dial, external: phone.external });
    }
  }
  if (config.callbacks.dial !== null) uses.push({ where: 'callbacks.dial', dial: config.callbacks.dial, external: true });
  return uses;
}

/** state: ARI's endpoint state ("online", "offline", "unknown"), or null when the endpoint does not exist. */
export function judgePhone(use: PhoneUse, state: string | null | undefined, known: readonly string[]): Finding {
  const endpoint = endpointOf(use.dial);
  if (endpoint === null) return finding(TITLE, 'pass', `${use.where} (${use.dial}): dialplan, not a device; not looked up`);
  const name = `${endpoint.tech}/${endpoint.resource}`;
  if (state === null) {
    return finding(TITLE, 'fail', `${use.where} dials ${use.dial}, but the PBX has no endpoint ${name}`, {
      details: known.length === 0 ? [] : [`the closest of the ${known.length} endpoints on this PBX: ${closest(name, known, 5).join(', ')}`],
      fix: `create the endpoint ${endpoint.resource} (pjsip.conf, or an extension in FreePBX), or correct ${use.where}.dial`,
    });
  }
  if (state === 'online') return finding(TITLE, 'pass', `${use.where}: ${name} exists and is registered`);
  return finding(TITLE, 'warn', `${use.where}: ${name} exists but is ${state ?? 'in an unknown state'}: it is not registered now, so it won't ring`, {
    fix: use.external ? `check the trunk ${endpoint.resource} (registration, qualify)` : `register the phone (is it on, with the right password?); "pjsip show endpoint ${endpoint.resource}" in the Asterisk CLI tells more`,
  });
}

async function endpointState(ari: AriInspector, tech: string, resource: string): Promise<string | null> {
  const answer = await ari.get(`/endpoints/${encodeURIComponent(tech)}/${encodeURIComponent(resource)}`);
  if (answer.status === 404) return null;
  if (answer.status !== 200) throw new Error(`GET /endpoints/${tech}/${resource}: ${ariMessage(answer)}`);
  const state = (answer.body as { state?: unknown } | undefined)?.state;
  return typeof state === 'string' ? state : 'unknown';
}

export const phonesCheck: Check = {
  title: TITLE,
  needs: ['ari'],
  async run({ ari, config }) {
    const listed = await ari.get('/endpoints');
    const known = Array.isArray(listed.body)
      ? (listed.body as { technology?: unknown; resource?: unknown }[]).map((e) => `${String(e.technology)}/${String(e.resource)}`).sort()
      : [];
    const findings: Finding[] = [];
    for (const use of phonesOf(config)) {
      const endpoint = endpointOf(use.dial);
      const state = endpoint === null ? undefined : await endpointState(ari, endpoint.tech, endpoint.resource);
      findings.push(judgePhone(use, state, known));
    }
    return findings;
  },
};

/** The n names nearest to `name` by edit distance: a typo's likely meaning first. */
export function closest(name: string, known: readonly string[], n: number): string[] {
  return known
    .map((candidate) => ({ candidate, distance: editDistance(name.toLowerCase(), candidate.toLowerCase()) }))
    .sort((a, b) => a.distance - b.distance || a.candidate.localeCompare(b.candidate))
    .slice(0, n)
    .map((entry) => entry.candidate);
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

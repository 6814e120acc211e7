/**
 * The benchmark's firms: firm NNN (000-299) has the number 4530100NNN, an owner with a desk phone
 * and a mobile and a colleague with a mobile, on PJSIP endpoints of its own
 * (sandbox/asterisk/pjsip-bench.conf). The plain dialplan does the same hunt for the same numbers
 * ([sandbox-plain] in sandbox/asterisk/extensions.conf): desk and mobile at once for 5 s, then the colleague.
 * Calls go to the firms in turn, so no firm has two calls at once below FIRMS × (1 / call length)
 * calls per second, and a phone's busy state is its own firm's, as on a PBX that carries many firms.
 */
export const FIRMS = 300;

export const firmId = (firm: number): string => String(firm).padStart(3, '0');
export const firmNumber = (firm: number): string => `4530100${firmId(firm)}`;

/** The dialled number of each of `calls` calls, the firms in turn. */
export function firmNumbers(calls: number): string[] {
  return Array.from({ length: calls }, (_, i) => firmNumber(i % FIRMS));
}

export interface RulesOptions {
  /** whenBusy of every phone (the default config: skip). */
  readonly whenBusy: 'skip' | 'ring';
  /** The owner step and the colleague step (defaults 5s and 20s, as the plain dialplan's). */
  readonly ownerTimeout?: string;
  readonly colleagueTimeout?: string;
  /** The owner's mobile is screened: the one who answers hears who calls and presses 1. */
  readonly screenMobile?: boolean;
  /** The owner step rings only the mobile (two channels per ringing hunt instead of three). */
  readonly ownerMobileOnly?: boolean;
}

/** The service's rules for every firm. The default config writes phones as bare dial strings. */
export function firmRules(options: RulesOptions): string {
  const phone = (dial: string, screen = false): string => {
    const settings = [...(options.whenBusy === 'ring' ? ['whenBusy: ring'] : []), ...(screen ? ['screen: true'] : [])];
    return settings.length === 0 ? dial : `{ dial: ${dial}, ${settings.join(', ')} }`;
  };
  const people: string[] = ['people:'];
  const routes: string[] = ['routes:'];
  for (let firm = 0; firm < FIRMS; firm++) {
    const id = firmId(firm);
    people.push(
      `  owner-${id}:`,
      '    phones:',
      `      desk: ${phone(`PJSIP/bench-${id}-desk`)}`,
      `      mobile: ${phone(`PJSIP/bench-${id}-mobile`, options.screenMobile === true)}`,
      `  colleague-${id}:`,
      '    phones:',
      `      mobile: ${phone(`PJSIP/bench-${id}-colleague`)}`,
    );
    routes.push(
      `  firm-${id}:`,
      `    numbers: ["${firmNumber(firm)}"]`,
      '    language: en',
      '    hunt:',
      `      - ring: [owner-${id}${options.ownerMobileOnly === true ? '.mobile' : ''}]`,
      `        timeout: ${options.ownerTimeout ?? '5s'}`,
      `      - ring: [colleague-${id}]`,
      `        timeout: ${options.colleagueTimeout ?? '20s'}`,
      '    promise:',
      '      deadline: 10m',
    );
  }
  return [...people, ...routes, 'defaultRoute: firm-000', ''].join('\n');
}

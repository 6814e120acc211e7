/**
 * Asterisk itself: ARI answers with these credentials, the version is one nevermiss runs on, and
 * the modules the service and the dialplan snippet use are loaded.
 */
import { ariMessage } from '../../ari/inspect.js';
import type { Config } from '../../config/types.js';
import { describeError } from '../../errors.js';
import { finding, type Check, type Finding } from '../types.js';

/** The oldest Asterisk nevermiss supports (README: 18+; tested on 22). */
export const OLDEST_ASTERISK = 18;

export const ariConnectionCheck: Check = {
  title: 'ARI',
  needs: [],
  async run({ ari, config }) {
    const title = 'ARI';
    let answer;
    try {
      answer = await ari.get('/asterisk/info');
    } catch (err) {
      return [
        finding(title, 'fail', describeError(err).replace(/^NM_\w+: /, ''), {
          fix: `is Asterisk running, and does http.conf have enabled=yes with bindaddr/bindport matching ari.url (${config.ari.url})? Try: curl -u USER:PASSWORD ${config.ari.url}/ari/asterisk/info`,
        }),
      ];
    }
    return [judgeAsteriskInfo(answer.status, answer.body, config)];
  },
};

/** The answer of GET /asterisk/info, judged. */
export function judgeAsteriskInfo(status: number, body: unknown, config: Pick<Config, 'ari'>): Finding {
  const title = 'ARI';
  const where = `${config.ari.url} as "${config.ari.username}"`;
  if (status === 401 || status === 403) {
    return finding(title, 'fail', `ARI at ${config.ari.url} refused user "${config.ari.username}" (HTTP ${status}): wrong user or password`, {
      fix: `make ari.username and ari.password match a [${config.ari.username}] section of Asterisk's ari.conf (type = user, password = ...), then "module reload res_ari.so"`,
    });
  }
  if (status === 404) {
    return finding(title, 'fail', `${config.ari.url}/ari answers 404: ARI is not there`, {
      fix: 'load res_ari.so and set enabled = yes in ari.conf; ari.url must be the server without "/ari" and http.conf must have no prefix',
    });
  }
  if (status !== 200) {
    return finding(title, 'fail', `ARI at ${config.ari.url} answered HTTP ${status}`, { fix: 'Asterisk may still be starting; try again in a minute, else see its log' });
  }
  const version = (body as { system?: { version?: unknown } } | undefined)?.system?.version;
  const text = typeof version === 'string' ? version : 'unknown';
  const major = Number(/^(\d+)\./.exec(text)?.[1]);
  if (Number.isFinite(major) && major < OLDEST_ASTERISK) {
    return finding(title, 'fail', `Asterisk ${text} at ${where}: nevermiss needs Asterisk ${OLDEST_ASTERISK} or newer`, {
      fix: `upgrade Asterisk to ${OLDEST_ASTERISK} or newer (nevermiss is tested on 22)`,
    });
  }
  return finding(title, 'pass', `Asterisk ${text} at ${where}`);
}

/** A module the deployment needs, and why. */
export interface ModuleNeed {
  readonly module: string;
  readonly why: string;
  /** Missing: fail when required, warn when not. */
  readonly required: boolean;
}

const ALWAYS: readonly ModuleNeed[] = [
  ...['res_ari.so', 'res_ari_asterisk.so', 'res_ari_channels.so', 'res_ari_bridges.so', 'res_ari_applications.so', 'res_ari_endpoints.so', 'res_ari_events.so', 'res_ari_playbacks.so', 'res_ari_recordings.so'].map(
    (module) => ({ module, why: 'ARI, which nevermiss talks', required: true }),
  ),
  { module: 'res_http_websocket.so', why: "ARI's event WebSocket", required: true },
  { module: 'res_stasis.so', why: 'the Stasis app calls enter', required: true },
  { module: 'app_stasis.so', why: 'Stasis() in the dialplan snippet', required: true },
  { module: 'res_stasis_answer.so', why: 'answering callers over ARI', required: true },
  { module: 'res_stasis_playback.so', why: 'playing the prompts', required: true },
  { module: 'res_stasis_recording.so', why: 'messages of withheld callers', required: true },
  { module: 'bridge_simple.so', why: 'bridging a caller with the phone that answered', required: true },
  { module: 'pbx_config.so', why: 'extensions.conf, where the snippet is included', required: true },
  { module: 'app_dial.so', why: "the snippet's fallback Dial()", required: true },
  { module: 'app_playback.so', why: "the snippet's apology when nevermiss is down", required: true },
  { module: 'app_stack.so', why: "the snippet's hangup handlers", required: true },
  { module: 'func_db.so', why: 'AstDB, where the snippet keeps callers while nevermiss is down', required: true },
  { module: 'func_strings.so', why: 'FILTER() in the snippet', required: true },
  { module: 'func_uri.so', why: 'URIENCODE() in the snippet', required: true },
  { module: 'func_channel.so', why: 'CHANNEL(hangup_handler_push) in the snippet', required: true },
  { module: 'func_timeout.so', why: "TIMEOUT(absolute), the snippet's four-hour safety net", required: true },
  { module: 'format_wav.so', why: 'the prompts are .wav files', required: true },
  { module: 'res_ari_sounds.so', why: 'lets doctor see which prompts the PBX has', required: false },
  { module: 'func_curl.so', why: "the snippet's outbound hook (reports answered call-backs to nevermiss)", required: false },
];

/** The modules this config needs: the fixed list, chan_pjsip for PJSIP phones, media cache for HTTP prompts. */
export function modulesNeeded(config: Pick<Config, 'people' | 'prompts' | 'callbacks'>): ModuleNeed[] {
  const needs = [...ALWAYS];
  const dials = Object.values(config.people).flatMap((person) => Object.values(person.phones).map((phone) => phone.dial));
  if (config.callbacks.dial !== null) dials.push(config.callbacks.dial);
  if (dials.some((dial) => /^PJSIP\//i.test(dial))) needs.push({ module: 'chan_pjsip.so', why: 'phones dialled as PJSIP/...', required: true });
  if (dials.some((dial) => /^Local\//i.test(dial))) needs.push({ module: 'chan_local', why: 'phones dialled as Local/...', required: true });
  if (config.prompts.source === 'http') {
    needs.push({ module: 'res_http_media_cache.so', why: 'prompts.source http: Asterisk fetches the prompts from nevermiss', required: true });
    needs.push({ module: 'res_curl.so', why: 'prompts.source http (the media cache fetches with curl)', required: true });
  }
  return needs;
}

/** GET /asterisk/modules, judged against what the config needs. */
export function judgeModules(loaded: ReadonlyMap<string, string>, needs: readonly ModuleNeed[]): Finding[] {
  const title = 'Asterisk modules';
  // Core parts like chan_local are built in and never listed; only .so files can be missing.
  const missing = needs.filter((need) => need.module.endsWith('.so') && loaded.get(need.module) !== 'Running');
  const required = missing.filter((need) => need.required);
  const optional = missing.filter((need) => !need.required);
  const line = (need: ModuleNeed): string => `${need.module} (${loaded.has(need.module) ? `status ${loaded.get(need.module)}` : 'not loaded'}): ${need.why}`;
  const fixFor = (list: readonly ModuleNeed[]): string =>
    `add "load => ${list[0]?.module}" (and the others) to modules.conf, then in the Asterisk CLI: ${list.map((n) => `module load ${n.module}`).join('; ')}`;
  const findings: Finding[] = [];
  if (required.length > 0) {
    findings.push(finding(title, 'fail', `${required.length} module${required.length === 1 ? '' : 's'} nevermiss needs ${required.length === 1 ? 'is' : 'are'} not running`, { details: required.map(line), fix: fixFor(required) }));
  }
  if (optional.length > 0) {
    findings.push(finding(title, 'warn', `${optional.length} optional module${optional.length === 1 ? '' : 's'} not running`, { details: optional.map(line), fix: fixFor(optional) }));
  }
  if (findings.length === 0) findings.push(finding(title, 'pass', `all ${needs.filter((n) => n.module.endsWith('.so')).length} modules nevermiss uses are running`));
  return findings;
}

export const modulesCheck: Check = {
  title: 'Asterisk modules',
  needs: ['ari'],
  async run({ ari, config }) {
    const answer = await ari.get('/asterisk/modules');
    if (answer.status !== 200 || !Array.isArray(answer.body)) {
      return [finding('Asterisk modules', 'warn', `could not list the modules: ${ariMessage(answer)}`, { fix: 'GET /asterisk/modules needs Asterisk 13.x or newer with res_ari_asterisk.so' })];
    }
    const loaded = new Map<string, string>();
    for (const raw of answer.body as { name?: unknown; status?: unknown }[]) {
      if (typeof raw.name === 'string') loaded.set(raw.name, typeof raw.status === 'string' ? raw.status : '');
    }
    return judgeModules(loaded, modulesNeeded(config));
  },
};

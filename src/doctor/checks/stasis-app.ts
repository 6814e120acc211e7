/**
 * The Stasis app: nobody else may hold it. Asterisk gives an app to the last WebSocket that
 * asked for it, so a second program (or a second nevermiss with another Redis or key prefix) on
 * the same app name silently takes calls away. An app registered in Asterisk is fine when an
 * instance of this installation holds the active lease in Redis; otherwise someone else has it.
 */
import { ariMessage } from '../../ari/inspect.js';
import { finding, type Check, type Finding } from '../types.js';

const TITLE = 'Stasis app';

export interface AppFacts {
  readonly app: string;
  /** Whether Asterisk lists the app (GET /applications/{app} answered 200). */
  readonly registered: boolean;
  /** Channels in the app right now. */
  readonly channels: number;
  /** This installation's active instance (its lease in Redis), or null; undefined when Redis could not be asked. */
  readonly leaseHolder: string | null | undefined;
}

export function judgeStasisApp(facts: AppFacts): Finding {
  const { app } = facts;
  if (!facts.registered) {
    return finding(TITLE, 'pass', `"${app}" is free: no program holds it (nevermiss serve takes it when it starts)`);
  }
  if (typeof facts.leaseHolder === 'string') {
    return finding(TITLE, 'pass', `"${app}" is held by nevermiss instance ${facts.leaseHolder}, the active instance of this installation (${facts.channels} channel${facts.channels === 1 ? '' : 's'} in it)`);
  }
  const unknown = facts.leaseHolder === undefined;
  return finding(
    TITLE,
    unknown ? 'warn' : 'fail',
    unknown
      ? `"${app}" is registered in Asterisk, and Redis could not be asked whether this installation holds it`
      : `"${app}" is registered in Asterisk, but no instance of this installation holds it: another program (or a nevermiss with another redis.url or keyPrefix) has it, and would take calls away`,
    {
      fix: `stop the other program, or give this installation an app of its own (ari.app, and the same name in Stasis() of the dialplan snippet). A nevermiss killed during a call leaves the name registered until the next program takes it: then starting nevermiss serve is enough`,
    },
  );
}

export const stasisAppCheck: Check = {
  title: TITLE,
  needs: ['ari'],
  async run({ ari, config, redisFacts }) {
    const app = config.ari.app;
    const answer = await ari.get(`/applications/${encodeURIComponent(app)}`);
    if (answer.status !== 200 && answer.status !== 404) {
      return [finding(TITLE, 'warn', `could not ask Asterisk about the app "${app}": ${ariMessage(answer)}`)];
    }
    const registered = answer.status === 200;
    const channels = registered ? ((answer.body as { channel_ids?: unknown[] } | undefined)?.channel_ids?.length ?? 0) : 0;
    let leaseHolder: string | null | undefined;
    if (registered) {
      try {
        leaseHolder = (await redisFacts()).leaseHolder;
      } catch {
        leaseHolder = undefined; // Redis's own check says why
      }
    }
    return [judgeStasisApp({ app, registered, channels, leaseHolder })];
  },
};

/**
 * The ARI floor for `npm run bench`: the least an ari-client app does for the benchmark's hunt, so
 * that nevermiss can be measured against it in the same run. Not part of the service, and not a
 * model for one: no busy check, no config, no records, no recovery, nothing logged, every event
 * Asterisk sends (no filter), ari-client's own requests.
 *
 * The inbound call (StasisStart "inbound", DID 4530100NNN): ring the caller, originate the firm's
 * desk and mobile into the app, and after 5 s the colleague. The first leg to answer (StasisStart
 * "leg"): answer the caller, bridge the two, hang up the other legs. The caller gone (StasisEnd):
 * hang up the legs, destroy the bridge. A leg gone: the call goes on, or ends when nothing is left.
 *
 * Run by scripts/bench/main.ts: `node --import tsx scripts/bench/floor-app.ts <ari url> <app>`.
 */
import http from 'node:http';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
// Not a speed-up but a need: ari-client sends each request through Node's global agent, which opens
// a socket per request in flight; past Asterisk's HTTP session limit (100) requests are dropped, and
// the calls whose hang-ups were dropped keep their phones. The service caps its agent the same way.
http.globalAgent = new http.Agent({ keepAlive: true, maxSockets: 32 });

interface Channels {
  ring(params: { channelId: string }): Promise<unknown>;
  answer(params: { channelId: string }): Promise<unknown>;
  hangup(params: { channelId: string }): Promise<unknown>;
  originate(params: Record<string, string | number>): Promise<unknown>;
}
interface Bridges {
  create(params: { bridgeId: string; type: string }): Promise<unknown>;
  addChannel(params: { bridgeId: string; channel: string }): Promise<unknown>;
  destroy(params: { bridgeId: string }): Promise<unknown>;
}
interface Client {
  channels: Channels;
  bridges: Bridges;
  on(event: string, listener: (event: { args?: string[]; channel: { id: string; dialplan?: { exten: string } } }) => void): void;
  start(app: string): Promise<void>;
}

const [url = 'http://127.0.0.1:8088', app = 'nevermiss'] = process.argv.slice(2);
const { connect } = require('ari-client') as { connect: (url: string, user: string, pass: string) => Promise<Client> };
const client = await connect(url, 'nevermiss', 'nevermiss-sandbox');

interface Call {
  readonly firm: string;
  readonly legs: Set<string>;
  winner: string | null;
  colleague: NodeJS.Timeout | undefined;
}
const calls = new Map<string, Call>();
const legOf = new Map<string, string>();
const ignore = (): undefined => undefined;

function ringLeg(callId: string, call: Call, phone: 'desk' | 'mobile' | 'colleague', timeoutSec: number): void {
  const legId = `${callId}-${phone}`;
  call.legs.add(legId);
  legOf.set(legId, callId);
  client.channels
    .originate({ endpoint: `PJSIP/bench-${call.firm}-${phone}`, channelId: legId, app, appArgs: `leg,${callId}`, timeout: timeoutSec, originator: callId })
    .catch(() => legGone(legId));
}

function legGone(legId: string): void {
  const callId = legOf.get(legId);
  legOf.delete(legId);
  const call = callId === undefined ? undefined : calls.get(callId);
  if (!call || callId === undefined) return;
  call.legs.delete(legId);
  if (call.winner === legId || (call.legs.size === 0 && call.colleague === undefined)) endCall(callId);
}

function endCall(callId: string): void {
  const call = calls.get(callId);
  if (!call) return;
  calls.delete(callId);
  clearTimeout(call.colleague);
  for (const legId of call.legs) client.channels.hangup({ channelId: legId }).catch(ignore);
  client.channels.hangup({ channelId: callId }).catch(ignore);
  if (call.winner !== null) client.bridges.destroy({ bridgeId: `${callId}-br` }).catch(ignore);
}

client.on('StasisStart', (event) => {
  const [role, value = ''] = event.args ?? [];
  const channelId = event.channel.id;
  if (role === 'inbound') {
    const firm = value.slice(-3);
    const call: Call = { firm, legs: new Set(), winner: null, colleague: undefined };
    calls.set(channelId, call);
    client.channels.ring({ channelId }).catch(ignore);
    ringLeg(channelId, call, 'desk', 5);
    ringLeg(channelId, call, 'mobile', 5);
    call.colleague = setTimeout(() => {
      call.colleague = undefined;
      if (call.winner === null && calls.has(channelId)) ringLeg(channelId, call, 'colleague', 20);
    }, 5_000);
    return;
  }
  if (role !== 'leg') return;
  const call = calls.get(value);
  if (!call || call.winner !== null) {
    client.channels.hangup({ channelId }).catch(ignore);
    return;
  }
  call.winner = channelId;
  clearTimeout(call.colleague);
  call.colleague = undefined;
  for (const legId of call.legs) if (legId !== channelId) client.channels.hangup({ channelId: legId }).catch(ignore);
  const bridgeId = `${value}-br`;
  void Promise.all([client.channels.answer({ channelId: value }), client.bridges.create({ bridgeId, type: 'mixing' })])
    .then(() => client.bridges.addChannel({ bridgeId, channel: `${value},${channelId}` }))
    .catch(() => endCall(value));
});

client.on('StasisEnd', (event) => {
  if (calls.has(event.channel.id)) endCall(event.channel.id);
  else legGone(event.channel.id);
});
client.on('ChannelDestroyed', (event) => legGone(event.channel.id));

await client.start(app);
console.log('floor app ready');

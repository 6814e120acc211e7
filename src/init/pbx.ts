/** The PBX's endpoints, as `nevermiss init` offers them: "PJSIP/owner-desk" and whether it is registered. */
import { ariMessage, createAriInspector } from '../ari/inspect.js';
import { ErrorCodes, NevermissError } from '../errors.js';

export interface PbxEndpoint {
  /** The dial string, like "PJSIP/owner-desk". */
  readonly name: string;
  /** ARI's state: online (registered), offline, unknown. */
  readonly state: string;
}

export async function listEndpoints(ari: { url: string; username: string; password: string }): Promise<PbxEndpoint[]> {
  const inspector = createAriInspector({ ...ari, requestTimeoutMs: 5_000 });
  const answer = await inspector.get('/endpoints');
  if (answer.status === 401 || answer.status === 403) {
    throw new NevermissError(ErrorCodes.ARI_AUTH, `ARI at ${ari.url} refused user "${ari.username}" (HTTP ${answer.status}); give the user and password of a [user] section of ari.conf`);
  }
  if (answer.status !== 200 || !Array.isArray(answer.body)) {
    throw new NevermissError(ErrorCodes.ARI_REQUEST, `ARI at ${ari.url} did not list its endpoints: ${ariMessage(answer)}`);
  }
  return (answer.body as { technology?: unknown; resource?: unknown; state?: unknown }[])
    .map((e) => ({ name: `${String(e.technology)}/${String(e.resource)}`, state: typeof e.state === 'string' ? e.state : 'unknown' }))
    .sort(offerOrder);
}

/** Registered endpoints first (the phones in use), then the others; by name within each. */
export function offerOrder(a: PbxEndpoint, b: PbxEndpoint): number {
  const rank = (e: PbxEndpoint): number => (e.state === 'online' ? 0 : 1);
  return rank(a) - rank(b) || a.name.localeCompare(b.name);
}

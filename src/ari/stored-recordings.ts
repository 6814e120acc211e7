/**
 * One ARI request without a Stasis connection, for the command line (`nevermiss prompts list`):
 * the names of Asterisk's stored recordings, GET /ari/recordings/stored.
 */
import { ErrorCodes, NevermissError } from '../errors.js';

export interface AriAccess {
  readonly url: string;
  readonly username: string;
  readonly password: string;
  readonly requestTimeoutMs: number;
}

export async function listStoredRecordings(ari: AriAccess, fetchFn: typeof fetch = fetch): Promise<string[]> {
  const url = `${ari.url}/ari/recordings/stored`;
  let response: Response;
  try {
    response = await fetchFn(url, {
      headers: { authorization: `Basic ${Buffer.from(`${ari.username}:${ari.password}`).toString('base64')}` },
      signal: AbortSignal.timeout(ari.requestTimeoutMs),
    });
  } catch (err) {
    throw new NevermissError(
      ErrorCodes.ARI_UNREACHABLE,
      `could not reach ARI at ${url}: ${err instanceof Error ? err.message : String(err)}; check ari.url and that Asterisk runs with http.conf enabled`,
      { url },
      { cause: err },
    );
  }
  if (response.status === 401) {
    throw new NevermissError(ErrorCodes.ARI_AUTH, `ARI at ${url} refused ari.username "${ari.username}" and its password; check them against ari.conf`, { url });
  }
  if (!response.ok) throw new NevermissError(ErrorCodes.ARI_REQUEST, `ARI answered ${response.status} to GET ${url}`, { url });
  const body: unknown = await response.json();
  return (Array.isArray(body) ? body : []).flatMap((item) => {
    const name = (item as { name?: unknown } | null)?.name;
    return typeof name === 'string' ? [name] : [];
  });
}

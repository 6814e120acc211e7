/**
 * Plain HTTP requests to ARI, for looking at a PBX without joining it: `nevermiss doctor` and
 * `nevermiss init` ask what Asterisk has (version, modules, endpoints, sounds, apps) without
 * opening the Stasis app's WebSocket, which would take the app over from a running service.
 * Every request has a deadline; a network failure is NM_ARI_UNREACHABLE, any HTTP answer is data.
 */
import { ErrorCodes, NevermissError, describeError } from '../errors.js';

export interface AriAnswer {
  readonly status: number;
  /** The JSON body, or the text when it is not JSON; undefined when empty. */
  readonly body: unknown;
  /** Asterisk's clock, from the Date header (whole seconds); null without one. */
  readonly date: Date | null;
}

export interface AriInspector {
  readonly url: string;
  get(path: string): Promise<AriAnswer>;
  post(path: string, body?: unknown): Promise<AriAnswer>;
  delete(path: string): Promise<AriAnswer>;
}

export interface AriInspectorSettings {
  /** Base URL without `/ari`. */
  readonly url: string;
  readonly username: string;
  readonly password: string;
  readonly requestTimeoutMs: number;
}

export function createAriInspector(settings: AriInspectorSettings): AriInspector {
  const base = settings.url.replace(/\/+$/, '');
  const auth = `Basic ${Buffer.from(`${settings.username}:${settings.password}`).toString('base64')}`;
  const request = async (method: string, path: string, body?: unknown): Promise<AriAnswer> => {
    const headers: Record<string, string> = { authorization: auth };
    const init: RequestInit = { method, headers, signal: AbortSignal.timeout(settings.requestTimeoutMs) };
    if (body !== undefined) {
      headers['content-type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    let response: Response;
    let text: string;
    try {
      response = await fetch(`${base}/ari${path}`, init);
      text = await response.text();
    } catch (err) {
      throw new NevermissError(ErrorCodes.ARI_UNREACHABLE, `cannot reach ARI at ${base}: ${method} ${path} failed (${describeError(err)})`, { method, path }, { cause: err });
    }
    const dateHeader = response.headers.get('date');
    const date = dateHeader === null ? null : new Date(dateHeader);
    return { status: response.status, body: parseBody(text), date: date !== null && Number.isNaN(date.getTime()) ? null : date };
  };
  return {
    url: base,
    get: (path) => request('GET', path),
    post: (path, body) => request('POST', path, body),
    delete: (path) => request('DELETE', path),
  };
}

function parseBody(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** ARI's error text ({"message": ...}) or the body as it is. */
export function ariMessage(answer: AriAnswer): string {
  const body = answer.body as { message?: unknown } | undefined;
  if (body !== null && typeof body === 'object' && typeof body.message === 'string') return body.message;
  return typeof answer.body === 'string' ? answer.body.slice(0, 200) : `HTTP ${answer.status}`;
}

/**
 * A TCP proxy that fails on command, put between the service and Asterisk's HTTP port (ARI) or
 * Redis in fault tests:
 *   cut(ms)       resets every open connection and refuses new ones for `ms` (the network drops)
 *   blackhole()   keeps connections open but forwards nothing either way (both sides stop being
 *                 read, so bytes wait in the kernel's buffers), and holds new connections without
 *                 connecting them: a peer that stopped answering, as far as the client can tell
 *   heal()        back to forwarding: waiting bytes flow on, held connections are connected, as
 *                 after a network stall that TCP rode out; clients that gave up meanwhile (their
 *                 own timeouts) have closed their connections and open new ones
 */
import { createServer, connect, type Server, type Socket } from 'node:net';

export type FaultMode = 'forward' | 'cut' | 'blackhole';

export interface FaultProxy {
  readonly port: number;
  /** `host:port` of the proxy, to put in the service's config instead of the real address. */
  readonly address: string;
  mode(): FaultMode;
  cut(ms: number): void;
  blackhole(): void;
  heal(): void;
  /** Connections accepted so far (a client that reconnected shows up here). */
  accepted(): number;
  close(): Promise<void>;
}

interface Pair {
  readonly client: Socket;
  upstream: Socket | null;
}

export async function startFaultProxy(target: { host: string; port: number }, listenPort = 0): Promise<FaultProxy> {
  let current: FaultMode = 'forward';
  let healTimer: NodeJS.Timeout | undefined;
  let accepted = 0;
  const pairs = new Set<Pair>();
  const held: Pair[] = [];

  const drop = (pair: Pair): void => {
    pairs.delete(pair);
    pair.client.destroy();
    pair.upstream?.destroy();
  };

  const link = (pair: Pair): void => {
    const upstream = connect(target.port, target.host);
    pair.upstream = upstream;
    upstream.setNoDelay(true);
    upstream.on('error', () => drop(pair));
    upstream.on('close', () => drop(pair));
    forward(upstream, pair.client);
    forward(pair.client, upstream);
    pair.client.resume();
  };

  /** Copies from -> to while forwarding; in a black hole the bytes go back to wait in `from`. */
  const forward = (from: Socket, to: Socket): void => {
    from.on('data', (chunk: Buffer) => {
      if (current === 'forward') {
        to.write(chunk);
        return;
      }
      from.pause();
      from.unshift(chunk);
    });
  };

  const server: Server = createServer((client) => {
    accepted += 1;
    client.setNoDelay(true);
    if (current === 'cut') {
      client.resetAndDestroy();
      return;
    }
    const pair: Pair = { client, upstream: null };
    client.pause();
    pairs.add(pair);
    client.on('error', () => drop(pair));
    client.on('close', () => drop(pair));
    if (current === 'blackhole') held.push(pair);
    else link(pair);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listenPort, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (typeof address !== 'object' || address === null) throw new Error('fault proxy: no address');

  const heal = (): void => {
    clearTimeout(healTimer);
    current = 'forward';
    for (const pair of pairs) {
      pair.upstream?.resume();
      if (pair.upstream) pair.client.resume();
    }
    for (const pair of held.splice(0)) if (pairs.has(pair)) link(pair);
  };

  return {
    port: address.port,
    address: `127.0.0.1:${address.port}`,
    mode: () => current,
    cut(ms) {
      clearTimeout(healTimer);
      current = 'cut';
      for (const pair of [...pairs]) {
        pairs.delete(pair);
        pair.client.resetAndDestroy();
        pair.upstream?.resetAndDestroy();
      }
      held.length = 0;
      healTimer = setTimeout(heal, ms);
    },
    blackhole() {
      clearTimeout(healTimer);
      current = 'blackhole';
      for (const pair of pairs) {
        pair.client.pause();
        pair.upstream?.pause();
      }
    },
    heal,
    accepted: () => accepted,
    async close() {
      clearTimeout(healTimer);
      for (const pair of [...pairs]) drop(pair);
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

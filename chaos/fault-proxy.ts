// A TCP proxy that breaks the network on purpose, between a replica and Redis or PostgreSQL (or
// anything else that speaks TCP). Point the client at the proxy, the proxy at the real server,
// and switch the fault while traffic flows:
//   pass       bytes go through untouched
//   latency    every chunk, both ways, is held `ms` before it is passed on (order kept)
//   blackhole  a partition: connections are accepted and nothing is passed on or answered, in
//              either direction; the bytes wait (as TCP would retransmit them) and flow again
//              when the fault is switched off — the stream stays intact, only late
//   reset      every open connection, and every new one, is cut with a TCP RST
// Teaching note: a server that is down refuses connections at once, and a client fails fast. A
// blackhole is worse — nothing refuses, nothing answers — and only the client's own timeouts
// (src/infra/dependency-guard.ts, src/infra/database.ts) turn it into a fast 503 instead of a hang.
import net from 'node:net';

export type FaultMode = { kind: 'pass' } | { kind: 'latency'; ms: number } | { kind: 'blackhole' } | { kind: 'reset' };

export interface FaultProxyOptions {
  /** Where the real server listens. */
  target: { host: string; port: number };
  /** Where the proxy listens; port 0 (default) lets the OS choose. */
  listen?: { host?: string; port?: number };
}

export interface FaultProxy {
  /** The address clients connect to instead of the target. */
  readonly host: string;
  readonly port: number;
  mode(): FaultMode;
  /** Switches the fault; open connections are affected at once. */
  setMode(mode: FaultMode): void;
  /** Connections open right now. */
  connections(): number;
  close(): Promise<void>;
}

interface Pair {
  client: net.Socket;
  /** Undefined while a blackhole holds back the connect to the target. */
  server?: net.Socket;
}

export async function startFaultProxy({ target, listen = {} }: FaultProxyOptions): Promise<FaultProxy> {
  let current: FaultMode = { kind: 'pass' };
  const pairs = new Set<Pair>();

  function close(pair: Pair): void {
    pairs.delete(pair);
    pair.client.destroy();
    pair.server?.destroy();
  }

  function reset(pair: Pair): void {
    pairs.delete(pair);
    // RST instead of FIN: the client sees ECONNRESET, as when a middlebox drops the connection.
    if (!pair.client.destroyed) pair.client.resetAndDestroy();
    pair.server?.destroy();
  }

  /** Passes `from`'s bytes to `to`, delayed when the mode says so; chunks keep their order. */
  function relay(from: net.Socket, to: net.Socket): void {
    from.on('data', (chunk) => {
      if (current.kind === 'latency') setTimeout(() => to.write(chunk), current.ms);
      else to.write(chunk);
    });
    from.on('end', () => {
      if (current.kind === 'latency') setTimeout(() => to.end(), current.ms);
      else to.end();
    });
  }

  function connectTarget(pair: Pair): void {
    const server = net.connect(target);
    pair.server = server;
    server.on('error', () => close(pair));
    server.on('close', () => close(pair));
    relay(pair.client, server);
    relay(server, pair.client);
    pair.client.resume();
  }

  const listener = net.createServer({ allowHalfOpen: true, pauseOnConnect: true }, (client) => {
    if (current.kind === 'reset') {
      client.resetAndDestroy();
      return;
    }
    const pair: Pair = { client };
    pairs.add(pair);
    client.on('error', () => close(pair));
    client.on('close', () => close(pair));
    // A blackhole accepts and then says nothing: the connect to the target waits for the heal.
    if (current.kind !== 'blackhole') connectTarget(pair);
  });

  await new Promise<void>((resolve, reject) => {
    listener.once('error', reject);
    listener.listen(listen.port ?? 0, listen.host ?? '127.0.0.1', () => resolve());
  });
  const address = listener.address() as net.AddressInfo;

  return {
    host: address.address,
    port: address.port,
    mode: () => current,
    setMode(mode) {
      current = mode;
      for (const pair of [...pairs]) {
        if (mode.kind === 'reset') reset(pair);
        else if (mode.kind === 'blackhole') {
          // Stop reading both ways: the bytes wait in the kernel's buffers, as in a partition.
          pair.client.pause();
          pair.server?.pause();
        } else if (!pair.server) connectTarget(pair);
        else {
          pair.client.resume();
          pair.server.resume();
        }
      }
    },
    connections: () => pairs.size,
    async close() {
      for (const pair of [...pairs]) close(pair);
      await new Promise<void>((resolve) => listener.close(() => resolve()));
    },
  };
}

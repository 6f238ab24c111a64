/**
 * A TCP proxy on loopback that can cut every connection on demand, or once
 * a number of bytes has passed from the server: a server that disappears
 * mid-operation, for fault tests.
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net';

export interface TcpProxy {
  /** The proxy's URI: the upstream URI with host and port replaced. */
  uri: string;
  /** Bytes forwarded from the server to clients so far. */
  bytesFromServer(): number;
  /** Destroys every connection and refuses new ones until `restore()`. */
  cut(): void;
  restore(): void;
  /** Cuts once this many more bytes have come from the server. */
  cutAfter(bytes: number): void;
  close(): Promise<void>;
}

export async function startTcpProxy(upstreamUri: string): Promise<TcpProxy> {
  const upstream = new URL(upstreamUri);
  const sockets = new Set<Socket>();
  let down = false;
  let fromServer = 0;
  let cutAt = Number.POSITIVE_INFINITY;

  const cut = () => {
    down = true;
    for (const socket of sockets) socket.destroy();
    sockets.clear();
  };

  const server: Server = createServer((client) => {
    if (down) return void client.destroy();
    const remote = createConnection({ host: upstream.hostname, port: Number(upstream.port) });
    sockets.add(client);
    sockets.add(remote);
    remote.on('data', (chunk: Buffer) => {
      fromServer += chunk.length;
      // The reply that crosses the limit is never delivered, so the cut
      // lands mid-operation however the bytes were chunked.
      if (fromServer >= cutAt) {
        cutAt = Number.POSITIVE_INFINITY;
        cut();
        return;
      }
      client.write(chunk);
    });
    client.on('data', (chunk: Buffer) => remote.write(chunk));
    const close = () => {
      client.destroy();
      remote.destroy();
      sockets.delete(client);
      sockets.delete(remote);
    };
    client.on('error', close).on('close', close);
    remote.on('error', close).on('close', close);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const proxied = new URL(upstreamUri);
  proxied.host = `127.0.0.1:${port}`;

  return {
    uri: proxied.toString(),
    bytesFromServer: () => fromServer,
    cut,
    restore: () => {
      down = false;
    },
    cutAfter: (bytes) => {
      cutAt = fromServer + bytes;
    },
    close: () =>
      new Promise<void>((resolve) => {
        cut();
        server.close(() => resolve());
      }),
  };
}

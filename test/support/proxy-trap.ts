import { createServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

/** One connection the trap received: its first bytes (an HTTP request line, a `CONNECT host:443`, a SOCKS greeting…). */
export interface TrappedConnection {
  /** Up to the first 4 KiB the client sent, as latin1 text (SOCKS is binary). */
  firstBytes: string;
}

/** A running {@link startProxyTrap}. */
export interface ProxyTrap {
  /** `http://127.0.0.1:PORT`: the value for `HTTP_PROXY`, `HTTPS_PROXY`, `ALL_PROXY`. */
  url: string;
  port: number;
  /** Every connection received, in order (mutated as they arrive). */
  connections: TrappedConnection[];
  close(): Promise<void>;
}

/**
 * A proxy that forwards nothing: a TCP server on 127.0.0.1 (ephemeral port) that records every
 * connection and its first bytes, answers `403` and closes. Set as every proxy variable of an agent,
 * it catches any request the agent would have sent off the machine through a proxy (HTTP,
 * `CONNECT` for HTTPS, SOCKS: any protocol, since it records raw TCP).
 */
export async function startProxyTrap(): Promise<ProxyTrap> {
  const connections: TrappedConnection[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    const record: TrappedConnection = { firstBytes: '' };
    connections.push(record);
    socket.on('data', (chunk: Buffer) => {
      if (record.firstBytes.length < 4096) record.firstBytes += chunk.toString('latin1').slice(0, 4096 - record.firstBytes.length);
      socket.end('HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\nconnection: close\r\n\r\n');
    });
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    connections,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

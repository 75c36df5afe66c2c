/** A syslog receiver over TCP that only counts: bytes and LF-terminated frames. It reads as fast as it can. */
import net from 'node:net';
import type { AddressInfo } from 'node:net';

export interface CountingReceiver {
  port: number;
  readonly bytes: number;
  readonly frames: number;
  readonly connections: number;
  close(): Promise<void>;
}

export async function startCountingReceiver(): Promise<CountingReceiver> {
  let bytes = 0;
  let frames = 0;
  let connections = 0;
  const sockets = new Set<net.Socket>();
  // allowHalfOpen false: our side ends as soon as the sender's FIN arrives, which is its delivery confirmation.
  const server = net.createServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      for (let i = chunk.indexOf(0x0a); i !== -1; i = chunk.indexOf(0x0a, i + 1)) frames++;
    });
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    get bytes() {
      return bytes;
    },
    get frames() {
      return frames;
    },
    get connections() {
      return connections;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

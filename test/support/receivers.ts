/**
 * Real syslog receivers on loopback for transport tests: TCP or TLS (framing-aware, recording the exact
 * bytes and the complete frames) and UDP (recording each datagram). Each can misbehave on purpose: drop a
 * connection after N frames, or stop reading (back-pressure).
 */
import dgram from 'node:dgram';
import { readFile } from 'node:fs/promises';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import tls from 'node:tls';

export type ReceiverFraming = 'lf' | 'octet';

export interface StreamReceiverOptions {
  framing: ReceiverFraming;
  /** TLS server options (cert, key, ca, requestCert, rejectUnauthorized); plain TCP when absent. */
  tls?: tls.TlsOptions;
  /** Listen on this port (a receiver that comes back); default: a free one. */
  port?: number;
  /** Reset (once) the connection that delivers this many complete frames in total; bytes after them are lost. */
  dropAfterFrames?: number;
  /** Start without reading (paused sockets), to exert back-pressure; call resume(). */
  paused?: boolean;
}

export interface StreamReceiver {
  port: number;
  /** Raw chunks of each accepted connection, in order of acceptance (TLS: decrypted bytes). */
  readonly connections: Buffer[][];
  /** Complete frames (payload without framing), over all connections, in arrival order. */
  readonly frames: string[];
  /** Server-side TLS handshake failures. */
  readonly tlsErrors: Error[];
  /** All bytes received, connections concatenated. */
  bytes(): Buffer;
  resume(): void;
  /** Wait until `predicate()` holds (polling), or throw after `timeoutMs`. */
  waitFor(predicate: () => boolean, timeoutMs?: number, what?: string): Promise<void>;
  close(): Promise<void>;
}

export async function startStreamReceiver(options: StreamReceiverOptions): Promise<StreamReceiver> {
  const connections: Buffer[][] = [];
  const frames: string[] = [];
  const tlsErrors: Error[] = [];
  const sockets = new Set<net.Socket>();
  let paused = options.paused ?? false;

  const onConnection = (socket: net.Socket): void => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    const index = connections.push([]) - 1;
    const raw = connections[index]!;
    const parser = frameParser(options.framing);
    if (paused) socket.pause();
    socket.on('data', (chunk: Buffer) => {
      raw.push(chunk);
      for (const frame of parser(chunk)) {
        frames.push(frame);
        if (frames.length === options.dropAfterFrames) {
          // Abrupt reset (RST), as a crashing receiver does: later bytes in this chunk and in flight are lost.
          if (socket instanceof tls.TLSSocket) socket.destroy();
          else socket.resetAndDestroy();
          return;
        }
      }
    });
  };

  const server = options.tls ? tls.createServer(options.tls, onConnection) : net.createServer(onConnection);
  server.on('tlsClientError', (error: Error) => tlsErrors.push(error));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const address = server.address() as net.AddressInfo;

  const waitFor = async (predicate: () => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> => {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
      if (Date.now() > deadline) throw new Error(`receiver: timed out waiting for ${what} (frames: ${frames.length})`);
      await sleep(10);
    }
  };

  return {
    port: address.port,
    connections,
    frames,
    tlsErrors,
    bytes: () => Buffer.concat(connections.flat()),
    resume: () => {
      paused = false;
      for (const socket of sockets) socket.resume();
    },
    waitFor,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Incremental RFC 6587 parser: feed chunks, get the complete frames' payloads. */
function frameParser(framing: ReceiverFraming): (chunk: Buffer) => string[] {
  let pending: Buffer = Buffer.alloc(0);
  return (chunk) => {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    const out: string[] = [];
    let at = 0;
    for (;;) {
      if (framing === 'lf') {
        const nl = pending.indexOf(0x0a, at);
        if (nl === -1) break;
        out.push(pending.toString('utf8', at, nl));
        at = nl + 1;
      } else {
        const space = pending.indexOf(0x20, at);
        if (space === -1) break;
        const header = pending.toString('latin1', at, space);
        if (!/^[1-9][0-9]*$/.test(header)) throw new Error(`bad octet-count header ${JSON.stringify(header)} at byte ${at}`);
        const length = Number(header);
        if (pending.length < space + 1 + length) break;
        out.push(pending.toString('utf8', space + 1, space + 1 + length));
        at = space + 1 + length;
      }
    }
    pending = pending.subarray(at);
    return out;
  };
}

export interface UdpReceiver {
  port: number;
  readonly datagrams: Buffer[];
  waitForCount(count: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startUdpReceiver(): Promise<UdpReceiver> {
  const socket = dgram.createSocket('udp4');
  const datagrams: Buffer[] = [];
  socket.on('message', (message) => datagrams.push(message));
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
  return {
    port: socket.address().port,
    datagrams,
    waitForCount: async (count, timeoutMs = 10_000) => {
      const deadline = Date.now() + timeoutMs;
      while (datagrams.length < count) {
        if (Date.now() > deadline) throw new Error(`udp receiver: got ${datagrams.length} of ${count} datagrams`);
        await sleep(10);
      }
    },
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}

/**
 * A loopback port that nothing listens on, over TCP or UDP: for "the SIEM is down", and for receivers that
 * (re)start on a port given to them (rsyslog's config, a SIEM that comes back). It is picked below the
 * kernel's ephemeral range, where listen(0) and outgoing connections get their ports: a port from there
 * could be handed to another test's socket between this check and its use.
 */
export async function unusedPort(): Promise<number> {
  const ephemeralLow = await readFile('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')
    .then((text) => Number(text.trim().split(/\s+/)[0]))
    .catch(() => 32768); // the Linux default; macOS and the BSDs start theirs at 49152
  const lowest = 10_000;
  if (!(ephemeralLow > lowest + 1000)) throw new Error(`unusedPort: the ephemeral port range starts at ${ephemeralLow}; the tests need free ports below it`);
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = lowest + Math.floor(Math.random() * (ephemeralLow - lowest));
    if ((await bindsFree(net.createServer(), port)) && (await bindsFree(dgram.createSocket('udp4'), port))) return port;
  }
  throw new Error(`unusedPort: no free port found between ${lowest} and ${ephemeralLow}`);
}

/** Whether the socket can bind 127.0.0.1:port; it is closed again either way. */
function bindsFree(socket: net.Server | dgram.Socket, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const done = (free: boolean) => socket.close(() => resolve(free));
    socket.once('error', () => done(false));
    if (socket instanceof net.Server) socket.listen(port, '127.0.0.1', () => done(true));
    else socket.bind(port, '127.0.0.1', () => done(true));
  });
}

/**
 * Syslog over UDP (RFC 5426): one message per datagram, no framing.
 *
 * Messages arrive fitted to the destination's size limit (fit.ts); a datagram is sent as given.
 *
 * UDP cannot confirm delivery. send() resolves when the kernel has queued the datagram; a SIEM that is down,
 * a full receive buffer or a lost fragment drops it silently, and nothing tells us. The socket is not
 * connected, so ICMP "port unreachable" is ignored too (on a connected socket it would fail a later,
 * unrelated send). Use TCP or TLS when every event matters.
 */
import dgram from 'node:dgram';
import { lookup } from 'node:dns/promises';
import { CancelledError, TransportError, errorMessage } from '../errors.js';
import { destinationAddress, type Destination } from './destination.js';
import { emptyStats, type Sender, type SenderStats } from './sender.js';

export class UdpSender implements Sender {
  readonly kind = 'datagram' as const;
  readonly stats: SenderStats = emptyStats();

  private constructor(
    private readonly socket: dgram.Socket,
    private readonly address: string,
    private readonly ip: string,
    private readonly port: number,
  ) {}

  static async open(destination: Pick<Destination, 'host' | 'port'>): Promise<UdpSender> {
    const address = destinationAddress(destination);
    let resolved: { address: string; family: number };
    try {
      resolved = await lookup(destination.host);
    } catch (error) {
      throw new TransportError(`cannot resolve ${address}: ${errorMessage(error)}`, { context: { address }, cause: error });
    }
    const socket = dgram.createSocket(resolved.family === 6 ? 'udp6' : 'udp4');
    socket.on('error', () => undefined); // send errors arrive through the send callback
    socket.unref(); // never keep the process alive on its own
    const sender = new UdpSender(socket, address, resolved.address, destination.port);
    sender.stats.connects++;
    return sender;
  }

  send(message: Buffer, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(new CancelledError(`sending to ${this.address} was cancelled`, { cause: signal.reason }));
    return new Promise<void>((resolve, reject) => {
      this.socket.send(message, this.port, this.ip, (error) => {
        if (error) return reject(new TransportError(`cannot send a datagram to ${this.address}: ${error.message}`, { context: { address: this.address, code: (error as NodeJS.ErrnoException).code }, cause: error }));
        this.stats.bytes += message.length;
        this.stats.sends++;
        resolve();
      });
    });
  }

  close(): Promise<void> {
    return new Promise<void>((resolve) => {
      try {
        this.socket.close(() => resolve());
      } catch {
        resolve(); // already closed
      }
    });
  }

  destroy(): void {
    void this.close();
  }
}

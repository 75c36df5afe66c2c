/**
 * The one interface every transport implements. A sender knows bytes and sockets, nothing about events,
 * formats or positions (the forwarder does).
 */
import { TransportError } from '../errors.js';
import type { Destination } from './destination.js';

export interface SenderStats {
  /** Connections opened (stream) or sockets bound (datagram). */
  connects: number;
  /** Connections lost without us closing them. */
  connectionsLost: number;
  /** Bytes the transport has taken. */
  bytes: number;
  /** send() calls that completed. */
  sends: number;
  /** Most bytes ever queued in user space waiting for the socket (the back-pressure bound). */
  maxQueuedBytes: number;
}

export interface Sender {
  /**
   * 'stream': send() takes any number of whole frames as one chunk.
   * 'datagram': send() takes exactly one message; each is its own datagram.
   */
  readonly kind: 'stream' | 'datagram';
  /**
   * Resolves when the transport has taken the bytes (kernel socket buffer), not when the SIEM has them.
   * Rejects with ConnectionLostError when the connection in use broke since the last call or the SIEM
   * stopped reading (the chunk not taken within writeTimeoutMs; the caller decides what to send again),
   * with TransportError when no connection can be made, and with CancelledError when `signal` aborts.
   */
  send(chunk: Buffer, signal?: AbortSignal): Promise<void>;
  /**
   * Clean flush: for streams, half-close and wait for the peer to close its side, which it does only after
   * reading everything we sent. Rejects with ConnectionLostError when the peer reset instead, or did not
   * close its side within writeTimeoutMs: then nothing sent on that connection may count as delivered.
   * Rejects with CancelledError, the connection dropped, when `signal` aborts first.
   */
  close(signal?: AbortSignal): Promise<void>;
  /** Drop the connection at once (cancellation); safe to call more than once. */
  destroy(): void;
  readonly stats: SenderStats;
}

/**
 * The connection the previous send() used broke (reset, peer closed, write error). What was written on it
 * may or may not have reached the SIEM; the next send() opens a new connection.
 */
export class ConnectionLostError extends TransportError {}

export function emptyStats(): SenderStats {
  return { connects: 0, connectionsLost: 0, bytes: 0, sends: 0, maxQueuedBytes: 0 };
}

/** Delay before connection attempt `attempt` (1-based, > 1): exponential with jitter, capped. */
export function backoffDelay(attempt: number, policy: Destination['reconnect'], random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** (attempt - 2));
  // Half fixed, half random ("equal jitter"): spreads agents reconnecting to a SIEM after it restarts.
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

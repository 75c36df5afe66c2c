/**
 * The stream sender core shared by TCP and TLS: connect with a timeout, retry with backoff, keep-alive,
 * write and close timeouts (a SIEM that stops reading is a lost connection, never a hang),
 * back-pressure, loss detection and a clean flush on close. The transports differ only in how one
 * connection is opened (`StreamConnect`).
 */
import type { Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { CancelledError, TransportError, errorMessage } from '../errors.js';
import type { Logger } from '../log.js';
import { destinationAddress, type Destination, type ReconnectPolicy } from './destination.js';
import { ConnectionLostError, backoffDelay, emptyStats, type Sender, type SenderStats } from './sender.js';

/** Opens one connection, ready to write (TLS: handshake done and verified), or rejects with a TransportError. */
export type StreamConnect = (signal: AbortSignal) => Promise<Socket>;

export interface StreamSenderOptions {
  /** "host:port" for messages. */
  address: string;
  connect: StreamConnect;
  connectTimeoutMs: number;
  /**
   * How long a write may wait for the SIEM to take the bytes, and close() for the SIEM to answer our FIN.
   * Either expiring is a lost connection: a SIEM that stops reading must not hang the run nor count as delivered.
   */
  writeTimeoutMs: number;
  reconnect: ReconnectPolicy;
  /** Turns the error that ended a connection into a message (TLS adds hints about client certificates). */
  explainLoss?: (error: Error) => string;
  logger?: Logger;
}

/** The options every stream sender takes from its destination; TCP and TLS add only how to connect. */
export function streamSenderOptions(destination: Destination, logger?: Logger): Omit<StreamSenderOptions, 'connect'> {
  return {
    address: destinationAddress(destination),
    connectTimeoutMs: destination.connectTimeoutMs,
    writeTimeoutMs: destination.writeTimeoutMs,
    reconnect: destination.reconnect,
    ...(logger ? { logger } : {}),
  };
}

const KEEPALIVE_DELAY_MS = 30_000;

/** A connect failure that retrying cannot fix (bad certificate, bad key file). */
export function fatalTransportError(message: string, context: Record<string, unknown>, cause?: unknown): TransportError {
  return new TransportError(message, { context: { ...context, retryable: false }, cause });
}

function isRetryable(error: unknown): boolean {
  return !(error instanceof TransportError && error.context.retryable === false);
}

export class StreamSender implements Sender {
  readonly kind = 'stream' as const;
  readonly stats: SenderStats = emptyStats();
  private socket: Socket | undefined;
  /** Why the connection used by earlier sends broke; reported once by the next send/close. */
  private lost: Error | undefined;

  constructor(private readonly options: StreamSenderOptions) {}

  async send(chunk: Buffer, signal?: AbortSignal): Promise<void> {
    throwIfCancelled(signal, this.options.address);
    this.reportLoss();
    const socket = this.socket ?? (await this.open(signal));
    await this.write(socket, chunk, signal);
    this.stats.bytes += chunk.length;
    this.stats.sends++;
  }

  async close(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) {
      this.destroy(); // cancelled: nothing on this connection counts as delivered
      throw cancelled(signal, this.options.address);
    }
    this.reportLoss();
    const socket = this.socket;
    if (socket === undefined) return;
    this.socket = undefined; // from here on its 'end' and 'close' are expected, not a loss
    await this.waitOnce(signal, {
      // No FIN back: we cannot know the SIEM read what we sent, so none of it counts as delivered.
      timedOut: () => {
        socket.destroy();
        this.stats.connectionsLost++;
        return this.timeoutError(`did not confirm the data within ${seconds(this.options.writeTimeoutMs)}`);
      },
      // Cancelled: drop the connection at once; nothing it carried counts as delivered.
      cancel: () => socket.destroy(),
      start: (finish) => {
        socket.once('error', (error) => finish(this.lostError(error)));
        socket.once('close', (hadError) => {
          if (!hadError) finish();
        });
        socket.end();
      },
    });
  }

  destroy(): void {
    this.socket?.destroy();
    this.socket = undefined;
  }

  private reportLoss(): void {
    const lost = this.lost;
    if (lost === undefined) return;
    this.lost = undefined;
    throw this.lostError(lost);
  }

  private lostError(cause: Error): ConnectionLostError {
    const reason = this.options.explainLoss?.(cause) ?? errorMessage(cause);
    return new ConnectionLostError(`connection to ${this.options.address} lost: ${reason}`, { context: { address: this.options.address }, cause });
  }

  private timeoutError(what: string): ConnectionLostError {
    const { address, writeTimeoutMs } = this.options;
    return new ConnectionLostError(`the SIEM at ${address} ${what}`, { context: { address, writeTimeoutMs } });
  }

  /** Connect, retrying with backoff; gives up after `reconnect.attempts` with the last reason. */
  private async open(signal: AbortSignal | undefined): Promise<Socket> {
    const { reconnect, address, logger } = this.options;
    let last: unknown;
    for (let attempt = 1; attempt <= reconnect.attempts; attempt++) {
      if (attempt > 1) {
        const delay = backoffDelay(attempt, reconnect);
        logger?.debug('reconnecting', { address, attempt, delayMs: delay, reason: errorMessage(last) });
        await sleep(delay, undefined, signal ? { signal } : undefined).catch(() => throwIfCancelled(signal, address));
      }
      try {
        const socket = await this.connectOnce(signal);
        this.adopt(socket);
        return socket;
      } catch (error) {
        if (error instanceof CancelledError || !isRetryable(error)) throw error;
        last = error;
      }
    }
    throw new TransportError(`cannot connect to ${address} after ${reconnect.attempts} attempts: ${errorMessage(last)}`, {
      context: { address, attempts: reconnect.attempts },
      cause: last,
    });
  }

  private async connectOnce(signal: AbortSignal | undefined): Promise<Socket> {
    const { address, connectTimeoutMs } = this.options;
    const timeout = AbortSignal.timeout(connectTimeoutMs);
    const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
    try {
      return await this.options.connect(combined);
    } catch (error) {
      throwIfCancelled(signal, address);
      if (timeout.aborted) throw new TransportError(`connecting to ${address} timed out after ${connectTimeoutMs} ms`, { context: { address }, cause: error });
      throw error;
    }
  }

  /** Takes the connection out of use, counted as lost once (whoever notices first), and destroys it. */
  private drop(socket: Socket): void {
    if (this.socket === socket) {
      this.socket = undefined;
      this.stats.connectionsLost++;
    }
    socket.destroy();
  }

  /** Watch a fresh connection: anything that ends it without our close() is a loss. */
  private adopt(socket: Socket): void {
    this.stats.connects++;
    socket.setKeepAlive(true, KEEPALIVE_DELAY_MS);
    socket.setNoDelay(true); // frames are already batched; do not wait for more
    const onLoss = (error: Error): void => {
      if (this.socket !== socket) return;
      this.lost = error;
      this.drop(socket);
    };
    socket.on('error', onLoss);
    // Whatever the SIEM sends us (a banner, an error line) is read and dropped: data left unread would hold
    // back its FIN ('end'), and with it every confirmation.
    socket.resume();
    // A syslog receiver never half-closes on purpose: its FIN means it is going away.
    socket.once('end', () => onLoss(new Error('the SIEM closed the connection')));
    socket.once('close', () => onLoss(new Error('the connection was closed')));
    this.socket = socket;
  }

  /**
   * Write one chunk and wait until the kernel has it (write callback) and, if write() said the buffer is
   * full, until 'drain'. One chunk at a time: user-space buffering is bounded by the chunk size. A SIEM
   * that takes nothing for writeTimeoutMs (zero window) loses the connection: the caller re-sends or gives up.
   */
  private write(socket: Socket, chunk: Buffer, signal: AbortSignal | undefined): Promise<void> {
    // Reported right here, so not again by the next send: when the write saw the loss first, the socket is
    // taken out of use now, or its 'error' and 'close' would make adopt() record the same loss once more.
    const takeLoss = (fallback: Error): ConnectionLostError => {
      const cause = this.lost ?? fallback;
      this.lost = undefined;
      this.drop(socket);
      return this.lostError(cause);
    };
    return this.waitOnce(signal, {
      timedOut: () => {
        this.drop(socket); // our doing: not a loss for adopt() to report
        return this.timeoutError(`stopped reading for ${seconds(this.options.writeTimeoutMs)}`);
      },
      cancel: () => this.destroy(),
      start: (finish) => {
        let written = false;
        let drained = true;
        const onClose = (): void => finish(takeLoss(new Error('the connection was closed')));
        const onDrain = (): void => {
          drained = true;
          if (written) finish();
        };
        socket.on('drain', onDrain);
        socket.once('close', onClose);
        drained = socket.write(chunk, (error) => {
          if (error) return finish(takeLoss(error));
          written = true;
          if (drained) finish();
        });
        this.stats.maxQueuedBytes = Math.max(this.stats.maxQueuedBytes, socket.writableLength);
        return () => {
          socket.off('drain', onDrain);
          socket.off('close', onClose);
        };
      },
    });
  }

  /**
   * One wait on the connection (a write, or the confirming close), settled once. `start` begins it and calls
   * `finish` when it is done, with an error when it failed; it may return a cleanup for its listeners. Not done
   * within writeTimeoutMs: settled with `timedOut()`, which drops the connection. `signal` aborted: `cancel()`,
   * then CancelledError.
   */
  private waitOnce(
    signal: AbortSignal | undefined,
    how: { timedOut: () => Error; cancel: () => void; start: (finish: (error?: Error) => void) => (() => void) | void },
  ): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      let cleanup: (() => void) | void;
      const finish = (error?: Error): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        cleanup?.();
        if (error) reject(error);
        else resolve();
      };
      const timer = setTimeout(() => finish(how.timedOut()), this.options.writeTimeoutMs);
      const onAbort = (): void => {
        how.cancel();
        finish(cancelled(signal, this.options.address));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      cleanup = how.start(finish);
      if (settled) cleanup?.(); // finished within start: its listeners were not known to finish yet
    });
  }
}

/** "30 s", "0.2 s": durations in reasons an operator reads. */
function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(3))} s`;
}

function cancelled(signal: AbortSignal | undefined, address: string): CancelledError {
  return new CancelledError(`sending to ${address} was cancelled`, { cause: signal?.reason });
}

function throwIfCancelled(signal: AbortSignal | undefined, address: string): void {
  if (signal?.aborted) throw cancelled(signal, address);
}

/**
 * Resolve with `socket` once `readyEvent` fires; reject with a TransportError on 'error' or abort
 * (the connect timeout arrives as an abort). Shared by the TCP and TLS connectors.
 */
export function whenReady(socket: Socket, readyEvent: 'connect' | 'secureConnect', signal: AbortSignal, explain: (error: Error) => TransportError): Promise<Socket> {
  return new Promise<Socket>((resolve, reject) => {
    const cleanup = (): void => {
      socket.off('error', onError);
      socket.off(readyEvent, onReady);
      signal.removeEventListener('abort', onAbort);
    };
    const onReady = (): void => {
      cleanup();
      resolve(socket);
    };
    const onError = (error: Error): void => {
      cleanup();
      socket.destroy();
      reject(explain(error));
    };
    const onAbort = (): void => onError(new Error(errorMessage(signal.reason)));
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    socket.once('error', onError);
    socket.once(readyEvent, onReady);
  });
}

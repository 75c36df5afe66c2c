/**
 * RFC 6587 framing over bytes. Octet counts are UTF-8 BYTES of the message (a BOM counts its 3 bytes),
 * excluding the count itself and the space. `lf`/`octet` are the reference definitions; `FrameBuffer` is the
 * hot-path form that writes many frames into one reusable buffer and is tested to produce the same bytes.
 */
import type { Framing } from './destination.js';

const LF = 0x0a;

/** Non-transparent framing: the message followed by LF. The message must not contain LF (encode lineSafe). */
export function lf(message: Buffer): Buffer {
  return Buffer.concat([message, Buffer.of(LF)]);
}

/** Octet counting: "LEN SP message". */
export function octet(message: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`${message.length} `, 'latin1'), message]);
}

/** How messages are laid out in a FrameBuffer: 'none' keeps bare messages apart for datagrams. */
export type FrameLayout = Framing | 'none';

/**
 * Builds a batch of frames in one growing buffer, without a Buffer per message. `add` encodes the string
 * straight into the batch. Messages arrive already fitted to the size limit (fit.ts): a frame buffer never
 * cuts, because only the encoder side knows where a message can be shortened safely. The buffer is reused
 * by `reset()`: take the bytes (`bytes()`) only until then.
 */
export class FrameBuffer {
  private buf: Buffer;
  private used = 0;
  /** End offset of each message (datagram layout only: the sender needs them apart). */
  private readonly ends: number[] = [];
  count = 0;

  constructor(
    readonly layout: FrameLayout,
    initialBytes = 256 * 1024,
  ) {
    this.buf = Buffer.allocUnsafe(initialBytes);
  }

  get length(): number {
    return this.used;
  }

  /** Append one message with its frame. */
  add(message: string): void {
    // Worst case 3 bytes per UTF-16 unit; a cheap bound that avoids measuring most messages twice.
    this.reserve(message.length * 3 + 12);
    if (this.layout === 'octet') this.used += this.buf.write(`${Buffer.byteLength(message, 'utf8')} `, this.used, 'latin1');
    this.used += this.buf.write(message, this.used, 'utf8');
    if (this.layout === 'lf') this.buf[this.used++] = LF;
    else if (this.layout === 'none') this.ends.push(this.used);
    this.count++;
  }

  /** The frames added since the last reset. Valid until the next reset/add. */
  bytes(): Buffer {
    return this.buf.subarray(0, this.used);
  }

  /** End offset of each message in `bytes()` (datagram layout). */
  messageEnds(): number[] {
    return [...this.ends];
  }

  reset(): void {
    this.used = 0;
    this.count = 0;
    this.ends.length = 0;
  }

  private reserve(bytes: number): void {
    if (this.used + bytes <= this.buf.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.used + bytes));
    this.buf.copy(bigger, 0, 0, this.used);
    this.buf = bigger;
  }
}

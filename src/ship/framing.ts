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

/** Longest prefix of `buf` of at most `max` bytes that does not cut a UTF-8 character in two. */
export function truncateUtf8(buf: Buffer, max: number): Buffer {
  if (buf.length <= max) return buf;
  let end = Math.max(0, max);
  // buf[end] is the first byte left out; while it continues a character, that character is cut: drop it.
  while (end > 0 && (buf[end]! & 0xc0) === 0x80) end--;
  return buf.subarray(0, end);
}

/** How messages are laid out in a FrameBuffer: 'none' keeps bare messages apart for datagrams. */
export type FrameLayout = Framing | 'none';

/**
 * Builds a batch of frames in one growing buffer, without a Buffer per message. `add` encodes the string
 * straight into the batch; Buffer#write never writes half a character, so its length limit is the UTF-8
 * boundary truncation. The buffer is reused by `reset()`: take the bytes (`bytes()`) only until then.
 */
export class FrameBuffer {
  private buf: Buffer;
  private used = 0;
  /** End offset of each message (datagram layout only: the sender needs them apart). */
  private readonly ends: number[] = [];
  count = 0;

  constructor(
    readonly layout: FrameLayout,
    readonly maxMessageBytes: number,
    initialBytes = 256 * 1024,
  ) {
    this.buf = Buffer.allocUnsafe(Math.max(initialBytes, 2 * (maxMessageBytes + 16)));
  }

  get length(): number {
    return this.used;
  }

  /** Append one message with its frame; returns true when the message had to be truncated. */
  add(message: string): boolean {
    const max = this.maxMessageBytes;
    // Worst case 3 bytes per UTF-16 unit; a cheap bound that avoids measuring most messages twice.
    this.reserve(Math.min(message.length * 3, max) + 12);
    let truncated: boolean;
    if (this.layout === 'octet') {
      const length = Buffer.byteLength(message, 'utf8');
      truncated = length > max;
      if (truncated) {
        // Rare path: the count must be known before the message, so cut first.
        const cut = truncateUtf8(Buffer.from(message, 'utf8'), max);
        this.used += this.buf.write(`${cut.length} `, this.used, 'latin1');
        this.used += cut.copy(this.buf, this.used);
      } else {
        this.used += this.buf.write(`${length} `, this.used, 'latin1');
        this.used += this.buf.write(message, this.used, 'utf8');
      }
    } else {
      const written = this.buf.write(message, this.used, max, 'utf8');
      truncated = written > max - 4 && Buffer.byteLength(message, 'utf8') > written;
      this.used += written;
      if (this.layout === 'lf') this.buf[this.used++] = LF;
      else this.ends.push(this.used);
    }
    this.count++;
    return truncated;
  }

  /** The frames added since the last reset. Valid until the next reset/add. */
  bytes(): Buffer {
    return this.buf.subarray(0, this.used);
  }

  /** Each message as its own view (datagram layout). */
  messages(): Buffer[] {
    const out: Buffer[] = [];
    let start = 0;
    for (const end of this.ends) {
      out.push(this.buf.subarray(start, end));
      start = end;
    }
    return out;
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

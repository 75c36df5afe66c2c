import { open, type FileHandle } from 'node:fs/promises';
import { CancelledError, VcoSiemError } from '../errors.js';
import { readExactly, writeAll } from './file-io.js';

/** One complete line of the log and its byte range; `end` is the offset just after its '\n'. */
export interface LogLine {
  line: string;
  start: number;
  end: number;
}

export interface ReadLogOptions {
  signal?: AbortSignal;
  /** Stop at this byte offset (default: the file size when reading starts). */
  endOffset?: number;
  /** Bytes per read; large reads keep the per-line cost low. */
  chunkSize?: number;
}

const NEWLINE = 0x0a;
const DEFAULT_CHUNK = 1 << 20;
const BACKWARD_CHUNK = 1 << 16;

/**
 * The append-only NDJSON event log: one event per line, each line ended by '\n'. A line without its '\n'
 * can only come from a crash in the middle of a write; such events were never committed (the checkpoint did
 * not move), so `open` cuts them off and the next run fetches them again.
 */
export class EventLog {
  private constructor(
    readonly path: string,
    private readonly handle: FileHandle,
    private bytes: number,
    /** Bytes of a torn final line removed by `open` (0 normally). */
    readonly repairedBytes: number,
  ) {}

  static async open(path: string): Promise<EventLog> {
    const handle = await open(path, 'a+', 0o600); // the events (users, addresses) are not for other local users
    try {
      const size = (await handle.stat()).size;
      const committed = size === 0 ? 0 : await lineStartBefore(handle, size, 1);
      if (committed < size) {
        await handle.truncate(committed);
        await handle.sync();
      }
      return new EventLog(path, handle, committed, size - committed);
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  /** Bytes in the log, all of them complete lines. */
  get size(): number {
    return this.bytes;
  }

  /** Append lines (without '\n') in one write; fsync unless the caller syncs once after several appends. */
  async append(lines: readonly string[], options: { sync?: boolean } = {}): Promise<void> {
    if (lines.length === 0) return;
    for (const line of lines) {
      if (line.includes('\n')) throw new VcoSiemError(`refusing to append a line with a raw newline to ${this.path}`);
    }
    await this.appendBytes(Buffer.from(`${lines.join('\n')}\n`, 'utf8'), options);
  }

  /** Append complete lines already encoded (each ended by '\n'), e.g. copied from another file. */
  async appendBytes(data: Buffer, options: { sync?: boolean } = {}): Promise<void> {
    if (data.length === 0) return;
    if (data[data.length - 1] !== NEWLINE) throw new VcoSiemError(`refusing to append an unterminated line to ${this.path}`);
    await writeAll(this.handle, data, null);
    this.bytes += data.length;
    if (options.sync !== false) await this.handle.sync();
  }

  async sync(): Promise<void> {
    await this.handle.sync();
  }

  async close(): Promise<void> {
    await this.handle.close();
  }
}

/** Offset where the last `lines` complete lines before `endOffset` begin (0 when the log has fewer). */
export async function tailOffset(path: string, endOffset: number, lines: number): Promise<number> {
  if (endOffset === 0 || lines <= 0) return endOffset;
  const handle = await open(path, 'r');
  try {
    // The '\n' at endOffset-1 closes the last line; the (lines+1)-th '\n' going back closes the line before them.
    return await lineStartBefore(handle, endOffset, lines + 1);
  } finally {
    await handle.close();
  }
}

/** Scanning backwards from `end`, the offset just after the `count`-th '\n' found, or 0. */
async function lineStartBefore(handle: FileHandle, end: number, count: number): Promise<number> {
  const buf = Buffer.allocUnsafe(BACKWARD_CHUNK);
  let remaining = count;
  let pos = end;
  while (pos > 0) {
    const length = Math.min(BACKWARD_CHUNK, pos);
    pos -= length;
    await readExactly(handle, buf, length, pos);
    for (let i = length - 1; i >= 0; i--) {
      if (buf[i] === NEWLINE && --remaining === 0) return pos + i + 1;
    }
  }
  return 0;
}

/** Whole lines of the log as raw bytes: `bytes` starts at file offset `start` and ends just after a '\n'. */
export interface LogChunk {
  bytes: Buffer;
  start: number;
}

/**
 * Complete lines from `fromOffset` (a line start) up to `endOffset`, as raw byte chunks of about `chunkSize`:
 * one await per chunk rather than per line. Each chunk is a buffer of its own (never reused), so it can be
 * handed to another thread. A final line without its '\n' (a write in progress or a torn line) is not returned.
 */
export async function* readLogChunks(path: string, fromOffset: number, options: ReadLogOptions = {}): AsyncGenerator<LogChunk> {
  const handle = await open(path, 'r');
  try {
    const size = (await handle.stat()).size;
    const end = Math.min(options.endOffset ?? size, size);
    await checkLineStart(handle, path, fromOffset, size);
    const chunkSize = Math.max(1, options.chunkSize ?? DEFAULT_CHUNK);
    let buf: Buffer = Buffer.allocUnsafeSlow(chunkSize);
    let filled = 0; // bytes of buf holding data, starting at file offset `bufStart`
    let bufStart = fromOffset;
    // One read always in flight: the next chunk is read while the caller works on this one.
    const cancelled = (): CancelledError => new CancelledError(`reading ${path} was cancelled`, { cause: options.signal?.reason });
    const readMore = (): Promise<number> => {
      if (options.signal?.aborted) return Promise.reject(cancelled());
      if (filled === buf.length) buf = moveTail(buf, 0, filled, buf.length * 2); // one line longer than the buffer
      const want = Math.min(buf.length - filled, end - bufStart - filled);
      const read = handle.read(buf, filled, want, bufStart + filled).then(({ bytesRead }) => bytesRead);
      read.catch(() => undefined); // awaited later: a failure meanwhile must not count as unhandled
      return read;
    };
    let reading: Promise<number> | undefined = bufStart < end ? readMore() : undefined;
    try {
      while (reading !== undefined) {
        const bytesRead = await reading;
        reading = undefined;
        if (bytesRead === 0) break; // the file shrank under us; stop at what we have
        filled += bytesRead;
        const lines = buf.lastIndexOf(NEWLINE, filled - 1) + 1;
        let chunk: LogChunk | undefined;
        if (lines > 0) {
          chunk = { bytes: buf.subarray(0, lines), start: bufStart };
          buf = moveTail(buf, lines, filled, chunkSize);
          filled -= lines;
          bufStart += lines;
        }
        if (bufStart + filled < end) reading = readMore();
        if (options.signal?.aborted) throw cancelled();
        if (chunk !== undefined) yield chunk;
      }
    } finally {
      await reading?.catch(() => undefined); // the handle closes only once no read uses it
    }
  } finally {
    await handle.close();
  }
}

/** A new buffer of `size` bytes (at least the tail's) starting with `buf[from, to)`. */
function moveTail(buf: Buffer, from: number, to: number, size: number): Buffer {
  const next = Buffer.allocUnsafeSlow(Math.max(size, to - from));
  buf.copy(next, 0, from, to);
  return next;
}

/** The lines of a chunk, decoded; offsets are file offsets. */
export function chunkLines({ bytes, start }: LogChunk): LogLine[] {
  const lines: LogLine[] = [];
  let lineStart = 0;
  for (let nl = bytes.indexOf(NEWLINE, 0); nl !== -1; nl = bytes.indexOf(NEWLINE, lineStart)) {
    lines.push({ line: bytes.toString('utf8', lineStart, nl), start: start + lineStart, end: start + nl + 1 });
    lineStart = nl + 1;
  }
  return lines;
}

/** `readLogChunks` as decoded lines, one batch per chunk. */
export async function* readLogBatches(path: string, fromOffset: number, options: ReadLogOptions = {}): AsyncGenerator<LogLine[]> {
  for await (const chunk of readLogChunks(path, fromOffset, options)) yield chunkLines(chunk);
}

/** Line by line view of `readLogBatches`. */
export async function* readLogLines(path: string, fromOffset: number, options: ReadLogOptions = {}): AsyncGenerator<LogLine> {
  for await (const batch of readLogBatches(path, fromOffset, options)) yield* batch;
}

/** A start offset that is not a line start means the position belongs to another file: say so, do not guess. */
async function checkLineStart(handle: FileHandle, path: string, offset: number, size: number): Promise<void> {
  const bad = (why: string): never => {
    throw new VcoSiemError(`cannot read ${path} from offset ${offset}: ${why}`, { context: { path, offset, size } });
  };
  if (!Number.isSafeInteger(offset) || offset < 0) bad('not a valid offset');
  if (offset > size) bad(`the log holds only ${size} bytes (was it replaced or truncated?)`);
  if (offset === 0) return;
  const byte = Buffer.alloc(1);
  await readExactly(handle, byte, 1, offset - 1);
  if (byte[0] !== NEWLINE) bad('the offset is not at the start of a line');
}

/**
 * Complete lines (events) between two offsets of a log, counted on raw bytes without decoding them;
 * 0 when the file does not exist. Used for pending counts and `status`.
 */
export async function countLogLines(path: string, fromOffset = 0, endOffset?: number): Promise<number> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw error;
  }
  try {
    const end = Math.min(endOffset ?? Number.MAX_SAFE_INTEGER, (await handle.stat()).size);
    const buf = Buffer.allocUnsafe(DEFAULT_CHUNK);
    let count = 0;
    for (let pos = fromOffset; pos < end; ) {
      const { bytesRead } = await handle.read(buf, 0, Math.min(buf.length, end - pos), pos);
      if (bytesRead === 0) break;
      for (let i = buf.indexOf(NEWLINE, 0); i !== -1 && i < bytesRead; i = buf.indexOf(NEWLINE, i + 1)) count++;
      pos += bytesRead;
    }
    return count;
  } finally {
    await handle.close();
  }
}

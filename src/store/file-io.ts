import type { FileHandle } from 'node:fs/promises';
import { VcoSiemError } from '../errors.js';

/** Read exactly `length` bytes at `position` into the start of `buf` (a short read is retried, EOF is an error). */
export async function readExactly(handle: FileHandle, buf: Buffer, length: number, position: number): Promise<void> {
  let got = 0;
  while (got < length) {
    const { bytesRead } = await handle.read(buf, got, length - got, position + got);
    if (bytesRead === 0) throw new VcoSiemError(`unexpected end of file at offset ${position + got}`);
    got += bytesRead;
  }
}

/** Write all of `data` at `position`, or at the end for a handle opened in append mode (position null). */
export async function writeAll(handle: FileHandle, data: Buffer, position: number | null): Promise<void> {
  let written = 0;
  while (written < data.length) {
    const at = position === null ? null : position + written;
    const { bytesWritten } = await handle.write(data, written, data.length - written, at);
    written += bytesWritten;
  }
}

import { open, rm, type FileHandle } from 'node:fs/promises';
import { eventKey, eventTimeMs, type VcoEvent } from '../event.js';
import { VcoSiemError } from '../errors.js';
import { readExactly, writeAll } from './file-io.js';

/** One fetched event in a page read back from the spool. */
export interface SpooledEvent {
  timeMs: number;
  key: string;
  /** Byte range of the event's JSON text in the page's data. */
  start: number;
  end: number;
}

/** A page read back from the spool; its buffers are reused, so it is valid until the next page is read. */
export class SpooledPage {
  constructor(
    private readonly data: Buffer,
    private readonly out: Buffer,
    /** Sorted by (eventTime, id). */
    readonly events: SpooledEvent[],
  ) {}

  /** The JSON lines of `chosen` (events of this page), each ended by '\n', copied without decoding. */
  linesOf(chosen: readonly SpooledEvent[]): Buffer {
    let length = 0;
    for (const event of chosen) {
      length += this.data.copy(this.out, length, event.start, event.end);
      this.out[length++] = NEWLINE;
    }
    return this.out.subarray(0, length);
  }
}

interface SpooledRegion {
  offset: number;
  /** Bytes of the index, then of the page's JSON array text. */
  indexLength: number;
  dataLength: number;
}

/**
 * Temporary file holding the pages of one collection run. The VCO hands out the newest page first but the
 * log must grow oldest first; writing pages here and reading them back in reverse keeps memory at one page
 * however large the backlog.
 *
 * A page is stored as an index (one line per event: `<eventTime ms>\t<start>\t<end>\t<JSON key>`, the key
 * JSON-encoded so it holds no raw tab or newline) followed by the page serialised as one JSON array. One
 * JSON.stringify of the whole array is much cheaper than one per event, and each element of it is exactly
 * JSON.stringify(event); the index gives each element's byte range, so read back the event JSON is copied
 * to the log without being decoded again.
 */
export class Spool {
  private readonly pages: SpooledRegion[] = [];
  private size = 0;

  private constructor(
    readonly path: string,
    private readonly handle: FileHandle,
  ) {}

  /** Creates the spool, replacing one left behind by a crashed run. */
  static async create(path: string): Promise<Spool> {
    return new Spool(path, await open(path, 'w+', 0o600));
  }

  async writePage(events: readonly VcoEvent[]): Promise<void> {
    if (events.length === 0) return;
    const data = Buffer.from(JSON.stringify(events), 'utf8');
    const ranges = elementRanges(data, events.length);
    let index = '';
    let lastTimeText: unknown;
    let lastTimeMs = 0;
    for (let i = 0; i < events.length; i++) {
      const event = events[i]!;
      // Neighbours mostly share one eventTime string: parse each distinct one once.
      if (event.eventTime !== lastTimeText || lastTimeText === undefined) {
        lastTimeText = event.eventTime;
        lastTimeMs = eventTimeMs(event) ?? 0;
      }
      index += `${lastTimeMs}\t${ranges[2 * i]}\t${ranges[2 * i + 1]}\t${JSON.stringify(eventKey(event))}\n`;
    }
    const indexBytes = Buffer.from(index, 'utf8');
    await writeAll(this.handle, indexBytes, this.size);
    await writeAll(this.handle, data, this.size + indexBytes.length);
    this.pages.push({ offset: this.size, indexLength: indexBytes.length, dataLength: data.length });
    this.size += indexBytes.length + data.length;
  }

  /** Pages in reverse order of writing (oldest first). */
  async *pagesOldestFirst(): AsyncGenerator<SpooledPage> {
    const longestIndex = this.pages.reduce((max, page) => Math.max(max, page.indexLength), 0);
    // The lines of a page (elements + '\n' each) are shorter than its array text (brackets + separators).
    const longestData = this.pages.reduce((max, page) => Math.max(max, page.dataLength), 0);
    const index = Buffer.allocUnsafe(longestIndex);
    const data = Buffer.allocUnsafe(longestData);
    const out = Buffer.allocUnsafe(longestData);
    for (let i = this.pages.length - 1; i >= 0; i--) {
      const { offset, indexLength, dataLength } = this.pages[i]!;
      await readExactly(this.handle, index, indexLength, offset);
      await readExactly(this.handle, data, dataLength, offset + indexLength);
      yield new SpooledPage(data, out, parseIndex(index, indexLength).sort(byTimeThenId));
    }
  }

  /** Close and delete the file. */
  async discard(): Promise<void> {
    await this.handle.close();
    await rm(this.path, { force: true });
  }
}

const TAB = 0x09;
const NEWLINE = 0x0a;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

/**
 * Start and end byte offsets of each object element of a serialised JSON array of `count` objects. Works on
 * UTF-8 bytes: the structural characters are ASCII and never occur inside a multi-byte sequence.
 */
function elementRanges(json: Uint8Array, count: number): Uint32Array {
  const ranges = new Uint32Array(2 * count);
  let found = 0;
  let depth = 0;
  for (let i = 0; i < json.length; i++) {
    const c = json[i];
    if (c === QUOTE) {
      // Skip the string: JSON.stringify escapes '"' and '\' inside it with a backslash.
      for (i++; i < json.length && json[i] !== QUOTE; i++) if (json[i] === BACKSLASH) i++;
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      if (depth++ === 1) ranges[2 * found] = i;
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      if (--depth === 1) ranges[2 * found++ + 1] = i + 1;
    }
  }
  if (found !== count) throw new VcoSiemError(`spool: found ${found} events in a serialised page of ${count}`);
  return ranges;
}

function parseIndex(index: Buffer, length: number): SpooledEvent[] {
  const events: SpooledEvent[] = [];
  let lineStart = 0;
  while (lineStart < length) {
    const tab1 = index.indexOf(TAB, lineStart);
    const tab2 = index.indexOf(TAB, tab1 + 1);
    const tab3 = index.indexOf(TAB, tab2 + 1);
    const newline = index.indexOf(NEWLINE, tab3 + 1);
    const quoted = index.subarray(tab3 + 1, newline);
    const key = quoted.includes(BACKSLASH) ? (JSON.parse(quoted.toString('utf8')) as string) : index.toString('utf8', tab3 + 2, newline - 1);
    events.push({
      timeMs: Number(index.toString('latin1', lineStart, tab1)),
      key,
      start: Number(index.toString('latin1', tab1 + 1, tab2)),
      end: Number(index.toString('latin1', tab2 + 1, tab3)),
    });
    lineStart = newline + 1;
  }
  return events;
}

/** VCO order is only roughly by time; the id breaks ties so the log order is reproducible. */
function byTimeThenId(a: SpooledEvent, b: SpooledEvent): number {
  if (a.timeMs !== b.timeMs) return a.timeMs - b.timeMs;
  const idA = a.key.startsWith('id:') ? Number(a.key.slice(3)) : Number.NaN;
  const idB = b.key.startsWith('id:') ? Number(b.key.slice(3)) : Number.NaN;
  if (!Number.isNaN(idA) && !Number.isNaN(idB)) return idA - idB;
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}

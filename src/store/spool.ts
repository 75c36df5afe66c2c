import { open, rm, type FileHandle } from 'node:fs/promises';
import { readExactly, writeAll } from './file-io.js';
import { idKey, keyText, type IdKey } from './seen-ids.js';

/** A fetched page, as the spool takes it: per event its JSON text (as JSON.stringify writes it), key and eventTime. */
export interface EventPage {
  readonly texts: readonly string[];
  /** eventKey of each event. */
  readonly keys: readonly string[];
  /** eventTime of each event in epoch ms; undefined when missing or unreadable. */
  readonly timesMs: readonly (number | undefined)[];
}

/** One fetched event in a page read back from the spool. */
export interface SpooledEvent {
  /** eventTime in epoch ms; 0 when it has none (so such events sort first). */
  timeMs: number;
  /** False when the event had no readable eventTime. */
  dated: boolean;
  key: IdKey;
  /** The numeric id of an `id:` key (NaN otherwise), worked out once for sorting. */
  id: number;
  /** Byte range of the event's JSON line, '\n' included, in the page's data. */
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
    /** The smallest timeMs of the pages still to come (Infinity after the last): no later event is older. */
    readonly laterFromMs: number,
  ) {}

  /** The JSON lines of `chosen` (events of this page), each ended by '\n', copied without decoding. */
  linesOf(chosen: readonly SpooledEvent[]): Buffer {
    let length = 0;
    for (const event of chosen) length += this.data.copy(this.out, length, event.start, event.end);
    return this.out.subarray(0, length);
  }
}

interface SpooledPageRecord {
  offset: number;
  /** Bytes of the page's JSON lines, then 3 doubles per event, then the JSON array of the keys that are not numbers. */
  linesLength: number;
  count: number;
  keysLength: number;
  minTimeMs: number;
}

/** Per event in the index: eventTime (NaN: none), the id for sorting (NaN: none), 1 when the key is that id. */
const INDEX_FIELDS = 3;
const DOUBLE = 8;

/**
 * Temporary file holding the pages of one collection run. The VCO hands out the newest page first but the
 * log must grow oldest first; writing pages here and reading them back in reverse keeps memory at one page
 * however large the backlog. A page is its events' JSON lines exactly as they go to the log (JSON text holds no
 * raw newline), then an index of eventTimes and keys, so reading it back decodes nothing but the index.
 */
export class Spool {
  private readonly pages: SpooledPageRecord[] = [];
  private size = 0;
  /** Where a page's lines and index are assembled before they are written; kept for the next page. */
  private buf = Buffer.allocUnsafe(1 << 20);
  private index = Buffer.allocUnsafe(0);
  /** The background write of the last page. */
  private writing: Promise<void> = Promise.resolve();

  private constructor(
    readonly path: string,
    private readonly handle: FileHandle,
  ) {}

  /** Creates the spool, replacing one left behind by a crashed run. */
  static async create(path: string): Promise<Spool> {
    return new Spool(path, await open(path, 'w+', 0o600));
  }

  /**
   * Copies the page into the spool's buffers at once and writes them in the background, so the caller can drop the
   * page (and the reply text it points into) before that garbage lives long enough to be promoted. Waits for the
   * previous page's write first (its buffers are reused); a failed write is thrown by the next call or the read-back.
   */
  async writePage(page: EventPage): Promise<void> {
    await this.writing;
    const { texts, keys, timesMs } = page;
    const count = texts.length;
    if (count === 0) return;
    if (this.index.length < INDEX_FIELDS * DOUBLE * count) this.index = Buffer.allocUnsafe(INDEX_FIELDS * DOUBLE * count);
    const index = this.index.subarray(0, INDEX_FIELDS * DOUBLE * count);
    const otherKeys: string[] = [];
    let minTimeMs = Infinity;
    for (let i = 0; i < count; i++) {
      const timeMs = timesMs[i];
      const key = keys[i]!;
      const held = idKey(key);
      minTimeMs = Math.min(minTimeMs, timeMs ?? 0);
      index.writeDoubleLE(timeMs ?? Number.NaN, (INDEX_FIELDS * i) * DOUBLE);
      index.writeDoubleLE(key.startsWith('id:') ? Number(key.slice(3)) : Number.NaN, (INDEX_FIELDS * i + 1) * DOUBLE);
      index.writeDoubleLE(typeof held === 'number' ? 1 : 0, (INDEX_FIELDS * i + 2) * DOUBLE);
      if (typeof held !== 'number') otherKeys.push(key);
    }
    // Written straight into a reused buffer: one joined string or buffer per page would be megabytes of garbage.
    let used = 0;
    for (const text of texts) {
      if (used + 3 * text.length + 1 > this.buf.length) this.grow(used, 3 * text.length + 1);
      used += this.buf.write(text, used, 'utf8');
      this.buf[used++] = NEWLINE;
    }
    const lines = this.buf.subarray(0, used);
    const otherKeysJson = Buffer.from(JSON.stringify(otherKeys), 'utf8');
    const record: SpooledPageRecord = { offset: this.size, linesLength: lines.length, count, keysLength: otherKeysJson.length, minTimeMs };
    this.pages.push(record);
    this.size += recordLength(record);
    this.writing = this.writeParts(record.offset, [lines, index, otherKeysJson]);
    this.writing.catch(() => undefined); // reported where it is awaited next
  }

  private async writeParts(offset: number, parts: Buffer[]): Promise<void> {
    for (const part of parts) {
      await writeAll(this.handle, part, offset);
      offset += part.length;
    }
  }

  /** Pages in reverse order of writing (oldest first). */
  async *pagesOldestFirst(): AsyncGenerator<SpooledPage> {
    await this.writing;
    const longest = this.pages.reduce((max, page) => Math.max(max, recordLength(page)), 0);
    const data = Buffer.allocUnsafe(longest);
    const out = Buffer.allocUnsafe(longest);
    // minBefore[i]: the smallest time of the pages written before page i, which are read after it.
    const minBefore: number[] = [];
    let min = Infinity;
    for (const page of this.pages) {
      minBefore.push(min);
      min = Math.min(min, page.minTimeMs);
    }
    for (let i = this.pages.length - 1; i >= 0; i--) {
      const page = this.pages[i]!;
      await readExactly(this.handle, data, recordLength(page), page.offset);
      yield new SpooledPage(data, out, readEvents(data, page).sort(byTimeThenId), minBefore[i]!);
    }
  }

  /** Close and delete the file. */
  async discard(): Promise<void> {
    await this.writing.catch(() => undefined); // never close under a write in progress
    await this.handle.close();
    await rm(this.path, { force: true });
  }

  /** Room for `more` bytes after the first `used` of the page buffer, keeping those. */
  private grow(used: number, more: number): void {
    const bigger = Buffer.allocUnsafe(Math.max(2 * this.buf.length, used + more));
    this.buf.copy(bigger, 0, 0, used);
    this.buf = bigger;
  }
}

const NEWLINE = 0x0a;

function recordLength(page: SpooledPageRecord): number {
  return page.linesLength + INDEX_FIELDS * DOUBLE * page.count + page.keysLength;
}

function readEvents(data: Buffer, page: SpooledPageRecord): SpooledEvent[] {
  const indexStart = page.linesLength;
  const keysStart = indexStart + INDEX_FIELDS * DOUBLE * page.count;
  const otherKeys = JSON.parse(data.toString('utf8', keysStart, keysStart + page.keysLength)) as string[];
  const events: SpooledEvent[] = new Array<SpooledEvent>(page.count);
  let start = 0;
  let nextOtherKey = 0;
  for (let i = 0; i < page.count; i++) {
    const end = data.indexOf(NEWLINE, start) + 1;
    const at = indexStart + INDEX_FIELDS * DOUBLE * i;
    const timeMs = data.readDoubleLE(at);
    const id = data.readDoubleLE(at + DOUBLE);
    const key = data.readDoubleLE(at + 2 * DOUBLE) === 1 ? id : otherKeys[nextOtherKey++]!;
    const dated = !Number.isNaN(timeMs);
    events[i] = { timeMs: dated ? timeMs : 0, dated, key, id, start, end };
    start = end;
  }
  return events;
}

/** VCO order is only roughly by time; the id breaks ties (then the key) so the log order is reproducible. */
function byTimeThenId(a: SpooledEvent, b: SpooledEvent): number {
  if (a.timeMs !== b.timeMs) return a.timeMs - b.timeMs;
  if (!Number.isNaN(a.id) && !Number.isNaN(b.id)) return a.id - b.id;
  const keyA = keyText(a.key);
  const keyB = keyText(b.key);
  return keyA < keyB ? -1 : keyA > keyB ? 1 : 0;
}

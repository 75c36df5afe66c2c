import { open, rm, type FileHandle } from 'node:fs/promises';
import { readExactly, writeAll } from './file-io.js';
import { keyText, type IdKey } from './seen-ids.js';

/** A fetched page, as the spool takes it: per event the bytes of its JSON text (as JSON.stringify writes it), key and eventTime. */
export interface EventPage {
  /** UTF-8; event i's JSON text is data[starts[i], ends[i]). */
  readonly data: Buffer;
  readonly starts: readonly number[];
  readonly ends: readonly number[];
  /** idKey(eventKey) of each event. */
  readonly keys: readonly IdKey[];
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
  /** Byte range of the event's JSON text ('\n' excluded) in the page's data. */
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
    for (const event of chosen) length = copyLine(this.data, event.start, event.end, this.out, length);
    return this.out.subarray(0, length);
  }
}

/** A page kept in memory. */
interface HeldPage {
  page: EventPage;
  /** Bytes of its lines ('\n' included). */
  linesLength: number;
  minTimeMs: number;
}

/** A page written to the file. */
interface FilePageRecord {
  offset: number;
  /** Bytes of the page's JSON lines, then 3 doubles per event, then the JSON array of the keys that are not numbers. */
  linesLength: number;
  count: number;
  keysLength: number;
  minTimeMs: number;
}

type PageRecord = HeldPage | FilePageRecord;

/** Per event in the index: eventTime (NaN: none), the id for sorting (NaN: none), 1 when the key is that id. */
const INDEX_FIELDS = 3;
const DOUBLE = 8;
/**
 * Bytes of pages a spool keeps in memory before it moves them to its file: a run's worth of a few thousand events
 * (a cron run, most enterprises of a fleet) never touches the disk, and memory stays bounded on a long backfill.
 */
const DEFAULT_SPOOL_MEMORY_BYTES = 6 << 20;

/**
 * The pages of one collection run. The VCO hands out the newest page first but the log must grow oldest first,
 * so pages are kept and read back in reverse. Up to `memoryBytes` of them are held as they came (the reply bytes,
 * no copy); past that, all are moved to a temporary file, so memory stays at about one page however large the
 * backlog. A page in the file is its events' JSON lines exactly as they go to the log (JSON text holds no raw
 * newline), then an index of eventTimes and keys, so reading it back decodes nothing but the index.
 */
export class Spool {
  private readonly pages: PageRecord[] = [];
  /** Bytes of the held pages (reply bytes plus what their index would take in the file). */
  private held = 0;
  /** Open once the pages went to the file. */
  private handle: FileHandle | undefined;
  private size = 0;
  /** Where a page's lines and index are assembled before they are written; kept for the next page. */
  private buf = Buffer.allocUnsafe(0);
  private index = Buffer.allocUnsafe(0);
  /** The background write of the last page. */
  private writing: Promise<void> = Promise.resolve();

  private constructor(
    readonly path: string,
    private readonly memoryBytes: number,
  ) {}

  /** A spool; its file is created (replacing any left behind) only when the pages outgrow `memoryBytes`. */
  static create(path: string, options: { memoryBytes?: number } = {}): Spool {
    return new Spool(path, options.memoryBytes ?? DEFAULT_SPOOL_MEMORY_BYTES);
  }

  /** Whether the pages went to the file. */
  get spilled(): boolean {
    return this.handle !== undefined;
  }

  /**
   * Keeps the page, or, past the memory budget, copies it into the spool's buffers at once and writes them in the
   * background, so the caller can drop the page (and the reply it points into) before that garbage lives long
   * enough to be promoted. Waits for the previous page's write first (its buffers are reused); a failed write is
   * thrown by the next call or the read-back.
   */
  async writePage(page: EventPage): Promise<void> {
    await this.writing;
    const count = page.starts.length;
    if (count === 0) return;
    if (this.handle === undefined) {
      this.held += page.data.length + INDEX_FIELDS * DOUBLE * count;
      if (this.held <= this.memoryBytes) {
        // Only what the spool reads: a batch may also hold the reply apart from `data` and parsed events.
        const { data, starts, ends, keys, timesMs } = page;
        this.pages.push({ page: { data, starts, ends, keys, timesMs }, linesLength: linesLength(page), minTimeMs: minTime(page) });
        return;
      }
      await this.spill();
    }
    this.pages.push(this.startWrite(page));
  }

  /** Moves the held pages to the file, in order. */
  private async spill(): Promise<void> {
    this.handle = await open(this.path, 'w+', 0o600);
    for (let i = 0; i < this.pages.length; i++) {
      const record = this.pages[i]!;
      if (!('page' in record)) continue;
      this.pages[i] = this.startWrite(record.page);
      await this.writing;
    }
    this.held = 0;
  }

  /** Copies the page into the buffers and starts writing them; the previous write must be done. */
  private startWrite(page: EventPage): FilePageRecord {
    const { data, starts, ends, keys, timesMs } = page;
    const count = starts.length;
    if (this.index.length < INDEX_FIELDS * DOUBLE * count) this.index = Buffer.allocUnsafe(INDEX_FIELDS * DOUBLE * count);
    const index = this.index.subarray(0, INDEX_FIELDS * DOUBLE * count);
    const otherKeys: string[] = [];
    for (let i = 0; i < count; i++) {
      const key = keys[i]!;
      index.writeDoubleLE(timesMs[i] ?? Number.NaN, (INDEX_FIELDS * i) * DOUBLE);
      index.writeDoubleLE(sortId(key), (INDEX_FIELDS * i + 1) * DOUBLE);
      index.writeDoubleLE(typeof key === 'number' ? 1 : 0, (INDEX_FIELDS * i + 2) * DOUBLE);
      if (typeof key !== 'number') otherKeys.push(key);
    }
    // Copied into a reused buffer: one buffer per page would be megabytes of garbage.
    const length = linesLength(page);
    if (this.buf.length < length) this.buf = Buffer.allocUnsafe(Math.max(length, 2 * this.buf.length));
    let used = 0;
    for (let i = 0; i < count; i++) used = copyLine(data, starts[i]!, ends[i]!, this.buf, used);
    const lines = this.buf.subarray(0, used);
    const otherKeysJson = Buffer.from(JSON.stringify(otherKeys), 'utf8');
    const record: FilePageRecord = { offset: this.size, linesLength: used, count, keysLength: otherKeysJson.length, minTimeMs: minTime(page) };
    this.size += recordLength(record);
    this.writing = this.writeParts(record.offset, [lines, index, otherKeysJson]);
    this.writing.catch(() => undefined); // reported where it is awaited next
    return record;
  }

  private async writeParts(offset: number, parts: Buffer[]): Promise<void> {
    for (const part of parts) {
      await writeAll(this.handle!, part, offset);
      offset += part.length;
    }
  }

  /** Pages in reverse order of writing (oldest first). */
  async *pagesOldestFirst(): AsyncGenerator<SpooledPage> {
    await this.writing;
    const onFile = this.pages.filter((record): record is FilePageRecord => !('page' in record));
    const data = Buffer.allocUnsafe(onFile.reduce((max, record) => Math.max(max, recordLength(record)), 0));
    const out = Buffer.allocUnsafe(this.pages.reduce((max, record) => Math.max(max, record.linesLength), 0));
    // minBefore[i]: the smallest time of the pages written before page i, which are read after it.
    const minBefore: number[] = [];
    let min = Infinity;
    for (const record of this.pages) {
      minBefore.push(min);
      min = Math.min(min, record.minTimeMs);
    }
    for (let i = this.pages.length - 1; i >= 0; i--) {
      const record = this.pages[i]!;
      if ('page' in record) {
        yield new SpooledPage(record.page.data, out, heldEvents(record.page).sort(byTimeThenId), minBefore[i]!);
      } else {
        await readExactly(this.handle!, data, recordLength(record), record.offset);
        yield new SpooledPage(data, out, fileEvents(data, record).sort(byTimeThenId), minBefore[i]!);
      }
    }
  }

  /** Drop the pages; close and delete the file if there is one. */
  async discard(): Promise<void> {
    this.pages.length = 0;
    if (this.handle === undefined) return;
    await this.writing.catch(() => undefined); // never close under a write in progress
    await this.handle.close();
    await rm(this.path, { force: true });
  }
}

const NEWLINE = 0x0a;

/** Copies data[start, end) and a '\n' into `out` at `at`; returns the offset after them. */
function copyLine(data: Buffer, start: number, end: number, out: Buffer, at: number): number {
  const copied = data.copy(out, at, start, end);
  out[at + copied] = NEWLINE;
  return at + copied + 1;
}

function recordLength(record: FilePageRecord): number {
  return record.linesLength + INDEX_FIELDS * DOUBLE * record.count + record.keysLength;
}

function linesLength({ starts, ends }: EventPage): number {
  let length = starts.length;
  for (let i = 0; i < starts.length; i++) length += ends[i]! - starts[i]!;
  return length;
}

function minTime({ timesMs }: EventPage): number {
  let min = Infinity;
  for (const timeMs of timesMs) min = Math.min(min, timeMs ?? 0);
  return min;
}

/** The number an `id:` key sorts by (NaN for other keys). */
function sortId(key: IdKey): number {
  if (typeof key === 'number') return key;
  return key.startsWith('id:') ? Number(key.slice(3)) : Number.NaN;
}

function spooledEvent(timeMs: number | undefined, key: IdKey, id: number, start: number, end: number): SpooledEvent {
  const dated = timeMs !== undefined && !Number.isNaN(timeMs);
  return { timeMs: dated ? timeMs : 0, dated, key, id, start, end };
}

function heldEvents({ starts, ends, keys, timesMs }: EventPage): SpooledEvent[] {
  const events = new Array<SpooledEvent>(starts.length);
  for (let i = 0; i < starts.length; i++) events[i] = spooledEvent(timesMs[i], keys[i]!, sortId(keys[i]!), starts[i]!, ends[i]!);
  return events;
}

function fileEvents(data: Buffer, record: FilePageRecord): SpooledEvent[] {
  const indexStart = record.linesLength;
  const keysStart = indexStart + INDEX_FIELDS * DOUBLE * record.count;
  const otherKeys = JSON.parse(data.toString('utf8', keysStart, keysStart + record.keysLength)) as string[];
  const events = new Array<SpooledEvent>(record.count);
  let start = 0;
  let nextOtherKey = 0;
  for (let i = 0; i < record.count; i++) {
    const end = data.indexOf(NEWLINE, start);
    const at = indexStart + INDEX_FIELDS * DOUBLE * i;
    const id = data.readDoubleLE(at + DOUBLE);
    const key = data.readDoubleLE(at + 2 * DOUBLE) === 1 ? id : otherKeys[nextOtherKey++]!;
    events[i] = spooledEvent(data.readDoubleLE(at), key, id, start, end);
    start = end + 1;
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

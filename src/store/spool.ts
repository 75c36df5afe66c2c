import { open, rm, type FileHandle } from 'node:fs/promises';
import { eventKey, parseVcoTime, type VcoEvent } from '../event.js';
import { memoLast } from '../memo.js';
import { readExactly, writeAll } from './file-io.js';

/** One fetched event in a page read back from the spool. */
export interface SpooledEvent {
  timeMs: number;
  key: string;
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
  ) {}

  /** The JSON lines of `chosen` (events of this page), each ended by '\n', copied without decoding. */
  linesOf(chosen: readonly SpooledEvent[]): Buffer {
    let length = 0;
    for (const event of chosen) length += this.data.copy(this.out, length, event.start, event.end);
    return this.out.subarray(0, length);
  }
}

/**
 * Temporary file holding the pages of one collection run. The VCO hands out the newest page first but the
 * log must grow oldest first; writing pages here and reading them back in reverse keeps memory at one page
 * however large the backlog. Line format: `<eventTime ms>\t<JSON key>\t<event JSON>`; the event JSON holds
 * no raw tab or newline (JSON.stringify escapes them), the key is JSON-encoded for the same reason. Pages are
 * read back as bytes and the event JSON is copied to the log without being decoded again.
 */
export class Spool {
  private readonly pages: { offset: number; length: number }[] = [];
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
    let text = '';
    const timeOf = memoLast(parseVcoTime); // neighbours mostly share one eventTime string
    for (const event of events) {
      text += `${timeOf(event.eventTime) ?? 0}\t${JSON.stringify(eventKey(event))}\t${JSON.stringify(event)}\n`;
    }
    const data = Buffer.from(text, 'utf8');
    await writeAll(this.handle, data, this.size);
    this.pages.push({ offset: this.size, length: data.length });
    this.size += data.length;
  }

  /** Pages in reverse order of writing (oldest first). */
  async *pagesOldestFirst(): AsyncGenerator<SpooledPage> {
    const longest = this.pages.reduce((max, page) => Math.max(max, page.length), 0);
    const data = Buffer.allocUnsafe(longest);
    const out = Buffer.allocUnsafe(longest);
    for (let i = this.pages.length - 1; i >= 0; i--) {
      const { offset, length } = this.pages[i]!;
      await readExactly(this.handle, data, length, offset);
      yield new SpooledPage(data, out, parsePage(data, length).sort(byTimeThenId));
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
const BACKSLASH = 0x5c;

function parsePage(data: Buffer, length: number): SpooledEvent[] {
  const events: SpooledEvent[] = [];
  let lineStart = 0;
  while (lineStart < length) {
    const tab1 = data.indexOf(TAB, lineStart);
    const tab2 = data.indexOf(TAB, tab1 + 1);
    const end = data.indexOf(NEWLINE, tab2 + 1) + 1;
    const quotedKey = data.subarray(tab1 + 1, tab2);
    const key = quotedKey.includes(BACKSLASH) ? (JSON.parse(quotedKey.toString('utf8')) as string) : data.toString('utf8', tab1 + 2, tab2 - 1);
    events.push({ timeMs: Number(data.toString('latin1', lineStart, tab1)), key, id: key.startsWith('id:') ? Number(key.slice(3)) : Number.NaN, start: tab2 + 1, end });
    lineStart = end;
  }
  return events;
}

/** VCO order is only roughly by time; the id breaks ties so the log order is reproducible. */
function byTimeThenId(a: SpooledEvent, b: SpooledEvent): number {
  if (a.timeMs !== b.timeMs) return a.timeMs - b.timeMs;
  if (!Number.isNaN(a.id) && !Number.isNaN(b.id)) return a.id - b.id;
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}

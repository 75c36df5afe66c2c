/**
 * Reads an `event/getEnterpriseEvents` reply without building an object per event. Each event's JSON text is
 * needed as it is (it goes to the log byte for byte as JSON.stringify writes it), plus its key and eventTime.
 * JSON.parse of every event and JSON.stringify of it again were most of a collection's CPU time, so an event
 * written exactly in the VCO's own shape (section 5 of the API notes: fixed keys in a fixed order, JSON.stringify
 * formatting) is checked by one regular expression and kept as a byte range of the reply. Any other event is
 * parsed and serialised one by one, so the result is always what JSON.parse + JSON.stringify would give.
 *
 * The reply stays in UTF-8 bytes: the regular expression runs over its latin1 view (one character per byte, a plain
 * copy), where JSON's structure (all ASCII) sits at the same offsets and every byte of a multi-byte character is
 * an ordinary string character. So the events' bytes go to the spool and the log as they came, never decoded and
 * encoded again. A reply that is not valid UTF-8 is first made so as decoding it would (U+FFFD for bad bytes).
 */
import { isUtf8 } from 'node:buffer';
import { VCO_TIME_FORM, eventKey, isRecord, vcoTimeParser, type VcoEvent } from '../event.js';
import { BACKSLASH, CLOSE_ARRAY, CLOSE_OBJECT, COLON, COMMA, OPEN_ARRAY, OPEN_OBJECT, QUOTE, isJsonSpace, skipString, skipValue } from '../json-text.js';
import { idKey, type IdKey } from '../store/seen-ids.js';
import type { EventPage } from '../store/spool.js';

const NO_BYTES = Buffer.alloc(0);

/** The events of one reply: the byte range, key and eventTime of each; the event objects only when asked for. */
export class EventBatch implements EventPage {
  readonly starts: number[] = [];
  readonly ends: number[] = [];
  readonly keys: IdKey[] = [];
  readonly timesMs: (number | undefined)[] = [];
  /** Items of the reply's array that were not objects (not events; left out). */
  skipped = 0;
  /** Events nested deeper than JSON.stringify can follow (hostile: left out rather than failing the reply). */
  tooDeep = 0;
  /** Events whose text was taken from the reply as it is (the rest were parsed and serialised). */
  copied = 0;
  /** Parses eventTime values (the date of the last one is remembered: neighbours mostly share it). */
  readonly parseTime = vcoTimeParser();
  private readonly parsed: (VcoEvent | undefined)[] = [];
  /** Texts of serialised events, which follow the reply's bytes in `data`. */
  private readonly serialised: string[] = [];
  private serialisedEnd: number;
  private joined: Buffer | undefined;

  /** `reply`: the UTF-8 bytes the copied events' ranges point into. */
  constructor(private readonly reply: Buffer = NO_BYTES) {
    this.serialisedEnd = reply.length;
  }

  get count(): number {
    return this.starts.length;
  }

  /** The bytes the ranges point into: the reply, then the texts of the serialised events. */
  get data(): Buffer {
    if (this.serialised.length === 0) return this.reply;
    this.joined ??= Buffer.concat([this.reply, Buffer.from(this.serialised.join(''), 'utf8')]);
    return this.joined;
  }

  /** The events' JSON texts (decoded on use: only paging edge cases and tests need them). */
  get texts(): string[] {
    const data = this.data;
    return this.starts.map((start, i) => data.toString('utf8', start, this.ends[i]));
  }

  /** The events as objects (parsed on first use). */
  get events(): VcoEvent[] {
    return this.texts.map((text, i) => (this.parsed[i] ??= JSON.parse(text) as VcoEvent));
  }

  /** An array item known to be valid JSON: parsed, kept when it is an object. */
  addValue(value: unknown): void {
    if (!isRecord(value)) {
      this.skipped++;
      return;
    }
    const event = value as VcoEvent;
    let text: string;
    let key: IdKey;
    try {
      text = JSON.stringify(event);
      key = idKey(eventKey(event));
    } catch (error) {
      if (!(error instanceof RangeError)) throw error;
      this.tooDeep++; // the call stack ran out: one such event must not stop every later run of the enterprise
      return;
    }
    this.parsed[this.count] = event;
    this.serialised.push(text);
    this.joined = undefined;
    const start = this.serialisedEnd;
    this.serialisedEnd += Buffer.byteLength(text, 'utf8');
    this.add(start, this.serialisedEnd, key, this.parseTime(event.eventTime));
  }

  /** An event whose bytes `reply[start, end)` are exactly what JSON.stringify writes of it. */
  addExact(start: number, end: number, key: IdKey, timeMs: number | undefined): void {
    this.copied++;
    this.add(start, end, key, timeMs);
  }

  private add(start: number, end: number, key: IdKey, timeMs: number | undefined): void {
    this.starts.push(start);
    this.ends.push(end);
    this.keys.push(key);
    this.timesMs.push(timeMs);
  }

  static fromValues(values: readonly unknown[]): EventBatch {
    const batch = new EventBatch();
    for (const value of values) batch.addValue(value);
    return batch;
  }
}

/**
 * JSON.parse of the UTF-8 `body`, except that the array found at `path` (object keys from the root, e.g.
 * ['result', 'data']) is an EventBatch of its items. Throws what JSON.parse throws for a body that is not JSON.
 */
export function parseEventsReply(body: Buffer, path: readonly string[]): unknown {
  // Bytes that are not UTF-8 are read as decoding reads them, so the copied ranges hold what the events' texts encode to.
  const bytes = isUtf8(body) ? body : Buffer.from(body.toString('utf8'), 'utf8');
  try {
    const quick = parseAroundItems(new Reply(bytes), path);
    if (quick !== undefined) return quick;
  } catch {
    // Not what it looked like: the plain way below decides, and throws JSON.parse's own error.
  }
  const value: unknown = JSON.parse(bytes.toString('utf8'));
  const { holder, key } = arrayHolder(value, path);
  if (holder !== undefined && Array.isArray(holder[key])) holder[key] = EventBatch.fromValues(holder[key]);
  return value;
}

/**
 * Characters of the latin1 view decoded at once. A whole reply (about 700 KB a page) as one string was a fresh
 * large-object allocation per page, most of its cost page faults; pieces below V8's large-object size (128 KB) are
 * young-generation strings that die young.
 */
const WINDOW = 96 * 1024;
/** Characters a window keeps ahead of the item being read, so an item of up to this size is read in one piece. */
const MARGIN = 8 * 1024;

/**
 * A reply as UTF-8 bytes, seen through a latin1 window `text` = bytes[start, start + text.length): JSON's structure
 * is ASCII, so it sits at the same offsets in both. Positions passed around are offsets in `bytes`.
 */
class Reply {
  text = '';
  start = 0;

  constructor(readonly bytes: Buffer) {}

  /** Whether the window reaches the end of the reply. */
  get complete(): boolean {
    return this.start + this.text.length >= this.bytes.length;
  }

  /** Moves the window, if needed, so that it holds `p` and `ahead` characters after it (as far as the reply goes); p's index in `text`. */
  at(p: number, ahead = MARGIN): number {
    if (p < this.start || (p + ahead > this.start + this.text.length && !this.complete)) {
      this.start = p;
      this.text = this.bytes.toString('latin1', p, Math.min(this.bytes.length, p + Math.max(WINDOW, ahead)));
    }
    return p - this.start;
  }

  /** The character code at `p`; NaN past the end. */
  charAt(p: number): number {
    return this.text.charCodeAt(this.at(p, 1));
  }

  /** The end of the JSON value at `p` (see skipValue), or -1; the window then holds the whole value. */
  valueEnd(p: number): number {
    // After a miss, ask for twice what the window showed, so the next try reads further instead of the same text again.
    for (let ahead = MARGIN; ; ahead = 2 * Math.max(ahead, this.start + this.text.length - p)) {
      const r = this.at(p, ahead);
      const end = skipValue(this.text, r);
      // A value running into the window's end may go on after it (a number cut short looks whole).
      if (this.complete || (end >= 0 && end < this.text.length)) return end < 0 ? -1 : this.start + end;
    }
  }

  /** The first position from `p` on that is not JSON whitespace. */
  spaceEnd(p: number): number {
    while (isJsonSpace(this.charAt(p))) p++;
    return p;
  }

  /** The value of the string literal at text[r, end) (one that STRING matched). */
  stringValue(r: number, end: number): string {
    for (let i = r + 1; i < end - 1; i++) {
      if (this.text.charCodeAt(i) === BACKSLASH) return JSON.parse(this.bytes.toString('utf8', this.start + r, this.start + end)) as string;
    }
    return this.bytes.toString('utf8', this.start + r + 1, this.start + end - 1);
  }
}

/** The reply with its items read by readItems and the rest (a few dozen bytes of metaData) parsed around them. */
function parseAroundItems(reply: Reply, path: readonly string[]): unknown {
  const found = locateItems(reply, path);
  if (found === undefined) return undefined;
  const envelope: unknown = JSON.parse(`${reply.bytes.toString('utf8', 0, found.start)}[]${reply.bytes.toString('utf8', found.end)}`);
  const { holder, key } = arrayHolder(envelope, path);
  const standIn = holder?.[key];
  if (holder === undefined || !Array.isArray(standIn) || standIn.length > 0) return undefined;
  holder[key] = found.batch;
  return envelope;
}

/** The object holding the value at `path`, and that value's key. */
function arrayHolder(root: unknown, path: readonly string[]): { holder: Record<string, unknown> | undefined; key: string } {
  const holder = path.slice(0, -1).reduce<unknown>((node, key) => (isRecord(node) ? node[key] : undefined), root);
  return { holder: isRecord(holder) ? holder : undefined, key: path[path.length - 1]! };
}

/** The keys of a VCO event in the order the VCO writes them: 4.x with a numeric id, newer ones with a logicalId. */
const VCO_KEYS = ['eventTime', 'event', 'category', 'severity', 'message', 'detail', 'enterpriseUsername', 'edgeName', 'segmentName'];
const PLAIN = '[^"\\\\\\x00-\\x1f\\ud800-\\udfff]*';
/**
 * A string as JSON.stringify writes it: short escapes, \u00xx for other control characters, paired surrogates.
 * Over the latin1 view of UTF-8, a multi-byte character is a run of characters 0x80-0xff, which PLAIN admits.
 */
const STRING = `"${PLAIN}(?:(?:\\\\(?:["\\\\bfnrt]|u00(?:0[0-7bef]|1[0-9a-f]))|[\\ud800-\\udbff][\\udc00-\\udfff])${PLAIN})*"`;
/** An integer JSON.stringify writes back unchanged (at most 15 digits are exact doubles; no -0). */
const INTEGER = '(?:0|-?[1-9][0-9]{0,14})';
const SCALAR = `(?:${STRING}|${INTEGER}|true|false|null)`;
const members = (keys: string[]): string => keys.map((key) => `,"${key}":${key === 'eventTime' ? STRING : SCALAR}`).join('');
/** Sticky: matched at one position only. */
const NUMERIC_SHAPE = new RegExp(`\\{"id":${INTEGER}${members(VCO_KEYS)}\\}`, 'y');
const LOGICAL_ID_SHAPE = new RegExp(`\\{"logicalId":${STRING}${members([...VCO_KEYS, 'created', 'enterpriseName'])}\\}`, 'y');

/** Reads the items of the array whose '[' is at `start`; undefined when the text is not as expected. */
function readItems(reply: Reply, start: number): { batch: EventBatch; end: number } | undefined {
  const batch = new EventBatch(reply.bytes);
  let p = reply.spaceEnd(start + 1);
  if (reply.charAt(p) === CLOSE_ARRAY) return { batch, end: p + 1 };
  for (;;) {
    let end = readExact(reply, p, batch);
    if (end < 0) {
      const shown = reply.start + reply.text.length;
      const itemEnd = reply.valueEnd(p);
      if (itemEnd < 0) return undefined;
      // An event longer than the window had was cut short: try it again whole.
      if (itemEnd > shown) end = readExact(reply, p, batch);
      if (end < 0) batch.addValue(JSON.parse(reply.bytes.toString('utf8', p, itemEnd)));
      p = end < 0 ? itemEnd : end;
    } else {
      p = end;
    }
    p = reply.spaceEnd(p);
    const c = reply.charAt(p);
    if (c === CLOSE_ARRAY) return { batch, end: p + 1 };
    if (c !== COMMA) return undefined;
    p = reply.spaceEnd(p + 1);
  }
}

/** An eventTime literal in the VCO's own form: its value is the 24 ASCII characters between the quotes. */
const VCO_TIME_LITERAL = new RegExp(`"${VCO_TIME_FORM}"`, 'y');

/** An event in one of the VCO's shapes at `p`, added as it is; returns its end, or -1 when it is not one. */
function readExact(reply: Reply, p: number, batch: EventBatch): number {
  const r = reply.at(p);
  const { text } = reply;
  // The shapes check the rest: '{"id":' or '{"logicalId":'.
  const numeric = text.charCodeAt(r + 2) === 0x69; // i
  const shape = numeric ? NUMERIC_SHAPE : LOGICAL_ID_SHAPE;
  shape.lastIndex = r;
  if (!shape.test(text)) return -1;
  const end = shape.lastIndex;
  // The shape fixes the layout: the id (a number or a string), then the eventTime string.
  const idStart = r + (numeric ? NUMERIC_PREFIX : LOGICAL_ID_PREFIX).length;
  const idEnd = numeric ? text.indexOf(',', idStart) : skipString(text, idStart);
  let key: IdKey;
  if (numeric) {
    // INTEGER admits only what JSON.stringify writes of a number below 2^53: the key is that number (see idKey).
    key = integerAt(text, idStart, idEnd);
  } else {
    const logicalId = reply.stringValue(idStart, idEnd);
    // eventKey falls back to a hash for an empty logicalId: leave that to the general path.
    if (logicalId === '') return -1;
    key = `lid:${logicalId}`;
  }
  const timeStart = idEnd + EVENT_TIME_MEMBER.length;
  VCO_TIME_LITERAL.lastIndex = timeStart;
  const time = VCO_TIME_LITERAL.test(text) ? text.slice(timeStart + 1, timeStart + 25) : reply.stringValue(timeStart, skipString(text, timeStart));
  batch.addExact(p, reply.start + end, key, batch.parseTime(time));
  return reply.start + end;
}

/** The integer whose digits (INTEGER) are text[start, end). */
function integerAt(text: string, start: number, end: number): number {
  const negative = text.charCodeAt(start) === MINUS;
  let n = 0;
  for (let i = negative ? start + 1 : start; i < end; i++) n = n * 10 + text.charCodeAt(i) - DIGIT_0;
  return negative ? -n : n;
}

const MINUS = 0x2d;
const DIGIT_0 = 0x30;
const NUMERIC_PREFIX = '{"id":';
const LOGICAL_ID_PREFIX = '{"logicalId":';
const EVENT_TIME_MEMBER = ',"eventTime":';

/** The array at `path`, read by readItems, with its start and end; the last of repeated keys counts, as in JSON.parse. */
function locateItems(reply: Reply, path: readonly string[]): { start: number; end: number; batch: EventBatch } | undefined {
  let found: { start: number; end: number; batch: EventBatch } | undefined;
  const visit = (p: number, depth: number): number => {
    if (depth === path.length) {
      const items = reply.charAt(p) === OPEN_ARRAY ? readItems(reply, p) : undefined;
      found = items === undefined ? undefined : { start: p, ...items };
      return items?.end ?? -1;
    }
    if (reply.charAt(p) !== OPEN_OBJECT) return reply.valueEnd(p);
    p = reply.spaceEnd(p + 1);
    if (reply.charAt(p) === CLOSE_OBJECT) return p + 1;
    for (;;) {
      if (reply.charAt(p) !== QUOTE) return -1;
      const keyEnd = reply.valueEnd(p);
      if (keyEnd < 0) return -1;
      const key = reply.text.slice(p - reply.start + 1, keyEnd - reply.start - 1);
      // A key written with escapes could name the path in a way a plain compare misses: do not guess.
      if (key.includes('\\')) return -1;
      const onPath = key === path[depth];
      p = reply.spaceEnd(keyEnd);
      if (reply.charAt(p) !== COLON) return -1;
      p = reply.spaceEnd(p + 1);
      if (onPath) found = undefined; // only what the last occurrence holds counts
      p = onPath ? visit(p, depth + 1) : reply.valueEnd(p);
      if (p < 0) return -1;
      p = reply.spaceEnd(p);
      const c = reply.charAt(p);
      if (c === CLOSE_OBJECT) return p + 1;
      if (c !== COMMA) return -1;
      p = reply.spaceEnd(p + 1);
    }
  };
  return visit(reply.spaceEnd(0), 0) < 0 ? undefined : found;
}

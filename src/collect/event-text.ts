/**
 * Reads an `event/getEnterpriseEvents` reply without building an object per event. Each event's JSON text is
 * needed as it is (it goes to the log byte for byte as JSON.stringify writes it), plus its key and eventTime.
 * JSON.parse of every event and JSON.stringify of it again were most of a collection's CPU time, so an event
 * written exactly in the VCO's own shape (section 5 of the API notes: fixed keys in a fixed order, JSON.stringify
 * formatting) is checked by one regular expression and its text kept as a slice of the reply. Any other event is
 * parsed and serialised one by one, so the result is always what JSON.parse + JSON.stringify would give.
 */
import { eventKey, isRecord, vcoTimeParser, type VcoEvent } from '../event.js';
import { memoLast } from '../memo.js';
import type { EventPage } from '../store/spool.js';

/** The events of one reply: text, key and eventTime of each, the event objects only when asked for. */
export class EventBatch implements EventPage {
  readonly texts: string[] = [];
  readonly keys: string[] = [];
  readonly timesMs: (number | undefined)[] = [];
  /** Items of the reply's array that were not objects (not events; left out). */
  skipped = 0;
  /** Events whose text was taken from the reply as it is (the rest were parsed and serialised). */
  copied = 0;
  private readonly parsed: (VcoEvent | undefined)[] = [];
  private readonly timeOf = memoLast(vcoTimeParser()); // neighbours mostly share one eventTime string

  get count(): number {
    return this.texts.length;
  }

  /** The events as objects (parsed on first use: only paging edge cases and tests need them). */
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
    this.parsed[this.texts.length] = event;
    this.add(JSON.stringify(event), eventKey(event), event.eventTime);
  }

  /** An event whose `text` is known to be exactly what JSON.stringify writes of it, with its key and eventTime. */
  addExact(text: string, key: string, eventTime: string): void {
    this.copied++;
    this.add(text, key, eventTime);
  }

  private add(text: string, key: string, eventTime: unknown): void {
    this.texts.push(text);
    this.keys.push(key);
    this.timesMs.push(this.timeOf(eventTime));
  }

  static fromValues(values: readonly unknown[]): EventBatch {
    const batch = new EventBatch();
    for (const value of values) batch.addValue(value);
    return batch;
  }
}

/**
 * JSON.parse(text), except that the array found at `path` (object keys from the root, e.g. ['result', 'data']) is
 * an EventBatch of its items. Throws what JSON.parse throws for a body that is not JSON.
 */
export function parseEventsReply(text: string, path: readonly string[]): unknown {
  try {
    const quick = parseAroundItems(text, path);
    if (quick !== undefined) return quick;
  } catch {
    // Not what it looked like: the plain way below decides, and throws JSON.parse's own error.
  }
  const value: unknown = JSON.parse(text);
  const { holder, key } = arrayHolder(value, path);
  if (holder !== undefined && Array.isArray(holder[key])) holder[key] = EventBatch.fromValues(holder[key]);
  return value;
}

/** The reply with its items read by readItems and the rest (a few dozen bytes of metaData) parsed around them. */
function parseAroundItems(text: string, path: readonly string[]): unknown {
  const found = locateItems(text, path);
  if (found === undefined) return undefined;
  const envelope: unknown = JSON.parse(`${text.slice(0, found.start)}[]${text.slice(found.end)}`);
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
/** A string as JSON.stringify writes it: short escapes, \u00xx for other control characters, paired surrogates. */
const STRING = `"${PLAIN}(?:(?:\\\\(?:["\\\\bfnrt]|u00(?:0[0-7bef]|1[0-9a-f]))|[\\ud800-\\udbff][\\udc00-\\udfff])${PLAIN})*"`;
/** An integer JSON.stringify writes back unchanged (at most 15 digits are exact doubles; no -0). */
const INTEGER = '(?:0|-?[1-9][0-9]{0,14})';
const SCALAR = `(?:${STRING}|${INTEGER}|true|false|null)`;
const members = (keys: string[]): string => keys.map((key) => `,"${key}":${key === 'eventTime' ? STRING : SCALAR}`).join('');
/** Sticky: matched at one position only. */
const NUMERIC_SHAPE = new RegExp(`\\{"id":${INTEGER}${members(VCO_KEYS)}\\}`, 'y');
const LOGICAL_ID_SHAPE = new RegExp(`\\{"logicalId":${STRING}${members([...VCO_KEYS, 'created', 'enterpriseName'])}\\}`, 'y');

/** The value of a string literal matched by STRING. */
function stringValue(literal: string): string {
  return literal.includes('\\') ? (JSON.parse(literal) as string) : literal.slice(1, -1);
}

/** Reads the items of the array whose '[' is at `start`; undefined when the text is not as expected. */
function readItems(text: string, start: number): { batch: EventBatch; end: number } | undefined {
  const batch = new EventBatch();
  let p = skipSpace(text, start + 1);
  if (text.charCodeAt(p) === CLOSE_ARRAY) return { batch, end: p + 1 };
  for (;;) {
    const end = text.charCodeAt(p) === OPEN_OBJECT ? readExact(text, p, batch) : -1;
    if (end >= 0) {
      p = end;
    } else {
      const itemEnd = skipValue(text, p);
      if (itemEnd < 0) return undefined;
      batch.addValue(JSON.parse(text.slice(p, itemEnd)));
      p = itemEnd;
    }
    p = skipSpace(text, p);
    const c = text.charCodeAt(p);
    if (c === CLOSE_ARRAY) return { batch, end: p + 1 };
    if (c !== COMMA) return undefined;
    p = skipSpace(text, p + 1);
  }
}

/** An event in one of the VCO's shapes at `p`, added as it is; returns its end, or -1 when it is not one. */
function readExact(text: string, p: number, batch: EventBatch): number {
  const numeric = text.startsWith(NUMERIC_PREFIX, p);
  if (!numeric && !text.startsWith(LOGICAL_ID_PREFIX, p)) return -1;
  const shape = numeric ? NUMERIC_SHAPE : LOGICAL_ID_SHAPE;
  shape.lastIndex = p;
  if (!shape.test(text)) return -1;
  const end = shape.lastIndex;
  // The shape fixes the layout: the id (a number or a string), then the eventTime string.
  const idStart = p + (numeric ? NUMERIC_PREFIX : LOGICAL_ID_PREFIX).length;
  const idEnd = numeric ? text.indexOf(',', idStart) : literalEnd(text, idStart);
  const timeStart = idEnd + EVENT_TIME_MEMBER.length;
  const id = text.slice(idStart, idEnd);
  // INTEGER admits only the digits JSON.stringify writes for the number, so they are the key's text as they are.
  const key = numeric ? `id:${id}` : `lid:${stringValue(id)}`;
  // eventKey falls back to a hash for an empty logicalId: leave that to the general path.
  if (key === 'lid:') return -1;
  batch.addExact(text.slice(p, end), key, stringValue(text.slice(timeStart, literalEnd(text, timeStart))));
  return end;
}

const NUMERIC_PREFIX = '{"id":';
const LOGICAL_ID_PREFIX = '{"logicalId":';
const EVENT_TIME_MEMBER = ',"eventTime":';

/** End of the string literal (one that STRING matched) whose opening quote is at `p`. */
function literalEnd(text: string, p: number): number {
  for (let q = text.indexOf('"', p + 1); ; q = text.indexOf('"', q + 1)) {
    let backslashes = 0;
    while (text.charCodeAt(q - 1 - backslashes) === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return q + 1;
  }
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;

/** The array at `path`, read by readItems, with its start and end; the last of repeated keys counts, as in JSON.parse. */
function locateItems(text: string, path: readonly string[]): { start: number; end: number; batch: EventBatch } | undefined {
  let found: { start: number; end: number; batch: EventBatch } | undefined;
  const visit = (p: number, depth: number): number => {
    if (depth === path.length) {
      const items = text.charCodeAt(p) === OPEN_ARRAY ? readItems(text, p) : undefined;
      found = items === undefined ? undefined : { start: p, ...items };
      return items?.end ?? -1;
    }
    if (text.charCodeAt(p) !== OPEN_OBJECT) return skipValue(text, p);
    p = skipSpace(text, p + 1);
    if (text.charCodeAt(p) === CLOSE_OBJECT) return p + 1;
    for (;;) {
      if (text.charCodeAt(p) !== QUOTE) return -1;
      const keyEnd = skipString(text, p);
      // A key written with escapes could name the path in a way a plain compare misses: do not guess.
      if (keyEnd < 0 || text.slice(p, keyEnd).includes('\\')) return -1;
      const onPath = text.slice(p + 1, keyEnd - 1) === path[depth];
      p = skipSpace(text, keyEnd);
      if (text.charCodeAt(p) !== COLON) return -1;
      p = skipSpace(text, p + 1);
      if (onPath) found = undefined; // only what the last occurrence holds counts
      p = onPath ? visit(p, depth + 1) : skipValue(text, p);
      if (p < 0) return -1;
      p = skipSpace(text, p);
      const c = text.charCodeAt(p);
      if (c === CLOSE_OBJECT) return p + 1;
      if (c !== COMMA) return -1;
      p = skipSpace(text, p + 1);
    }
  };
  return visit(skipSpace(text, 0), 0) < 0 ? undefined : found;
}

function skipSpace(text: string, p: number): number {
  for (let c = text.charCodeAt(p); c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09; c = text.charCodeAt(++p));
  return p;
}

/** End of the string whose opening quote is at `p`, or -1. */
function skipString(text: string, p: number): number {
  for (let i = p + 1; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) return i + 1;
    if (c === BACKSLASH) i++;
  }
  return -1;
}

/** End of the JSON value at `p` (only nesting and strings are followed; JSON.parse judges the rest), or -1. */
function skipValue(text: string, p: number): number {
  const c = text.charCodeAt(p);
  if (c === QUOTE) return skipString(text, p);
  if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
    let depth = 0;
    for (let i = p; i < text.length; i++) {
      const d = text.charCodeAt(i);
      if (d === QUOTE) {
        i = skipString(text, i) - 1;
        if (i < 0) return -1;
      } else if (d === OPEN_OBJECT || d === OPEN_ARRAY) depth++;
      else if ((d === CLOSE_OBJECT || d === CLOSE_ARRAY) && --depth === 0) return i + 1;
    }
    return -1;
  }
  // A number or literal runs until a delimiter.
  let i = p;
  for (let d = text.charCodeAt(i); i < text.length && d !== COMMA && d !== CLOSE_OBJECT && d !== CLOSE_ARRAY && d !== 0x20 && d !== 0x0a && d !== 0x0d && d !== 0x09; d = text.charCodeAt(++i));
  return i > p ? i : -1;
}

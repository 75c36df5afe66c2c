/**
 * Make an encoded event FIT the destination's size limit instead of cutting its bytes blindly: a blind cut
 * can end CEF on a dangling `\`, lose the end of RFC 5424 structured data, or break the JSON in MSG.
 *
 * An oversize event is shortened where it is free text, as raw values before any escaping, and encoded
 * again: `detail` first (it then travels as plain text, which every encoder handles), then `message`, then
 * other descriptive string fields, longest first; each keeps the longest prefix that lets the message fit
 * (cut at a character boundary, never inside a surrogate pair). Identity fields (ids, event name, times,
 * severity, category) are kept: the SIEM needs them to classify the event. Only a name, category or
 * severity longer than any real one (a hostile event) is shortened, after everything else, since a header
 * cut in the middle would not parse at all. Only when that is not enough are the message bytes cut, and
 * then per format (see `cutToLimit`).
 *
 * The fast path is one length comparison; the fitting runs only for messages over the limit.
 */
import type { VcoEvent } from '../event.js';
import type { Format } from '../map/index.js';
import { truncateChars, truncateUtf8 } from '../map/text.js';

export interface FittedMessage {
  message: string;
  /** The event had to be shortened (or, as a last resort, its message cut) to fit. */
  truncated: boolean;
}

/** Fields that identify or classify the event: kept (only an overlong name, category or severity is shortened, last). */
const IDENTITY_FIELDS = new Set(['id', 'logicalId', 'event', 'eventTime', 'created', 'severity', 'category']);
/** Identity fields that can be text; longer than this (no real VCO name comes close) they may be shortened. */
const NAMING_FIELDS = ['event', 'category', 'severity'];
const NAMING_MAX = 128;
/** Encodes spent looking for the longest prefix of one field that fits (uniform text needs one). */
const SHRINK_ROUNDS = 5;

/** UTF-8 size of `message` when it may exceed `maxBytes`, else 0 (cheap: most messages are far below). */
function oversizeBytes(message: string, maxBytes: number): number {
  if (message.length * 3 <= maxBytes) return 0; // at most 3 bytes per UTF-16 unit
  const bytes = Buffer.byteLength(message, 'utf8');
  return bytes > maxBytes ? bytes : 0;
}

/** An encoder whose messages are at most `maxBytes` UTF-8 bytes. */
export function fittingEncoder(encode: (event: VcoEvent) => string, format: Format, maxBytes: number): (event: VcoEvent) => FittedMessage {
  return (event) => {
    const message = encode(event);
    const bytes = oversizeBytes(message, maxBytes);
    if (bytes === 0) return { message, truncated: false };
    return { message: fitOversize(event, message, bytes, encode, format, maxBytes), truncated: true };
  };
}

/** Free-text fields of `event` in the order they are given up: detail, message, then the longest others. */
function shrinkableFields(event: VcoEvent): string[] {
  const others = Object.keys(event)
    .filter((key) => key !== 'detail' && key !== 'message' && !IDENTITY_FIELDS.has(key) && textValue(event[key]) !== undefined)
    .sort((a, b) => textValue(event[b])!.length - textValue(event[a])!.length);
  return ['detail', 'message', ...others];
}

/** Name, category and severity fields too long to be real, longest first. */
function overlongNames(event: VcoEvent): string[] {
  const length = (key: string): number => textValue(event[key])?.length ?? 0;
  return NAMING_FIELDS.filter((key) => length(key) > NAMING_MAX).sort((a, b) => length(b) - length(a));
}

/** A field's raw text: strings as they are, objects and arrays as their JSON; nothing for short scalars. */
function textValue(value: unknown): string | undefined {
  if (typeof value === 'string') return value === '' ? undefined : value;
  if (value !== null && typeof value === 'object') return JSON.stringify(value);
  return undefined;
}

function fitOversize(event: VcoEvent, encoded: string, encodedBytes: number, encode: (event: VcoEvent) => string, format: Format, maxBytes: number): string {
  let current = event;
  let message = encoded;
  let bytes = encodedBytes;
  for (const field of [...shrinkableFields(event), ...overlongNames(event)]) {
    const raw = textValue(current[field]);
    if (raw === undefined) continue;
    const shrunk = shrinkField(current, field, raw, bytes, encode, maxBytes);
    if (shrunk.bytes <= maxBytes) return shrunk.message;
    ({ event: current, message, bytes } = shrunk);
  }
  return cutToLimit(message, format, maxBytes);
}

interface Encoded {
  event: VcoEvent;
  message: string;
  bytes: number;
}

/**
 * The longest prefix of one raw field value that makes the message fit; the field emptied when even that
 * is not enough. Escaping makes the bytes per raw character vary (1 to 7), so the length is found by
 * interpolation between a prefix that fits and one that does not, a few encodes at most, keeping the best fit.
 */
function shrinkField(event: VcoEvent, field: string, raw: string, rawBytes: number, encode: (event: VcoEvent) => string, maxBytes: number): Encoded {
  const attempt = (length: number): Encoded => {
    const shortened = { ...event, [field]: length === 0 ? '' : truncateChars(raw, length) };
    const message = encode(shortened);
    return { event: shortened, message, bytes: Buffer.byteLength(message, 'utf8') };
  };
  let fits = attempt(0);
  if (fits.bytes > maxBytes) return fits;
  let lo = 0;
  let hi = raw.length;
  let hiBytes = rawBytes;
  for (let round = 0; round < SHRINK_ROUNDS && hi - lo > 1; round++) {
    const estimate = lo + Math.floor(((hi - lo) * (maxBytes - fits.bytes)) / (hiBytes - fits.bytes));
    const length = Math.min(hi - 1, Math.max(lo + 1, estimate));
    const tried = attempt(length);
    if (tried.bytes <= maxBytes) {
      lo = length;
      fits = tried;
    } else {
      hi = length;
      hiBytes = tried.bytes;
    }
  }
  return fits;
}

const BACKSLASH = 0x5c;

/**
 * Last resort: cut the message bytes, at a UTF-8 boundary and where the format can take it. CEF never ends
 * on a dangling escape; RFC 5424 (and JSON, which is RFC 5424) is cut inside MSG, giving up the
 * structured data first when even that does not fit.
 */
function cutToLimit(message: string, format: Format, maxBytes: number): string {
  if (format === 'cef') return dropDanglingEscape(truncateUtf8(message, maxBytes));
  if (format === 'rfc5424' || format === 'json') {
    const { sdStart, msgStart } = rfc5424Layout(message);
    if (sdStart >= 0 && Buffer.byteLength(message.slice(0, msgStart), 'utf8') > maxBytes) {
      message = `${message.slice(0, sdStart)}-${message.slice(msgStart)}`;
    }
  }
  return truncateUtf8(message, maxBytes);
}

/** An odd run of trailing backslashes ends in an escape without its character: drop that last one. */
function dropDanglingEscape(message: string): string {
  let run = 0;
  while (run < message.length && message.charCodeAt(message.length - 1 - run) === BACKSLASH) run++;
  return run % 2 === 1 ? message.slice(0, -1) : message;
}

/**
 * Where the STRUCTURED-DATA and MSG of an RFC 5424 message start (`msgStart` = the end of the SD, before the
 * space that precedes MSG); sdStart is -1 when the text has no such header.
 */
function rfc5424Layout(message: string): { sdStart: number; msgStart: number } {
  // `<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID ` : six space-separated fields, none with a space.
  let at = 0;
  for (let field = 0; field < 6; field++) {
    at = message.indexOf(' ', at) + 1;
    if (at === 0) return { sdStart: -1, msgStart: message.length };
  }
  const sdStart = at;
  if (message[at] === '-') return { sdStart, msgStart: at + 1 };
  let quoted = false;
  for (; at < message.length; at++) {
    const ch = message[at];
    if (quoted) {
      if (ch === '\\') at++;
      else if (ch === '"') quoted = false;
    } else if (ch === '"') quoted = true;
    else if (ch === ']' && message[at + 1] !== '[') return { sdStart, msgStart: at + 1 };
  }
  return { sdStart, msgStart: message.length };
}

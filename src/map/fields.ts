/**
 * Turns a field list from the mapping (cef.fields, leef.fields, rfc5424.structuredData) into a writer that,
 * per event, returns the format's pairs as one string: values resolved, trimmed if the format wants it, cut to
 * the key's limit before any escaping, empty ones and duplicate keys dropped. The text around a value (key,
 * `=`, a CEF label pair, the separator) depends only on the mapping, so it is built here once, not per event.
 */
import { isIPv4 } from 'node:net';
import type { DetailType, FieldFormat, FieldSpec, Mapping } from './mapping.js';
import { memoLast } from '../memo.js';
import { flatString, truncateChars, trimSpaces } from './text.js';
import { privateTimeParser, timeParser } from './time.js';
import { textOf, type EventView } from './view.js';

/** How one format writes its pairs. */
export interface PairFormat {
  format: FieldFormat;
  /** Maximum length (UTF-16 units) of a key's raw value; undefined = no limit of its own. */
  maxLength(key: string): number | undefined;
  /** Strip leading/trailing spaces from values (CEF drops trailing spaces of the final pair). */
  trim: boolean;
  /** Written between two pairs. */
  separator: string;
  /** The fixed text before and after a value of `key` (labelled, in CEF). */
  around(key: string, label: string | undefined): { before: string; after: string };
  escape(value: string): string;
}

/** The pairs of one event, joined; '' when there are none. */
export type FieldWriter = (view: EventView) => string;

type Getter = (view: EventView) => string | undefined;

/** Computed sources; any other `from` reads the event's own top-level key. */
const COMPUTED: Record<string, Getter> = {
  eventId: (v) => v.eventId,
  name: (v) => v.displayName,
  event: (v) => v.eventName || undefined,
  category: (v) => v.category || undefined,
  severity: (v) => v.severityName,
  cefCategory: (v) => v.cefCategory || undefined,
  leefCategory: (v) => v.leefCategory || undefined,
  syslogSeverity: (v) => String(v.syslogSeverity),
  cefSeverity: (v) => String(v.cefSeverity),
  leefSeverity: (v) => String(v.leefSeverity),
  enterpriseName: (v) => v.enterpriseName,
  detail: (v) => v.detailText,
};

/** Computed sources whose text is always a number's. */
const NUMERIC = new Set(['syslogSeverity', 'cefSeverity', 'leefSeverity']);

/** Every character `String(number)` can write (digits, sign, point, exponent, `Infinity`, `NaN`). */
const NUMBER_CHARACTERS = '0123456789+-.eEInfinityNaN';
/** Every character of a value that passed the ipv4 or mac check. */
const TYPE_CHARACTERS: Record<DetailType, string | undefined> = { ipv4: '0123456789.', mac: '0123456789abcdefABCDEF:-', string: undefined };

/**
 * The VCO's own event keys, read by name. The generic reader is one function for every key, so its
 * `event[key]` sees many keys and V8 makes it a slow megamorphic lookup; a named read here sees one.
 */
const VCO_KEYS: Record<string, Getter> = {
  id: (v) => textOf(v.event.id),
  logicalId: (v) => textOf(v.event.logicalId),
  eventTime: (v) => textOf(v.event.eventTime),
  created: (v) => textOf(v.event.created),
  message: (v) => textOf(v.event.message),
  enterpriseUsername: (v) => textOf(v.event.enterpriseUsername),
  edgeName: (v) => textOf(v.event.edgeName),
  segmentName: (v) => textOf(v.event.segmentName),
};

/**
 * The VCO's time keys as they are, read by name (for `as: epochMs`). Kept apart from VCO_KEYS, whose text
 * getters each read their key themselves rather than through a shared raw reader's one call site.
 */
const VCO_TIMES: Record<string, (v: EventView) => unknown> = {
  eventTime: (v) => v.event.eventTime,
  created: (v) => v.event.created,
};

/** Any event key's own value (events come from JSON.parse: only a name Object.prototype has can be inherited). */
function ownValue(key: string): (v: EventView) => unknown {
  return key in Object.prototype ? (v) => (Object.hasOwn(v.event, key) ? v.event[key] : undefined) : (v) => v.event[key];
}

function getterFor(spec: FieldSpec): { get: Getter; numeric: boolean } {
  const from = spec.from;
  const computed = Object.hasOwn(COMPUTED, from);
  const own = ownValue(from);
  const base: Getter = computed ? COMPUTED[from]! : Object.hasOwn(VCO_KEYS, from) ? VCO_KEYS[from]! : (v) => textOf(own(v));
  if (spec.as !== 'epochMs') return { get: base, numeric: computed && NUMERIC.has(from) };
  const epochText = memoLast((ms: number | undefined): string | undefined => (ms === undefined ? undefined : String(ms)));
  if (computed) {
    const parse = privateTimeParser();
    return { get: (v) => epochText(parse(base(v))), numeric: true };
  }
  // An event key's own value, parsed by the parser the header uses for it (shared, with its memo): `rt` and
  // the header then tell the same instant even for a time sent as a JSON number.
  const parse = timeParser(from);
  const raw = Object.hasOwn(VCO_TIMES, from) ? VCO_TIMES[from]! : own;
  return { get: (v) => epochText(parse(raw(v))), numeric: true };
}

const MAC = /^[0-9A-Fa-f]{2}([:-][0-9A-Fa-f]{2}){5}$/;

function fitsType(type: DetailType, value: string): boolean {
  if (type === 'ipv4') return isIPv4(value);
  if (type === 'mac') return MAC.test(value);
  return true;
}

/** Where a key's value goes: its fixed text (before the value as the first pair and as a later one, after it) and its cut. */
interface Placement {
  key: string;
  first: string;
  next: string;
  after: string;
  limit: number | undefined;
  /** Set when another step or a detail lift can fill the same key: the last event that wrote the key. */
  written: { event: number } | undefined;
  /** Values here are made of characters the format neither escapes nor trims: both are skipped. */
  plain: boolean;
}

/**
 * Steps and lifts are class instances, not spread literals: the writers of every format then pass objects of
 * the same two shapes through the same code, and V8's property loads there stay polymorphic at worst. Spread
 * literals gave every mapping its own shapes, and those loads went megamorphic (a hash lookup per read:
 * about 6 % of the forward's CPU time).
 */
abstract class Target implements Placement {
  readonly key: string;
  readonly first: string;
  readonly next: string;
  readonly after: string;
  readonly limit: number | undefined;
  readonly written: { event: number } | undefined;
  readonly plain: boolean;
  constructor(at: Placement) {
    this.key = at.key;
    this.first = at.first;
    this.next = at.next;
    this.after = at.after;
    this.limit = at.limit;
    this.written = at.written;
    this.plain = at.plain;
  }
}

/** A field of the mapping's list: a value, the detail's rest, or where the lifted detail keys go. */
class Step extends Target {
  constructor(
    at: Placement,
    readonly kind: 'value' | 'rest' | 'lifts',
    readonly get: Getter,
    readonly omitIfTooLong: boolean,
  ) {
    super(at);
  }
}

/** A detail key the mapping lifts into this format's field `key`. */
class Lift extends Target {
  constructor(
    at: Placement,
    readonly detailKey: string,
    readonly type: DetailType,
  ) {
    super(at);
  }
}

const NOTHING_LIFTED: readonly string[] = [];
const NOWHERE: Placement = { key: '', first: '', next: '', after: '', limit: undefined, written: undefined, plain: false };
const NO_VALUE: Getter = () => undefined;

export function compileFields(specs: readonly FieldSpec[], format: PairFormat, mapping: Mapping): FieldWriter {
  const liftable = [...mapping.detail].filter(([, lift]) => lift[format.format] !== undefined);
  // Keys that more than one source can fill; only those pay for the duplicate check.
  const sources = new Map<string, number>();
  const count = (key: string): void => void sources.set(key, (sources.get(key) ?? 0) + 1);
  for (const spec of specs) if (spec.key !== undefined) count(spec.key);
  for (const [, lift] of liftable) count(lift[format.format]!);

  const written = new Map<string, { event: number }>();
  for (const [key, n] of sources) if (n > 1) written.set(key, { event: 0 });
  const untouched = (characters: string | undefined): boolean =>
    characters !== undefined && [...characters].every((c) => format.escape(c) === c && c.trim() === c);
  const numbersUntouched = untouched(NUMBER_CHARACTERS);

  const place = (key: string, label: string | undefined, plain: boolean): Placement => {
    const { before, after } = format.around(key, label);
    return { key, first: flatString(before), next: flatString(`${format.separator}${before}`), after: flatString(after), limit: format.maxLength(key), written: written.get(key), plain };
  };
  const lifts = liftable.map(([detailKey, lift]) => {
    const at = place(lift[format.format]!, format.format === 'cef' ? lift.cefLabel : undefined, untouched(TYPE_CHARACTERS[lift.type]));
    return new Lift(at, detailKey, lift.type);
  });
  const steps = specs.map((spec): Step => {
    if (spec.from === 'detailFields') return new Step(NOWHERE, 'lifts', NO_VALUE, false);
    const kind = spec.from === 'detailRest' ? 'rest' : 'value';
    const { get, numeric } = getterFor(spec);
    // The rest is the detail's own text whatever `as` says: only a value step can be a number's text.
    const at = place(spec.key!, spec.label, kind === 'value' && numeric && numbersUntouched);
    return new Step(at, kind, get, spec.ifTooLong === 'omit');
  });

  /** The value as it goes out, or undefined when it must be left out. */
  const fit = (raw: string | undefined, to: Target, omitIfTooLong: boolean): string | undefined => {
    if (raw === undefined) return undefined;
    const limit = to.limit;
    let value = format.trim && !to.plain ? trimSpaces(raw) : raw;
    if (limit !== undefined && value.length > limit) {
      if (omitIfTooLong) return undefined;
      value = truncateChars(value, limit);
      if (format.trim) value = trimSpaces(value);
    }
    return value === '' ? undefined : value;
  };

  // Shared by every call (a writer is synchronous and never re-entered). A key's `written` holds the last event
  // that wrote it, so nothing has to be cleared between events.
  let eventNumber = 0;
  let out = '';
  const write = (to: Target, value: string | undefined): boolean => {
    if (value === undefined) return false;
    const written = to.written;
    if (written !== undefined) {
      if (written.event === eventNumber) return false;
      written.event = eventNumber;
    }
    out += (out === '' ? to.first : to.next) + (to.plain ? value : format.escape(value)) + to.after;
    return true;
  };

  return (view) => {
    eventNumber++;
    out = '';
    let lifted: string[] | undefined;
    for (const step of steps) {
      if (step.kind === 'value') write(step, fit(step.get(view), step, step.omitIfTooLong));
      else if (step.kind === 'rest') write(step, fit(view.detailRest(lifted ?? NOTHING_LIFTED), step, step.omitIfTooLong));
      else {
        const detail = view.detailObject;
        if (detail === undefined) continue;
        for (const lift of lifts) {
          // Object.hasOwn first: details come in many shapes, and a direct read of an absent key costs more.
          if (!Object.hasOwn(detail, lift.detailKey)) continue;
          const raw = detail[lift.detailKey];
          if (typeof raw !== 'string' && typeof raw !== 'number') continue;
          const value = String(raw);
          // A key already filled by the event's own fields wins; the detail key then stays in the rest.
          if (value !== '' && fitsType(lift.type, value) && write(lift, fit(value, lift, false))) (lifted ??= []).push(lift.detailKey);
        }
      }
    }
    return out;
  };
}

/**
 * Turns a field list from the mapping (cef.fields, leef.fields, rfc5424.structuredData) into a writer that,
 * per event, returns the format's pairs as one string: values resolved, trimmed if the format wants it, cut to
 * the key's limit before any escaping, empty ones and duplicate keys dropped. The text around a value (key,
 * `=`, a CEF label pair, the separator) depends only on the mapping, so it is built here once, not per event.
 */
import { isIPv4 } from 'node:net';
import type { DetailType, FieldFormat, FieldSpec, Mapping } from './mapping.js';
import { memoLast } from '../memo.js';
import { truncateChars, trimSpaces } from './text.js';
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

function getterFor(spec: FieldSpec): Getter {
  const from = spec.from;
  const computed = Object.hasOwn(COMPUTED, from);
  // Events come from JSON.parse: only a name that Object.prototype has can be inherited, and only it needs the check.
  const inheritable = from in Object.prototype;
  const own: Getter = inheritable ? (v) => (Object.hasOwn(v.event, from) ? textOf(v.event[from]) : undefined) : (v) => textOf(v.event[from]);
  const base: Getter = computed ? COMPUTED[from]! : own;
  if (spec.as !== 'epochMs') return base;
  // The parser of an event key is shared with the header's; the text is memoised as well.
  const parse = computed ? privateTimeParser() : timeParser(from);
  const epochText = memoLast((text: string | undefined): string | undefined => {
    const ms = parse(text);
    return ms === undefined ? undefined : String(ms);
  });
  return (v) => epochText(base(v));
}

const MAC = /^[0-9A-Fa-f]{2}([:-][0-9A-Fa-f]{2}){5}$/;

function fitsType(type: DetailType, value: string): boolean {
  if (type === 'ipv4') return isIPv4(value);
  if (type === 'mac') return MAC.test(value);
  return true;
}

/** A pair's fixed text: before the value as the first pair and as a later one, and after the value. */
interface PairText {
  first: string;
  next: string;
  after: string;
}

/** Where a key's value goes, and how it is cut. */
interface Target {
  key: string;
  text: PairText;
  limit: number | undefined;
  /** Another step or a detail lift can fill the same key: check that it was not written already. */
  mayRepeat: boolean;
}

interface ValueStep extends Target {
  kind: 'value' | 'rest';
  get: Getter;
  omitIfTooLong: boolean;
}

/** A detail key the mapping lifts into this format's field `key`. */
interface Lift extends Target {
  detailKey: string;
  type: DetailType;
}

type Step = ValueStep | { kind: 'lift' };

const NOTHING_LIFTED: readonly string[] = [];

export function compileFields(specs: readonly FieldSpec[], format: PairFormat, mapping: Mapping): FieldWriter {
  const liftable = [...mapping.detail].filter(([, lift]) => lift[format.format] !== undefined);
  // Keys that more than one source can fill; only those pay for the duplicate check.
  const sources = new Map<string, number>();
  const count = (key: string): void => void sources.set(key, (sources.get(key) ?? 0) + 1);
  for (const spec of specs) if (spec.key !== undefined) count(spec.key);
  for (const [, lift] of liftable) count(lift[format.format]!);

  const target = (key: string, label: string | undefined): Target => {
    const { before, after } = format.around(key, label);
    return { key, text: { first: before, next: `${format.separator}${before}`, after }, limit: format.maxLength(key), mayRepeat: sources.get(key)! > 1 };
  };
  const lifts: Lift[] = liftable.map(([detailKey, lift]) => ({
    ...target(lift[format.format]!, format.format === 'cef' ? lift.cefLabel : undefined),
    detailKey,
    type: lift.type,
  }));
  const steps: Step[] = specs.map((spec): Step => {
    if (spec.from === 'detailFields') return { kind: 'lift' };
    return {
      ...target(spec.key!, spec.label),
      kind: spec.from === 'detailRest' ? 'rest' : 'value',
      get: getterFor(spec),
      omitIfTooLong: spec.ifTooLong === 'omit',
    };
  });

  /** The value as it goes out, or undefined when it must be left out. */
  const fit = (raw: string | undefined, limit: number | undefined, omitIfTooLong: boolean): string | undefined => {
    if (raw === undefined) return undefined;
    let value = format.trim ? trimSpaces(raw) : raw;
    if (limit !== undefined && value.length > limit) {
      if (omitIfTooLong) return undefined;
      value = truncateChars(value, limit);
      if (format.trim) value = trimSpaces(value);
    }
    return value === '' ? undefined : value;
  };

  // Shared by every call (a writer is synchronous and never re-entered). `writtenIn` maps a key to the last
  // event that wrote it, so no set has to be cleared between events.
  const writtenIn = new Map<string, number>();
  let eventNumber = 0;
  let out = '';
  const write = (to: Target, value: string | undefined): boolean => {
    if (value === undefined) return false;
    if (to.mayRepeat) {
      if (writtenIn.get(to.key) === eventNumber) return false;
      writtenIn.set(to.key, eventNumber);
    }
    out += (out === '' ? to.text.first : to.text.next) + format.escape(value) + to.text.after;
    return true;
  };

  return (view) => {
    eventNumber++;
    out = '';
    let lifted: string[] | undefined;
    for (const step of steps) {
      if (step.kind === 'value') write(step, fit(step.get(view), step.limit, step.omitIfTooLong));
      else if (step.kind === 'rest') write(step, fit(view.detailRest(lifted ?? NOTHING_LIFTED), step.limit, step.omitIfTooLong));
      else {
        const detail = view.detailObject;
        if (detail === undefined) continue;
        for (const lift of lifts) {
          if (!Object.hasOwn(detail, lift.detailKey)) continue;
          const raw = detail[lift.detailKey];
          if (typeof raw !== 'string' && typeof raw !== 'number') continue;
          const value = String(raw);
          // A key already filled by the event's own fields wins; the detail key then stays in the rest.
          if (value !== '' && fitsType(lift.type, value) && write(lift, fit(value, lift.limit, false))) (lifted ??= []).push(lift.detailKey);
        }
      }
    }
    return out;
  };
}

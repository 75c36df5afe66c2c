/**
 * Turns a field list from the mapping (cef.fields, leef.fields, rfc5424.structuredData) into a runner
 * that, per event, produces the (key, value, label) pairs in order: values resolved, trimmed if the
 * format wants it, cut to the key's limit before any escaping, empty ones and duplicate keys dropped.
 */
import type { FieldFormat, FieldSpec, Mapping } from './mapping.js';
import { memoLast } from '../memo.js';
import { truncateChars, trimSpaces } from './text.js';
import { privateTimeParser, timeParser } from './time.js';
import { liftPlan, textOf, type EventView } from './view.js';

export type FieldSink = (key: string, value: string, label: string | undefined) => void;
export type FieldRunner = (view: EventView, sink: FieldSink) => void;

export interface FormatRules {
  format: FieldFormat;
  /** Maximum length (UTF-16 units) of a key's raw value; undefined = no limit of its own. */
  maxLength(key: string): number | undefined;
  /** Strip leading/trailing spaces from values (CEF drops trailing spaces of the final pair). */
  trim: boolean;
}

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
  const base: Getter = computed ? COMPUTED[from]! : (v) => (Object.hasOwn(v.event, from) ? textOf(v.event[from]) : undefined);
  if (spec.as !== 'epochMs') return base;
  // The parser of an event key is shared with the header's; the text is memoised as well.
  const parse = computed ? privateTimeParser() : timeParser(from);
  const epochText = memoLast((text: string | undefined): string | undefined => {
    const ms = parse(text);
    return ms === undefined ? undefined : String(ms);
  });
  return (v) => epochText(base(v));
}

interface Step {
  kind: 'value' | 'lift' | 'rest';
  key: string;
  label: string | undefined;
  get: Getter;
  limit: number | undefined;
  omitIfTooLong: boolean;
  /** Another step or a detail lift can fill the same key: check that it was not emitted already. */
  mayRepeat: boolean;
}

export function compileFields(specs: readonly FieldSpec[], rules: FormatRules, mapping: Mapping): FieldRunner {
  // Keys that more than one source can fill; only those pay for the duplicate check.
  const sources = new Map<string, number>();
  const count = (key: string): void => void sources.set(key, (sources.get(key) ?? 0) + 1);
  for (const spec of specs) if (spec.key !== undefined) count(spec.key);
  for (const lift of liftPlan(mapping, rules.format)) count(lift.key);
  const repeatable = new Set([...sources].filter(([, n]) => n > 1).map(([key]) => key));

  const steps: Step[] = specs.map((spec) => ({
    kind: spec.from === 'detailFields' ? 'lift' : spec.from === 'detailRest' ? 'rest' : 'value',
    key: spec.key ?? '',
    label: spec.label,
    get: getterFor(spec),
    limit: spec.key === undefined ? undefined : rules.maxLength(spec.key),
    omitIfTooLong: spec.ifTooLong === 'omit',
    mayRepeat: spec.key !== undefined && repeatable.has(spec.key),
  }));

  /** The value as it goes out, or undefined when it must be left out. */
  const fit = (raw: string | undefined, limit: number | undefined, omitIfTooLong: boolean): string | undefined => {
    if (raw === undefined) return undefined;
    let value = rules.trim ? trimSpaces(raw) : raw;
    if (limit !== undefined && value.length > limit) {
      if (omitIfTooLong) return undefined;
      value = truncateChars(value, limit);
      if (rules.trim) value = trimSpaces(value);
    }
    return value === '' ? undefined : value;
  };

  // Reused by every call (a runner is synchronous and never re-entered): nothing allocated per event.
  // `emittedIn` maps a key to the last run that emitted it, so no set has to be cleared between events.
  const emittedIn = new Map<string, number>();
  let run = 0;
  const liftedKeys: string[] = [];
  let sink: FieldSink;
  const emit = (key: string, value: string | undefined, label: string | undefined, mayRepeat: boolean): boolean => {
    if (value === undefined) return false;
    if (mayRepeat) {
      if (emittedIn.get(key) === run) return false;
      emittedIn.set(key, run);
    }
    sink(key, value, label);
    return true;
  };

  return (view, eventSink) => {
    sink = eventSink;
    run++;
    liftedKeys.length = 0;
    for (const step of steps) {
      if (step.kind === 'lift') {
        for (const lifted of view.lifted(rules.format)) {
          // A key already filled by the event's own fields wins; the detail key then stays in the rest.
          if (emit(lifted.key, fit(lifted.value, rules.maxLength(lifted.key), false), lifted.label, repeatable.has(lifted.key))) liftedKeys.push(lifted.detailKey);
        }
      } else {
        const raw = step.kind === 'rest' ? view.detailRest(liftedKeys) : step.get(view);
        emit(step.key, fit(raw, step.limit, step.omitIfTooLong), step.label, step.mayRepeat);
      }
    }
  };
}

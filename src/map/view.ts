/**
 * What every encoder needs to know about one event, resolved through the mapping: effective name,
 * severity, category, time and the parsed `detail`. Created once per event; detail parsing is lazy.
 */
import { isIPv4 } from 'node:net';
import type { VcoEvent } from '../event.js';
import type { DetailLift, EventEntry, FieldFormat, Mapping, SeverityLevels } from './mapping.js';
import { humanise } from './text.js';
import { timeParser } from './time.js';

export interface EncodeContext { enterpriseName?: string }

/** A detail key lifted into a standard field of one format. */
export interface LiftedField { detailKey: string; key: string; label?: string; value: string }

const parseEventTime = timeParser('eventTime');
const parseCreated = timeParser('created');

const MAC = /^[0-9A-Fa-f]{2}([:-][0-9A-Fa-f]{2}){5}$/;

function fitsType(lift: DetailLift, value: string): boolean {
  if (lift.type === 'ipv4') return isIPv4(value);
  if (lift.type === 'mac') return MAC.test(value);
  return true;
}

const OPEN_BRACE = 0x7b;

/** Whether the first character after JSON whitespace is `{` (anything else cannot parse as an object). */
function startsLikeObject(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code !== 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0d) return code === OPEN_BRACE;
  }
  return false;
}

/** Scalar event values as text; objects as JSON; null, undefined and '' as absent. */
export function textOf(value: unknown): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  return JSON.stringify(value);
}

interface LiftStep { detailKey: string; key: string; label: string | undefined; lift: DetailLift }

const liftPlans = new WeakMap<Mapping, Map<FieldFormat, LiftStep[]>>();

/** The mapping's detail lifts that target `format`, worked out once per mapping (not per event). */
export function liftPlan(mapping: Mapping, format: FieldFormat): readonly LiftStep[] {
  let byFormat = liftPlans.get(mapping);
  if (byFormat === undefined) liftPlans.set(mapping, (byFormat = new Map()));
  let plan = byFormat.get(format);
  if (plan === undefined) {
    plan = [];
    for (const [detailKey, lift] of mapping.detail) {
      const key = lift[format];
      if (key !== undefined) plan.push({ detailKey, key, label: format === 'cef' ? lift.cefLabel : undefined, lift });
    }
    byFormat.set(format, plan);
  }
  return plan;
}

export class EventView {
  readonly eventName: string;
  readonly entry: EventEntry | undefined;
  readonly severityName: string;
  readonly levels: SeverityLevels;
  readonly category: string;
  private detailParsed = false;
  private detailObj: Record<string, unknown> | undefined;

  constructor(
    readonly event: VcoEvent,
    readonly mapping: Mapping,
    readonly context: EncodeContext | undefined,
  ) {
    this.eventName = typeof event.event === 'string' ? event.event : '';
    this.entry = mapping.events.get(this.eventName);
    const own = typeof event.severity === 'string' && mapping.severities.has(event.severity) ? event.severity : undefined;
    this.severityName = this.entry?.severity ?? own ?? this.entry?.defaultSeverity ?? mapping.defaultSeverity;
    this.levels = mapping.severities.get(this.severityName)!;
    this.category = typeof event.category === 'string' && event.category !== '' ? event.category : (this.entry?.defaultCategory ?? '');
  }

  get syslogSeverity(): number { return this.entry?.syslogSeverity ?? this.levels.syslog; }
  get cefSeverity(): number { return this.entry?.cefSeverity ?? this.levels.cef; }
  get leefSeverity(): number { return this.entry?.leefSeverity ?? this.levels.leef; }
  get cefCategory(): string { return this.entry?.cefCategory ?? this.mapping.categories.get(this.category)?.cef ?? this.category; }
  get leefCategory(): string { return this.entry?.leefCategory ?? this.mapping.categories.get(this.category)?.leef ?? this.category; }

  /** Human-readable name: the mapping's, else the humanised event name, else 'Unknown event'. */
  get displayName(): string {
    return this.entry?.name ?? (humanise(this.eventName) || 'Unknown event');
  }

  /** The numeric id, else the logicalId (newer VCOs send only a UUID). */
  get eventId(): string | undefined {
    return typeof this.event.id === 'number' && Number.isFinite(this.event.id) ? String(this.event.id) : textOf(this.event.logicalId);
  }

  get enterpriseName(): string | undefined {
    return textOf(this.event.enterpriseName) ?? textOf(this.context?.enterpriseName);
  }

  /** Header time: eventTime, else `created`; undefined when neither parses (each encoder documents its fallback). */
  get timeMs(): number | undefined {
    return parseEventTime(this.event.eventTime) ?? parseCreated(this.event.created);
  }

  /** The raw detail text, whatever it holds (JSON object, array, plain text). */
  get detailText(): string | undefined {
    return textOf(this.event.detail);
  }

  /** The detail as a JSON object, or undefined when it is anything else (array, text, invalid JSON, null). */
  get detailObject(): Record<string, unknown> | undefined {
    if (!this.detailParsed) {
      this.detailParsed = true;
      const text = this.detailText;
      // Cheap pre-check: only text that looks like an object is worth a JSON.parse.
      if (text !== undefined && startsLikeObject(text)) {
        try {
          const parsed: unknown = JSON.parse(text);
          if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) this.detailObj = parsed as Record<string, unknown>;
        } catch {
          // Not JSON: it travels as text.
        }
      }
    }
    return this.detailObj;
  }

  /** Detail keys the mapping lifts into `format`'s standard fields, in mapping order, with valid values. */
  lifted(format: FieldFormat): LiftedField[] {
    const obj = this.detailObject;
    if (obj === undefined) return [];
    const out: LiftedField[] = [];
    for (const { detailKey, key, label, lift } of liftPlan(this.mapping, format)) {
      if (!Object.hasOwn(obj, detailKey)) continue;
      const raw = obj[detailKey];
      if (typeof raw !== 'string' && typeof raw !== 'number') continue;
      const value = String(raw);
      if (value === '' || !fitsType(lift, value)) continue;
      out.push(label !== undefined ? { detailKey, key, label, value } : { detailKey, key, value });
    }
    return out;
  }

  /**
   * The detail minus the keys that were lifted: the original text when nothing was lifted (or it is
   * not an object), compact JSON of the remaining keys otherwise, undefined when nothing remains.
   */
  detailRest(liftedKeys: readonly string[]): string | undefined {
    const obj = this.detailObject;
    if (obj === undefined || liftedKeys.length === 0) return this.detailText;
    // Written member by member: the same text as JSON.stringify of a copy without the lifted keys (values
    // come from JSON.parse, so none is undefined or has toJSON), without building that copy.
    let rest = '';
    for (const key of Object.keys(obj)) {
      if (liftedKeys.includes(key)) continue;
      rest += `${rest === '' ? '{' : ','}${JSON.stringify(key)}:${JSON.stringify(obj[key])}`;
    }
    return rest === '' ? undefined : `${rest}}`;
  }
}

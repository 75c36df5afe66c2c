/**
 * What every encoder needs to know about one event, resolved through the mapping: effective name,
 * severity, category, time and the parsed `detail`. Created once per event; detail parsing is lazy.
 */
import type { VcoEvent } from '../event.js';
import { objectWithout } from '../json-text.js';
import type { EventEntry, Mapping, SeverityLevels } from './mapping.js';
import { humanise } from './text.js';
import { timeParser } from './time.js';

export interface EncodeContext { enterpriseName?: string }

const parseEventTime = timeParser('eventTime');
const parseCreated = timeParser('created');

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

  /**
   * The detail minus the keys that were lifted: the original text when nothing was lifted (or it is not an
   * object), else the other members exactly as the VCO wrote them (so large integers, number forms and
   * escapes pass unchanged), undefined when nothing remains.
   */
  detailRest(liftedKeys: readonly string[]): string | undefined {
    const text = this.detailText;
    if (this.detailObject === undefined || liftedKeys.length === 0 || text === undefined) return text;
    return objectWithout(text, liftedKeys);
  }
}

import { createHash } from 'node:crypto';

/** A JSON object (not null, not an array): the shape every API reply and event is checked for. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * One event as `event/getEnterpriseEvents` returns it. Every field is optional in practice:
 * newer VCOs send `logicalId` instead of `id`, and a malformed event must still be forwarded.
 * The object is stored exactly as received, so unknown keys are kept.
 */
export interface VcoEvent {
  id?: number;
  logicalId?: string;
  eventTime?: string;
  event?: string;
  category?: string;
  severity?: string;
  message?: string;
  /** JSON text (object or array), plain text, or null. Parse only behind a guard. */
  detail?: string | null;
  enterpriseUsername?: string | null;
  edgeName?: string | null;
  segmentName?: string | null;
  created?: string;
  enterpriseName?: string;
  [key: string]: unknown;
}

/** Enterprise the events belong to, as discovered from the VCO. */
export interface Enterprise {
  id: number;
  name: string;
  logicalId?: string;
}

/**
 * Stable identity of an event for de-duplication: the numeric id when present,
 * else the logicalId, else a hash of the canonical JSON (sorted keys).
 */
export function eventKey(event: VcoEvent): string {
  if (typeof event.id === 'number' && Number.isFinite(event.id)) return `id:${event.id}`;
  if (typeof event.logicalId === 'string' && event.logicalId !== '') return `lid:${event.logicalId}`;
  return `h:${createHash('sha256').update(canonicalJson(event)).digest('base64url').slice(0, 32)}`;
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.keys(value as Record<string, unknown>)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** Epoch milliseconds of `eventTime`, or undefined when absent or unparseable. Naive times are UTC. */
export function eventTimeMs(event: VcoEvent): number | undefined {
  return parseVcoTime(event.eventTime);
}

/** Parse a VCO datetime (RFC 3339, naive ISO = UTC, or epoch ms). */
export function parseVcoTime(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value !== 'string' || value === '') return undefined;
  if (/^\d{10,13}$/.test(value)) return Number(value);
  const hasZone = /(Z|[+-]\d{2}:?\d{2})$/i.test(value);
  // JavaScript keeps 3 fraction digits at most; VCO sends up to 6.
  const trimmed = value.replace(/(\.\d{3})\d+/, '$1');
  const ms = Date.parse(hasZone ? trimmed : `${trimmed}Z`);
  return Number.isNaN(ms) ? undefined : ms;
}

/** `YYYY-MM-DDTHH:MM:SS.sssZ`, the form of every eventTime the VCO writes (24 characters). */
export const VCO_TIME_FORM = String.raw`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z`;
const VCO_TIME = new RegExp(`^${VCO_TIME_FORM}$`);

/**
 * parseVcoTime, quicker for the VCO's own form: the date is parsed once per day and the time of day added
 * (Date.parse of that form is exactly that for hours 00-23). Anything else goes to parseVcoTime.
 */
export function vcoTimeParser(): (value: unknown) => number | undefined {
  let day = '';
  let dayMs = Number.NaN;
  const digits = (text: string, from: number, count: number): number => {
    let n = 0;
    for (let i = from; i < from + count; i++) n = n * 10 + text.charCodeAt(i) - 0x30;
    return n;
  };
  return (value) => {
    if (typeof value !== 'string' || !VCO_TIME.test(value)) return parseVcoTime(value);
    if (day === '' || !value.startsWith(day)) {
      day = value.slice(0, 10);
      dayMs = Date.parse(`${day}T00:00:00.000Z`);
    }
    const hours = digits(value, 11, 2);
    const minutes = digits(value, 14, 2);
    const seconds = digits(value, 17, 2);
    if (Number.isNaN(dayMs) || hours > 23 || minutes > 59 || seconds > 59) return parseVcoTime(value);
    return dayMs + ((hours * 60 + minutes) * 60 + seconds) * 1000 + digits(value, 20, 3);
  };
}

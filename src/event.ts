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

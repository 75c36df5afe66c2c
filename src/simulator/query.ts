/** Validation of `event/getEnterpriseEvents` params into a query: interval, limit, filter.rules, edgeId. */
import type { VcoEvent } from '../event.js';
import { isRecord, parseVcoTime } from '../event.js';
import { invalidParam } from './api-error.js';

export const MAX_LIMIT = 2048;
const DEFAULT_WINDOW_MS = 12 * 3600 * 1000;

export type EventPredicate = (event: VcoEvent) => boolean;

export interface EventQuery {
  enterpriseId?: number;
  /** Both bounds inclusive. */
  startMs: number;
  endMs: number;
  limit: number;
  /** Absent when every event matches (no filter.rules): then a page needs only the events' JSON text. */
  matches?: EventPredicate;
  edgeIds?: number[];
}

/** Epoch ms, or the datetime strings VCO clients send: RFC 3339, naive ISO (UTC), 0-6 fraction digits, offsets. */
const DATETIME = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:?\d{2})?$/i;

export function parseDatetime(value: unknown, path: string): number {
  const ok = typeof value === 'number' ? Number.isFinite(value) : typeof value === 'string' && (/^\d{13}$/.test(value) || DATETIME.test(value));
  const ms = ok ? parseVcoTime(typeof value === 'string' ? value.replace(' ', 'T') : value) : undefined;
  if (ms === undefined) throw invalidParam(path, `${path} must be epoch milliseconds or an RFC 3339 datetime`);
  return ms;
}

/** Optional positive integer id (enterpriseId and friends). */
export function optionalId(params: Record<string, unknown>, key: string): number | undefined {
  const value = params[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) throw invalidParam(key, `${key} must be a positive integer`);
  return value;
}

export function parseEventsParams(params: Record<string, unknown>, nowMs: number): EventQuery {
  const query: EventQuery = { startMs: nowMs - DEFAULT_WINDOW_MS, endMs: nowMs, limit: MAX_LIMIT };
  const enterpriseId = optionalId(params, 'enterpriseId');
  if (enterpriseId !== undefined) query.enterpriseId = enterpriseId;

  const interval = params['interval'];
  if (interval !== undefined) {
    if (!isRecord(interval)) throw invalidParam('interval', 'interval must be an object');
    if (interval['start'] === undefined) throw invalidParam('interval.start', 'interval.start is required');
    query.startMs = parseDatetime(interval['start'], 'interval.start');
    if (interval['end'] !== undefined && interval['end'] !== null) query.endMs = parseDatetime(interval['end'], 'interval.end');
  }

  const filter = params['filter'];
  if (filter !== undefined) {
    if (!isRecord(filter)) throw invalidParam('filter', 'filter must be an object');
    if (filter['limit'] !== undefined) {
      const limit = filter['limit'];
      if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1) throw invalidParam('filter.limit', 'filter.limit must be a positive integer');
      query.limit = Math.min(limit, MAX_LIMIT);
    }
    if (filter['rules'] !== undefined) query.matches = parseRules(filter['rules']);
  }

  const edgeId = params['edgeId'];
  if (edgeId !== undefined) {
    if (!Array.isArray(edgeId) || !edgeId.every((id) => Number.isInteger(id))) throw invalidParam('edgeId', 'edgeId must be an array of integers');
    query.edgeIds = edgeId as number[];
  }
  return query;
}

/** Rule field -> event key. */
const FIELDS: Record<string, keyof VcoEvent> = {
  event: 'event',
  severity: 'severity',
  category: 'category',
  edgeName: 'edgeName',
  user: 'enterpriseUsername',
  enterpriseUsername: 'enterpriseUsername',
  message: 'message',
  detail: 'detail',
  segmentName: 'segmentName',
};

type Test = (value: string | null, values: string[]) => boolean;
const any = (check: (v: string, w: string) => boolean): Test => (value, values) => value !== null && values.some((w) => check(value, w));

const POSITIVE_OPS: Record<string, Test> = {
  is: (value, values) => value !== null && values.includes(value),
  isNull: (value) => value === null || value === '',
  startsWith: any((v, w) => v.startsWith(w)),
  endsWith: any((v, w) => v.endsWith(w)),
  contains: any((v, w) => v.includes(w)),
  greaterOrEquals: any((v, w) => v >= w),
  lesserOrEquals: any((v, w) => v <= w),
};
const NEGATED_OPS: Record<string, string> = {
  isNot: 'is',
  'is not': 'is',
  notIn: 'is',
  isNotNull: 'isNull',
  notStartsWith: 'startsWith',
  notEndsWith: 'endsWith',
  notContains: 'contains',
};

function opTest(op: string): Test | undefined {
  if (op === 'in') return POSITIVE_OPS['is'];
  const positive = POSITIVE_OPS[op];
  if (positive !== undefined) return positive;
  const negated = NEGATED_OPS[op];
  const base = negated === undefined ? undefined : POSITIVE_OPS[negated];
  return base === undefined ? undefined : (value, values) => !base(value, values);
}

/** All rules must hold (AND); one rule with several values holds when any value does. */
function parseRules(rules: unknown): EventPredicate {
  if (!Array.isArray(rules)) throw invalidParam('filter.rules', 'filter.rules must be an array');
  const checks = rules.map((rule: unknown, n): EventPredicate => {
    const path = `filter.rules[${n}]`;
    if (!isRecord(rule)) throw invalidParam(path, `${path} must be an object`);
    const key = typeof rule['field'] === 'string' ? FIELDS[rule['field']] : undefined;
    if (key === undefined) throw invalidParam(`${path}.field`, `unknown field ${JSON.stringify(rule['field'])}`);
    const test = typeof rule['op'] === 'string' ? opTest(rule['op']) : undefined;
    if (test === undefined) throw invalidParam(`${path}.op`, `unknown op ${JSON.stringify(rule['op'])}`);
    const raw = rule['values'] ?? [];
    const values = typeof raw === 'string' ? [raw] : raw;
    if (!Array.isArray(values) || !values.every((v) => typeof v === 'string')) throw invalidParam(`${path}.values`, `${path}.values must be an array of strings`);
    return (event) => {
      const value = event[key];
      return test(typeof value === 'string' ? value : value === null || value === undefined ? null : String(value), values as string[]);
    };
  });
  return (event) => checks.every((check) => check(event));
}

/**
 * Pages `event/getEnterpriseEvents` over a time window without losing events.
 *
 * The v1 API has no cursor: it returns the newest `limit` events of the window and drops the oldest.
 * While a page is full we move the window end down to the oldest eventTime of the page + 1 ms. That
 * end keeps the oldest timestamp inside the window whether the VCO treats `end` as inclusive or
 * exclusive (events at that time are fetched again: the consumer dedupes), and it always drops at
 * least one event of the page, so every request makes progress.
 * When a full page has nothing to drop (more than `limit` events share one timestamp) the second is
 * split with filter.rules, by severity, then event name, then edge name; what cannot be split further
 * is reported as a warning, never retried forever.
 * That cursor is only sound if the VCO sorts and truncates by eventTime. Real pages are "mostly"
 * sorted (they may go by id or ingest time), so once any page is seen out of eventTime order, every
 * full page from then on is followed by halving its time range until pages are not full: correct in
 * any order. What the cursor already passed over in that window is fetched again the same way. What
 * was seen is kept in a PageOrder that the caller shares between enterprises and saves between runs,
 * so that only a VCO's first full pages ever rely on the cursor unchecked.
 */
import { VcoApiError } from '../errors.js';
import { type VcoEvent, isRecord } from '../event.js';
import { type Logger, silentLogger } from '../log.js';
import type { BodyParser, VcoClient } from './client.js';
import { EventBatch, parseEventsReply } from './event-text.js';

export const EVENTS_METHOD = 'event/getEnterpriseEvents';
/** Largest filter.limit the VCO honours (also its default). */
export const MAX_PAGE_LIMIT = 2048;

export interface FetchStats {
  pages: number;
  /** HTTP requests, retries included. */
  apiCalls: number;
  /** Events received, boundary duplicates included. */
  events: number;
  splits: number;
  warnings: string[];
}

/** What is known of a VCO's page order; shared by the fetches of a run and saved for later runs. */
export interface PageOrder {
  /** Set once a page was seen out of eventTime order: the eventTime cursor could skip events. */
  unordered: boolean;
}

export interface FetchEventsOptions {
  enterpriseId?: number;
  startMs: number;
  endMs: number;
  limit?: number;
  signal?: AbortSignal;
  logger?: Logger;
  stats?: FetchStats;
  /** Updated when a page is out of order; a fresh one (nothing known) when absent. */
  order?: PageOrder;
}

export interface FilterRule {
  field: string;
  op: 'is' | 'notIn' | 'isNull';
  values: string[];
}

/** Event fields used, in this order, to split one overcrowded second into smaller requests. */
const SPLIT_FIELDS = ['severity', 'event', 'edgeName'] as const;
const SECOND_MS = 1000;

export function createFetchStats(): FetchStats {
  return { pages: 0, apiCalls: 0, events: 0, splits: 0, warnings: [] };
}

interface Context {
  client: VcoClient;
  enterpriseId: number | undefined;
  limit: number;
  signal: AbortSignal | undefined;
  logger: Logger;
  stats: FetchStats;
  /** Set once the VCO is seen ignoring filter.rules: splitting cannot help then. */
  rulesIgnored: boolean;
  order: PageOrder;
}

interface Window {
  startMs: number;
  endMs: number;
}

interface Page {
  batch: EventBatch;
  more: boolean;
  full: boolean;
}

/**
 * Every event of [startMs, endMs] (epoch ms), as pages in the order fetched (newest first).
 * The same event may come twice (boundary timestamps, split slices): dedupe downstream.
 */
export async function* fetchEventPages(client: VcoClient, opts: FetchEventsOptions): AsyncGenerator<EventBatch> {
  const ctx: Context = {
    client,
    enterpriseId: opts.enterpriseId,
    limit: clampLimit(opts.limit),
    signal: opts.signal,
    logger: opts.logger ?? silentLogger,
    stats: opts.stats ?? createFetchStats(),
    rulesIgnored: false,
    order: opts.order ?? { unordered: false },
  };
  yield* drain(ctx, { startMs: Math.floor(opts.startMs), endMs: Math.floor(opts.endMs) }, [], 0);
}

function clampLimit(limit: number | undefined): number {
  if (limit === undefined || !Number.isFinite(limit)) return MAX_PAGE_LIMIT;
  return Math.min(MAX_PAGE_LIMIT, Math.max(1, Math.floor(limit)));
}

/** Fetch a window: by the eventTime cursor while the order holds, by halving its full pages once it does not. */
async function* drain(ctx: Context, window: Window, rules: FilterRule[], fieldIndex: number): AsyncGenerator<EventBatch> {
  const movedEndMs = yield* narrow(ctx, window, rules, fieldIndex);
  if (movedEndMs !== undefined && ctx.order.unordered) {
    // The order the cursor trusted does not hold (seen in this window, or by another fetch of the run): the range
    // it passed over may hide events, so it is fetched again, now by halving.
    yield* drain(ctx, { startMs: Math.max(window.startMs, movedEndMs - 1), endMs: window.endMs }, rules, fieldIndex);
  }
}

/**
 * Fetch a window by narrowing its end; overcrowded seconds are handed to splitSecond, and full pages to bisect
 * once the order is known not to hold. Returns the lowest end the cursor moved to (undefined: it never moved).
 */
async function* narrow(ctx: Context, window: Window, rules: FilterRule[], fieldIndex: number): AsyncGenerator<EventBatch, number | undefined> {
  let endMs = window.endMs;
  let movedEndMs: number | undefined;
  while (endMs >= window.startMs) {
    const page = await fetchPage(ctx, { startMs: window.startMs, endMs }, rules);
    const times = page.batch.timesMs.filter((t): t is number => t !== undefined);
    if (!ctx.order.unordered && !isNewestFirst(times)) {
      ctx.order.unordered = true;
      warn(ctx, `the VCO's pages are not sorted by eventTime in ${describeWindow({ startMs: window.startMs, endMs })}: from now on a full page is followed by halving its time range, which costs more calls`);
    }
    yield page.batch;
    if (!page.full || (rules.length > 0 && !honoursRules(ctx, page.batch.events, rules))) return movedEndMs;
    if (times.length === 0) {
      warn(ctx, `a full page of ${page.batch.count} events without eventTime in ${describeWindow({ startMs: window.startMs, endMs })}: cannot page further, older events of that window may be lost`);
      return movedEndMs;
    }
    if (ctx.order.unordered) {
      yield* bisect(ctx, { startMs: window.startMs, endMs }, rules, fieldIndex, page);
      return movedEndMs;
    }
    const oldestMs = Math.min(...times);
    const narrowedEndMs = oldestMs + 1;
    if (narrowedEndMs < endMs && times.some((t) => t > narrowedEndMs)) {
      endMs = movedEndMs = narrowedEndMs;
      continue;
    }
    const secondMs = Math.floor(oldestMs / SECOND_MS) * SECOND_MS;
    if (secondMs - 1 >= endMs) {
      // The VCO returned events later than the end we asked for: going on would repeat this request forever.
      warnOutsideInterval(ctx, { startMs: window.startMs, endMs });
      return movedEndMs;
    }
    // Starting 1 ms early keeps the crowded second even if the VCO treats interval.start as exclusive.
    const crowded = { startMs: Math.max(window.startMs, secondMs - 1), endMs: Math.min(endMs, secondMs + SECOND_MS - 1) };
    yield* splitSecond(ctx, crowded, rules, fieldIndex, page);
    endMs = movedEndMs = secondMs - 1;
  }
  return movedEndMs;
}

/**
 * Fetch a window whose page was full, from a VCO whose pages are not sorted by eventTime, in two
 * halves, each drained (and halved again while full). A window within one second is split with
 * filter.rules like a crowded second.
 */
async function* bisect(ctx: Context, window: Window, rules: FilterRule[], fieldIndex: number, fullPage: Page): AsyncGenerator<EventBatch> {
  // A VCO that ignores interval would keep every half full: halving down to single seconds would cost thousands of
  // calls. Up to a second beyond either bound is allowed: the halves are cut at x.500, which a VCO may round.
  if (fullPage.batch.timesMs.some((t) => t !== undefined && (t >= window.endMs + SECOND_MS || t <= window.startMs - SECOND_MS))) {
    warnOutsideInterval(ctx, window);
    return;
  }
  const cutMs = halfSecondWithin(window);
  if (cutMs === undefined) {
    yield* splitSecond(ctx, window, rules, fieldIndex, fullPage);
    return;
  }
  // The halves overlap by 1 ms, so they meet whether interval.start and interval.end are inclusive or exclusive.
  yield* drain(ctx, { startMs: cutMs - 1, endMs: window.endMs }, rules, fieldIndex);
  yield* drain(ctx, { startMs: window.startMs, endMs: cutMs }, rules, fieldIndex);
}

/**
 * A cut point (a second + 500 ms: real eventTimes are whole seconds, so no second is fetched twice)
 * near the middle of the window, with both halves [start, cut] and [cut - 1, end] smaller than it.
 */
function halfSecondWithin(window: Window): number | undefined {
  const half = SECOND_MS / 2;
  const toCut = (ms: number, round: (x: number) => number): number => round((ms - half) / SECOND_MS) * SECOND_MS + half;
  const lowest = toCut(window.startMs + 2, Math.ceil);
  const highest = toCut(window.endMs - 1, Math.floor);
  if (lowest > highest) return undefined;
  return Math.min(highest, Math.max(lowest, toCut((window.startMs + window.endMs) / 2, Math.round)));
}

function warnOutsideInterval(ctx: Context, window: Window): void {
  warn(ctx, `the VCO returned events outside the requested interval ${describeWindow(window)}: cannot page further, older events of that window may be lost`);
}

function isNewestFirst(times: number[]): boolean {
  return times.every((t, i) => i === 0 || t <= times[i - 1]);
}

/**
 * Fetch one overcrowded second in slices: one per value of the split field seen in the full page,
 * one for a null field, and one "rest" (notIn the seen values) that is split again by the same field
 * when still full. A slice that is still full is split by the next field.
 */
async function* splitSecond(ctx: Context, window: Window, rules: FilterRule[], fieldIndex: number, fullPage: Page): AsyncGenerator<EventBatch> {
  const field = SPLIT_FIELDS[fieldIndex];
  if (field === undefined || ctx.rulesIgnored) {
    warn(ctx, `more than ${ctx.limit} events in ${describeWindow(window)} match ${describeRules(rules)}: got ${fullPage.batch.count}${fullPage.more ? ', the VCO said there were more; those are lost' : ''}`);
    return;
  }
  const excluded = new Set(rules.filter((r) => r.field === field && r.op === 'notIn').flatMap((r) => r.values));
  const seen = [...new Set(fullPage.batch.events.map((e) => e[field]).filter((v): v is string => typeof v === 'string' && !excluded.has(v)))];
  if (seen.length === 0) {
    yield* splitSecond(ctx, window, rules, fieldIndex + 1, fullPage);
    return;
  }
  ctx.stats.splits += 1;
  ctx.logger.debug('splitting a crowded second', { window: describeWindow(window), field, values: seen.length, rules: describeRules(rules) });
  const firstSplitOfField = !rules.some((r) => r.field === field);
  const slices: { rule: FilterRule; nextField: number }[] = [
    ...seen.map((value) => ({ rule: { field, op: 'is' as const, values: [value] }, nextField: fieldIndex + 1 })),
    ...(firstSplitOfField ? [{ rule: { field, op: 'isNull' as const, values: [] }, nextField: fieldIndex + 1 }] : []),
    { rule: { field, op: 'notIn', values: seen }, nextField: fieldIndex },
  ];
  for (const slice of slices) {
    if (ctx.rulesIgnored) return;
    yield* drain(ctx, window, [...rules, slice.rule], slice.nextField);
  }
}

async function fetchPage(ctx: Context, window: Window, rules: FilterRule[]): Promise<Page> {
  const params = {
    ...(ctx.enterpriseId === undefined ? {} : { enterpriseId: ctx.enterpriseId }),
    interval: { start: window.startMs, end: window.endMs },
    filter: rules.length > 0 ? { limit: ctx.limit, rules } : { limit: ctx.limit },
  };
  const result = await ctx.client.call<unknown>(EVENTS_METHOD, params, ctx.signal, ctx.stats, readEvents);
  if (!isRecord(result) || !(result.data instanceof EventBatch)) {
    throw new VcoApiError(`${EVENTS_METHOD}: expected {"metaData":...,"data":[...]}, got ${describeShape(result)}`, {
      context: { method: EVENTS_METHOD, enterpriseId: ctx.enterpriseId },
    });
  }
  const batch = result.data;
  if (batch.skipped > 0) warn(ctx, `${EVENTS_METHOD} returned ${batch.skipped} data items that are not objects; skipped`);
  if (batch.tooDeep > 0) warn(ctx, `${EVENTS_METHOD} returned ${batch.tooDeep} events nested too deeply to store as JSON; skipped`);
  const more = isRecord(result.metaData) && result.metaData.more === true;
  ctx.stats.pages += 1;
  ctx.stats.events += batch.count;
  return { batch, more, full: more || batch.count + batch.skipped + batch.tooDeep >= ctx.limit };
}

/** The reply's `data` array as an EventBatch (see event-text.ts). */
const readEvents: BodyParser = (body, resultPath) => parseEventsReply(body, [...resultPath, 'data']);

/** False (and remembered) when the VCO returned events that the rules exclude: it ignores filters. */
function honoursRules(ctx: Context, events: VcoEvent[], rules: FilterRule[]): boolean {
  const honoured = events.every((event) => rules.every((rule) => matchesRule(event, rule)));
  if (!honoured && !ctx.rulesIgnored) {
    ctx.rulesIgnored = true;
    warn(ctx, `the VCO ignored filter.rules (${describeRules(rules)}): a second with more than ${ctx.limit} events cannot be fetched completely`);
  }
  return honoured;
}

export function matchesRule(event: VcoEvent, rule: FilterRule): boolean {
  const value = event[rule.field];
  const text = typeof value === 'string' ? value : undefined;
  switch (rule.op) {
    case 'is':
      return text !== undefined && rule.values.includes(text);
    case 'notIn':
      return text === undefined || !rule.values.includes(text);
    case 'isNull':
      // Some servers count '' as null too.
      return value === null || value === undefined || value === '';
  }
}

function warn(ctx: Context, message: string): void {
  const text = `${ctx.enterpriseId === undefined ? '' : `enterprise ${ctx.enterpriseId}: `}${message}`;
  ctx.stats.warnings.push(text);
  ctx.logger.warn(text);
}

function describeWindow(window: Window): string {
  return `[${new Date(window.startMs).toISOString()}, ${new Date(window.endMs).toISOString()}]`;
}

function describeRules(rules: FilterRule[]): string {
  if (rules.length === 0) return 'no filter';
  return rules.map((r) => `${r.field} ${r.op}${r.values.length > 0 ? ` ${JSON.stringify(r.values)}` : ''}`).join(' and ');
}

function describeShape(value: unknown): string {
  if (Array.isArray(value)) return 'an array';
  if (value === null) return 'null';
  if (isRecord(value)) return `an object with keys ${JSON.stringify(Object.keys(value).slice(0, 5))}`;
  return typeof value;
}

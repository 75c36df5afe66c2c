/**
 * One collection run per enterprise: fetch [checkpoint - lookback, now], append the new events oldest first
 * to the enterprise's NDJSON log, then move the checkpoint (never past the VCO's clock: see nextCheckpoint).
 * Commit order makes a crash at any point safe: events are appended and fsynced first, then the id cache (which
 * records the log size it covers), then state.json. A crash before the state is saved leaves the checkpoint where
 * it was, so the window is fetched again, and the id cache is caught up from the log on the next open, so nothing
 * is written twice.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { CancelledError, VcoSiemError, errorMessage } from '../errors.js';
import type { Enterprise } from '../event.js';
import { redact, silentLogger, type Logger } from '../log.js';
import { EventLog } from '../store/event-log.js';
import { REGISTRY_FILE, listEnterpriseDirs, resolveEnterpriseDir } from '../store/paths.js';
import { SeenIds } from '../store/seen-ids.js';
import { Spool } from '../store/spool.js';
import { LOG_FILE, STATE_FILE, initialState, loadState, recoverInterruptedCommit, saveState, type EnterpriseState, type RunSummary } from '../store/state.js';
import type { RequestTally, VcoClient } from './client.js';
import { RunDedupe } from './dedupe.js';
import { createFetchStats, fetchEventPages, type FetchStats, type PageOrder } from './pager.js';

export const SPOOL_FILE = 'collect.spool';
export const DEFAULT_CONCURRENCY = 4;

export interface CollectSummary extends RunSummary {
  enterprise: string;
  enterpriseId: number;
  /** Set when this enterprise failed (collectAll only; collectEnterprise throws). */
  error?: string;
}

export interface CollectProgress {
  enterprise: string;
  pages: number;
  fetched: number;
}

export interface CollectOptions {
  client: VcoClient;
  dataDir: string;
  /** Start of the first window (epoch ms), used while an enterprise has no checkpoint. */
  sinceMs: number;
  /** How far before the checkpoint each window starts again, to catch events that reach the VCO late. */
  lookbackMs: number;
  nowMs?: number;
  /** Event keys remembered per enterprise; must exceed the events of one lookback period. */
  idCacheSize?: number;
  pageLimit?: number;
  logger?: Logger;
  signal?: AbortSignal;
  /** Called after every fetched page (for a progress line on long backfills). */
  onProgress?: (progress: CollectProgress) => void;
  /** Awaited once the enterprise's files are open, right before its first request (e.g. to wait for a fetch place). */
  beforeFetch?: () => Promise<void>;
  /** Called once every page is fetched, before the events are written to the log. */
  onFetched?: () => void;
  /**
   * What is known of the VCO's page order, shared by the enterprises of a run (collectAll makes one). An
   * enterprise whose state says the pages were seen out of order sets it; each saves it in its state.
   */
  pageOrder?: PageOrder;
}

export async function collectEnterprise(opts: CollectOptions & { enterprise: Enterprise }): Promise<CollectSummary> {
  const { enterprise } = opts;
  if (opts.signal?.aborted) throw new CancelledError(`collection of ${enterprise.name} cancelled`, { cause: opts.signal.reason });
  const logger = (opts.logger ?? silentLogger).child({ enterprise: enterprise.name, enterpriseId: enterprise.id });
  const dir = await resolveEnterpriseDir(opts.dataDir, enterprise);
  const spoolPath = join(dir, SPOOL_FILE);
  await rm(spoolPath, { force: true }); // left by a crashed run; its events were never committed
  const { removed: rolledBack, state: saved } = await recoverInterruptedCommit(dir);
  if (rolledBack > 0) logger.warn('removed the events of an interrupted run from the log; they will be fetched again', { bytes: rolledBack });

  const log = await EventLog.open(join(dir, LOG_FILE));
  try {
    if (log.repairedBytes > 0) logger.warn('removed a torn last line from the event log (a crash mid-write); it will be fetched again', { bytes: log.repairedBytes });
    const state = saved ?? initialState(enterprise);
    if (state.enterpriseId !== enterprise.id) {
      // A lost or replaced enterprises.json must never make one enterprise continue another's log.
      throw new VcoSiemError(`${join(dir, STATE_FILE)} belongs to enterprise ${state.enterpriseId} (${state.name}), not ${enterprise.id} (${enterprise.name}): restore ${join(opts.dataDir, REGISTRY_FILE)} or move that directory away`);
    }
    state.name = enterprise.name;
    const pageOrder = opts.pageOrder ?? { unordered: false };
    if (state.pagesUnordered === true) pageOrder.unordered = true;
    const orderSeen = (): Pick<EnterpriseState, 'pagesUnordered'> => (pageOrder.unordered ? { pagesUnordered: true } : {});
    const seen = await SeenIds.load(dir, log, { ...(opts.idCacheSize === undefined ? {} : { max: opts.idCacheSize }), logger });
    const window = collectionWindow(state, opts, logger);
    const startedAt = new Date().toISOString();
    let appendingFrom: number | null = null;
    const beginCommit = async (): Promise<void> => {
      appendingFrom = log.size;
      await saveState(dir, { ...state, appendingFrom, ...orderSeen() });
    };
    try {
      const { summary, checkpointMs } = await fetchAndAppend(opts, enterprise, window, { log, seen, spoolPath, logger, beginCommit, pageOrder });
      await log.sync();
      await seen.save(log.size);
      await saveState(dir, {
        ...state,
        checkpointMs,
        checkpoint: new Date(checkpointMs).toISOString(),
        logSize: log.size,
        lastRun: startedAt,
        lastError: null,
        lastSummary: summary,
        appendingFrom: null,
        ...orderSeen(),
      });
      logger.info('collected', { fetched: summary.fetched, new: summary.new, duplicates: summary.duplicates, pages: summary.pages, apiCalls: summary.apiCalls });
      return { enterprise: enterprise.name, enterpriseId: enterprise.id, ...summary };
    } catch (error) {
      // The checkpoint stays; the id cache is not saved (its keys may name events that never reached the log);
      // appendingFrom stays set, so the next start cuts off whatever this run appended. A shutdown signal is
      // not an error worth reporting in `status`.
      const lastError = error instanceof CancelledError ? state.lastError : redact(errorMessage(error));
      await saveState(dir, { ...state, lastRun: startedAt, lastError, appendingFrom, ...orderSeen() }).catch((saveError: unknown) =>
        logger.warn('could not record the failure in state.json', { error: saveError }),
      );
      throw error;
    }
  } finally {
    await log.close();
  }
}

/**
 * Collect every enterprise, at most `concurrency` fetching from the VCO at a time. An enterprise opens its files
 * before it waits for a fetch place, and one that has all its pages writes them to its log while the next one
 * already fetches (at most `concurrency` more are opening or writing), so the VCO sees `concurrency` enterprises'
 * requests without a pause. One enterprise failing does not stop the
 * others: its summary carries the error and the caller decides the exit code.
 */
export async function collectAll(
  // beforeFetch and onFetched are collectAll's own: they take and give back the fetch places.
  opts: Omit<CollectOptions, 'beforeFetch' | 'onFetched'> & { enterprises: Enterprise[]; concurrency?: number; onEnterpriseDone?: (summary: CollectSummary) => void },
): Promise<CollectSummary[]> {
  // The same enterprise twice would mean two writers on one log.
  const enterprises = [...new Map(opts.enterprises.map((e) => [e.id, e])).values()];
  const concurrency = Math.max(1, opts.concurrency ?? DEFAULT_CONCURRENCY);
  const fetching = new Slots(concurrency);
  const started = new Slots(2 * concurrency); // opening files, fetching, or writing what they fetched
  // Known before any enterprise fetches: one state that saw the VCO's pages out of order protects them all.
  const pageOrder = opts.pageOrder ?? { unordered: await pagesSeenUnordered(opts.dataDir) };
  const collectOne = async (enterprise: Enterprise): Promise<CollectSummary> => {
    await started.take();
    let fetchSlot = false;
    const fetchStart = async (): Promise<void> => {
      await fetching.take();
      fetchSlot = true;
    };
    const fetchDone = (): void => {
      if (fetchSlot) fetching.give();
      fetchSlot = false;
    };
    try {
      return await collectEnterprise({ ...opts, enterprise, beforeFetch: fetchStart, onFetched: fetchDone, pageOrder });
    } catch (error) {
      const logger = opts.logger ?? silentLogger;
      // A shutdown signal is not a failure: the checkpoint simply stays where it was.
      if (error instanceof CancelledError) logger.info('collection stopped by signal', { enterprise: enterprise.name, enterpriseId: enterprise.id });
      else logger.error('collection failed', { enterprise: enterprise.name, enterpriseId: enterprise.id, error });
      return { ...emptySummary(), enterprise: enterprise.name, enterpriseId: enterprise.id, error: redact(errorMessage(error)) };
    } finally {
      fetchDone();
      started.give();
    }
  };
  return Promise.all(
    enterprises.map(async (enterprise) => {
      const summary = await collectOne(enterprise);
      opts.onEnterpriseDone?.(summary);
      return summary;
    }),
  );
}

/** Whether an enterprise's saved state says the VCO's pages were seen out of eventTime order. */
async function pagesSeenUnordered(dataDir: string): Promise<boolean> {
  // An unreadable registry or state is for that enterprise's own collection to report, not for this check.
  for (const { dir } of await listEnterpriseDirs(dataDir).catch(() => [])) {
    if ((await loadState(dir).catch(() => undefined))?.pagesUnordered === true) return true;
  }
  return false;
}

/** A counting semaphore whose waiters are served in order. */
class Slots {
  private readonly waiting: (() => void)[] = [];

  constructor(private free: number) {}

  async take(): Promise<void> {
    if (this.free > 0) {
      this.free--;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  give(): void {
    const next = this.waiting.shift();
    if (next !== undefined) next();
    else this.free++;
  }
}

interface Window {
  startMs: number;
  endMs: number;
  /** The agent's "now" minus Date.now() (0 unless opts.nowMs is given): the agent's clock at a later moment. */
  nowOffsetMs: number;
}

function collectionWindow(state: EnterpriseState, opts: CollectOptions, logger: Logger): Window {
  const realNowMs = Date.now();
  const endMs = opts.nowMs ?? realNowMs;
  const nowOffsetMs = endMs - realNowMs;
  const startMs = state.checkpointMs === null ? opts.sinceMs : state.checkpointMs - opts.lookbackMs;
  if (startMs <= endMs) return { startMs: Math.max(0, startMs), endMs, nowOffsetMs };
  // Only when the clock went back a long way (or --since lies in the future): fetch one lookback period.
  logger.warn('window start is after now; is the clock behind the checkpoint?', { start: new Date(startMs).toISOString(), now: new Date(endMs).toISOString() });
  return { startMs: Math.max(0, endMs - opts.lookbackMs), endMs, nowOffsetMs };
}

/**
 * Where the next window's lookback is measured from: the window end, but never later than the VCO's clock when it
 * first answered (its Date header, less 1 s for the header's resolution). The VCO stamps events with its own clock:
 * with the agent's clock X ahead, a checkpoint at the agent's "now" would start the next window past events the VCO
 * had not yet stamped, shortening the lookback by X (and losing on-time events once X exceeds it). An agent clock
 * behind the VCO needs nothing: the window end is then the earlier of the two. No Date header: the window end.
 */
function nextCheckpoint(window: Window, vcoClock: RequestTally['vcoClock'], lookbackMs: number, logger: Logger): number {
  if (vcoClock === undefined) return window.endMs;
  const agentMs = vcoClock.agentMs + window.nowOffsetMs; // the agent's clock when that reply arrived
  // Beyond the header's 1 s resolution and the request's latency, a difference means a clock is off.
  if (Math.abs(agentMs - vcoClock.vcoMs) > Math.max(lookbackMs / 4, 5_000)) {
    const minutes = ((agentMs - vcoClock.vcoMs) / 60_000).toFixed(1);
    logger.warn(`the agent's clock differs from the VCO's by ${minutes} min (positive: the agent is ahead); checkpoints follow the VCO's clock, but check NTP on the agent's host and the VCO`, {
      agentTime: new Date(agentMs).toISOString(),
      vcoTime: new Date(vcoClock.vcoMs).toISOString(),
    });
  }
  return Math.min(window.endMs, vcoClock.vcoMs - 1000);
}

async function fetchAndAppend(
  opts: CollectOptions,
  enterprise: Enterprise,
  window: Window,
  io: { log: EventLog; seen: SeenIds; spoolPath: string; logger: Logger; beginCommit: () => Promise<void>; pageOrder: PageOrder },
): Promise<{ summary: RunSummary; checkpointMs: number }> {
  const stats: FetchStats & RequestTally = createFetchStats(); // the client records the VCO's clock in it
  let checkpointMs = window.endMs;
  let fetched = 0;
  let added = 0;
  await opts.beforeFetch?.();
  // Checked here, with no wait before the listener below is added: an abort event already sent would be missed.
  if (opts.signal?.aborted) throw new CancelledError(`collection of ${enterprise.name} cancelled`, { cause: opts.signal.reason });
  const spool = Spool.create(io.spoolPath);
  // Also stops the page request made ahead (aheadByOne) when spooling fails, so a failed run ends at once.
  const fetching = new AbortController();
  const stopFetching = (): void => fetching.abort(opts.signal?.reason);
  opts.signal?.addEventListener('abort', stopFetching, { once: true });
  try {
    const pages = fetchEventPages(opts.client, {
      enterpriseId: enterprise.id,
      startMs: window.startMs,
      endMs: window.endMs,
      ...(opts.pageLimit === undefined ? {} : { limit: opts.pageLimit }),
      signal: fetching.signal,
      logger: io.logger,
      stats,
      order: io.pageOrder,
    });
    let pageCount = 0;
    for await (const page of aheadByOne(pages)) {
      await spool.writePage(page);
      fetched += page.count;
      opts.onProgress?.({ enterprise: enterprise.name, pages: ++pageCount, fetched });
    }
    opts.onFetched?.();
    checkpointMs = nextCheckpoint(window, stats.vcoClock, opts.lookbackMs, io.logger);
    const nextOverlapStart = checkpointMs - opts.lookbackMs;
    // The cache ends up holding the last `capacity` distinct keys: it is told the keys of the last capacity + 1/8
    // events offered, room for the repeats among them (a few per page) without churning a long backfill through it.
    const dedupe = new RunDedupe(io.seen, fetched - io.seen.capacity - Math.ceil(io.seen.capacity / 8), nextOverlapStart);
    await io.beginCommit();
    for await (const page of spool.pagesOldestFirst()) {
      const fresh = page.events.filter((event) => dedupe.isNew(event));
      dedupe.pageDone(page.laterFromMs);
      added += fresh.length;
      await io.log.appendBytes(page.linesOf(fresh), { sync: false }); // one fsync before the commit is enough
    }
    if (dedupe.counted > io.seen.capacity) {
      // The next run fetches these again; keys already evicted from the cache would be written twice.
      const warning = `${dedupe.counted} events fall in the lookback period but the id cache keeps only ${io.seen.capacity} keys: raise the id cache size or shorten the lookback, or the next run may write duplicates`;
      stats.warnings.push(warning);
      io.logger.warn(warning);
    }
  } finally {
    fetching.abort();
    opts.signal?.removeEventListener('abort', stopFetching);
    await spool.discard();
  }
  const summary: RunSummary = {
    fetched,
    new: added,
    duplicates: fetched - added,
    pages: stats.pages,
    apiCalls: stats.apiCalls,
    windowStart: new Date(window.startMs).toISOString(),
    windowEnd: new Date(window.endMs).toISOString(),
    warnings: stats.warnings,
  };
  return { summary, checkpointMs };
}

/**
 * The items of `source`, asking for the next one before handing out the current one: the next page's request is
 * in flight (the VCO's latency passing) while the consumer spools this one.
 */
async function* aheadByOne<T>(source: AsyncGenerator<T>): AsyncGenerator<T> {
  const ask = (): Promise<IteratorResult<T>> => {
    const promise = source.next();
    promise.catch(() => undefined); // awaited below; failing before that must not count as unhandled
    return promise;
  };
  let next = ask();
  try {
    for (;;) {
      const result = await next;
      if (result.done) return;
      next = ask();
      yield result.value;
    }
  } finally {
    // Only reached with a request in flight when the consumer failed: close the source once it settles.
    source.return(undefined).catch(() => undefined);
  }
}

function emptySummary(): RunSummary {
  return { fetched: 0, new: 0, duplicates: 0, pages: 0, apiCalls: 0, windowStart: '', windowEnd: '', warnings: [] };
}

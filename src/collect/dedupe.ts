import type { IdKey, SeenIds } from '../store/seen-ids.js';
import type { SpooledEvent } from '../store/spool.js';

/**
 * Decides which events of one run are new, in the order they are appended (the spool's pages, oldest first).
 *
 * Repeats come from two places. Within a run, from the pager's overlaps: a page boundary fetches its boundary
 * millisecond twice, and a crowded second is read again in slices that start 1 ms early, so pages overlap and
 * are not in time order. Across runs, from the look-back window each run fetches again. Pushing every key of a
 * run through the persisted id cache made a long backfill churn hundreds of thousands of keys through it, which
 * showed as tens of MB of garbage; so the two are kept apart:
 * - The id cache is asked about every event, but told only the keys it would still hold at the end of the run:
 *   those of the last events offered (ordinal `rememberFrom` on; an LRU keeps the newest of those), and of
 *   events without a readable eventTime (there is no telling when those come back). The look-back period's
 *   events are the newest, so they are among them (the collector warns when they are more than the cache holds:
 *   `counted` counts them, new or already known).
 * - Repeats within the run are caught by a set of this run's keys that can still come back. A repeat is the
 *   same event with the same eventTime, so it can only come in a page still to be read whose events reach down
 *   to that time: after each page, keys older than every page still to come are dropped.
 */
export class RunDedupe {
  /** Keys offered in this run that a page still to come may hold again, with their time. */
  private readonly inRun = new Map<IdKey, number>();
  private droppedBeforeMs = -Infinity;
  /** Events offered so far. */
  private offered = 0;

  /** Distinct events offered with a time from `countFromMs` on (the next run's look-back period). */
  counted = 0;

  constructor(
    private readonly seen: SeenIds,
    /** Ordinal (in append order, from 0) of the first event whose key the id cache is told. */
    private readonly rememberFrom: number,
    private readonly countFromMs = Infinity,
  ) {}

  /** True the first time an event is offered, unless the id cache knows it from an earlier run. */
  isNew(event: SpooledEvent): boolean {
    const repeatInRun = this.inRun.has(event.key);
    // Held even when the id cache knows it: the cache may evict it before the repeat comes.
    if (!repeatInRun) {
      this.inRun.set(event.key, event.timeMs);
      if (event.dated && event.timeMs >= this.countFromMs) this.counted++;
    }
    const known = repeatInRun || this.seen.has(event.key);
    const ordinal = this.offered++;
    if (!event.dated || ordinal >= this.rememberFrom) this.seen.remember(event.key);
    return !known;
  }

  /** After a page: `laterFromMs` is the smallest time of the pages still to come, so older keys cannot repeat. */
  pageDone(laterFromMs: number): void {
    if (laterFromMs <= this.droppedBeforeMs) return;
    this.droppedBeforeMs = laterFromMs;
    for (const [key, timeMs] of this.inRun) if (timeMs < laterFromMs) this.inRun.delete(key);
  }

  /** Keys held for repeats within the run (for tests: it must stay small on a long backfill). */
  get held(): number {
    return this.inRun.size;
  }
}

/** All events one simulated enterprise holds, and the newest-first query over them. */
import type { VcoEvent } from '../event.js';
import type { EventQuery } from './query.js';
import { ExactEvents, lowerBound, upperBound, type EnterpriseProfile, type EventSource } from './sources.js';

/** The matching events of a query, newest first, as positions in their sources (built only as needed). */
export interface QueryResult {
  picks: { source: EventSource; index: number }[];
  /** More matching events exist than `limit` (the oldest were cut). */
  more: boolean;
}

interface Cursor {
  source: EventSource;
  /** Lowest index still in the window. */
  low: number;
  /** Next index to read (walking down). */
  next: number;
}

export class EnterpriseEvents {
  readonly exact = new ExactEvents();
  private readonly sources: EventSource[] = [this.exact];

  constructor(readonly profile: EnterpriseProfile) {}

  addSource(source: EventSource): void {
    this.sources.push(source);
  }

  get count(): number {
    return this.sources.reduce((sum, s) => sum + s.size, 0);
  }

  /**
   * Newest first by (eventTime, order) descending over every source; builds only the events a filter has to
   * inspect (none without a filter), so a page costs O(page + log n) when the filter matches most events.
   */
  query(q: Pick<EventQuery, 'startMs' | 'endMs' | 'limit' | 'matches' | 'edgeIds'>): QueryResult {
    const cursors: Cursor[] = [];
    for (const source of this.sources) {
      const low = lowerBound(source, q.startMs);
      const next = upperBound(source, q.endMs) - 1;
      if (next >= low) cursors.push({ source, low, next });
    }
    const edgeNames = q.edgeIds === undefined ? undefined : new Set(this.profile.edges.filter((e) => q.edgeIds?.includes(e.id)).map((e) => e.name));
    const picks: QueryResult['picks'] = [];
    for (;;) {
      const cursor = newest(cursors);
      if (cursor === undefined) return { picks, more: false };
      const pick = { source: cursor.source, index: cursor.next };
      cursor.next -= 1;
      if (cursor.next < cursor.low) cursors.splice(cursors.indexOf(cursor), 1);
      if ((q.matches !== undefined || edgeNames !== undefined) && !accepts(pick.source.eventAt(pick.index), q.matches, edgeNames)) continue;
      if (picks.length === q.limit) return { picks, more: true };
      picks.push(pick);
    }
  }
}

function accepts(event: VcoEvent, matches: EventQuery['matches'], edgeNames: Set<string> | undefined): boolean {
  if (edgeNames !== undefined && !(typeof event.edgeName === 'string' && edgeNames.has(event.edgeName))) return false;
  return matches === undefined || matches(event);
}

function newest(cursors: Cursor[]): Cursor | undefined {
  let best: Cursor | undefined;
  let bestTime = -Infinity;
  let bestOrder = -Infinity;
  for (const c of cursors) {
    const time = c.source.timeAt(c.next);
    const order = c.source.orderAt(c.next);
    if (time > bestTime || (time === bestTime && order > bestOrder)) {
      best = c;
      bestTime = time;
      bestOrder = order;
    }
  }
  return best;
}

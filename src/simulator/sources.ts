/**
 * Event sources of one simulated enterprise. A source is a sequence sorted by (eventTime, order)
 * ascending; an index is enough to get an event's time, order and the event itself, so a time-range
 * query is two binary searches and only the events of a page are ever built.
 */
import type { VcoEvent } from '../event.js';
import { parseVcoTime } from '../event.js';
import { pickEntry, type CatalogueEntry, type SimEdge } from './catalogue.js';
import { hashInts, Rng, uuidFrom } from './random.js';

export interface EnterpriseProfile {
  id: number;
  name: string;
  logicalId: string;
  edges: SimEdge[];
  users: string[];
}

export interface EventSource {
  readonly size: number;
  /** Epoch ms of item i; non-decreasing in i. */
  timeAt(i: number): number;
  /** Tie-break between equal times (newest first = larger first); unique per simulator. */
  orderAt(i: number): number;
  eventAt(i: number): VcoEvent;
  /** JSON.stringify(eventAt(i)), from a cache where the source keeps one. */
  textAt(i: number): string;
  /**
   * The texts of items `high` down to `low`, joined by commas, as UTF-8 bytes, when the source keeps them rendered
   * that way (one slice, no work per event); undefined otherwise.
   */
  renderedRun?(high: number, low: number): Buffer | undefined;
}

/** First index whose time is >= ms (size if none). */
export function lowerBound(source: EventSource, ms: number): number {
  let lo = 0;
  let hi = source.size;
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    if (source.timeAt(mid) < ms) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index whose time is > ms (size if none). */
export function upperBound(source: EventSource, ms: number): number {
  let lo = 0;
  let hi = source.size;
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    if (source.timeAt(mid) <= ms) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

const EDGE_SITES = ['hq', 'dc1', 'branch1', 'branch2', 'branch3', 'store-104', 'lab', 'warehouse'];
const USER_NAMES = ['admin', 'netops', 'jane.doe', 'security', 'noc'];

/** Edges and portal users of an enterprise, derived from its id so they are stable. */
export function buildProfile(seed: number, enterprise: { id: number; name: string; logicalId?: string }): EnterpriseProfile {
  const domain = `${enterprise.name.toLowerCase().replace(/[^a-z0-9]+/g, '').slice(0, 20) || `enterprise${enterprise.id}`}.example`;
  const edges = EDGE_SITES.map((site, k): SimEdge => {
    const r = new Rng(hashInts(seed, enterprise.id, k, 0xed9e));
    return {
      id: enterprise.id * 100 + k + 1,
      name: `${site}-vedge`,
      serial: `VMware-${r.hex(8).toUpperCase()}-${r.hex(4).toUpperCase()}`,
      logicalId: r.uuid(),
      mac: r.hex(12).replace(/(..)(?!$)/g, '$1:'),
    };
  });
  return {
    id: enterprise.id,
    name: enterprise.name,
    logicalId: enterprise.logicalId ?? uuidFrom(seed, enterprise.id, 0x1d),
    edges,
    users: USER_NAMES.map((u) => `${u}@${domain}`),
  };
}

export type IdStyle = 'numeric' | 'logicalId';

/** Seconds are shared by groups of this many consecutive events, so page boundaries fall inside a second. */
const EVENTS_PER_SECOND_GROUP = 3;

/**
 * `count` generated events over whole seconds in [startMs, endMs]. Event i has order idBase + i
 * (and that numeric id in the numeric style), so ids ascend with time as VCO ids usually do.
 */
export class GeneratedRange implements EventSource {
  readonly size: number;
  private readonly startSec: number;
  private readonly spanSec: number;
  private readonly groups: number;
  /** Every event's JSON text when pre-rendered: newest first, joined by commas, so a page is one slice. */
  private readonly rendered: { bytes: Buffer; starts: Float64Array; ends: Float64Array } | undefined;

  constructor(
    private readonly profile: EnterpriseProfile,
    private readonly opts: { count: number; startMs: number; endMs: number; idBase: number; seed: number; idStyle: IdStyle; prerender?: boolean },
  ) {
    this.size = opts.count;
    this.startSec = Math.ceil(opts.startMs / 1000);
    this.spanSec = Math.floor(opts.endMs / 1000) - this.startSec;
    if (this.spanSec < 0) throw new RangeError(`no whole second in [${opts.startMs}, ${opts.endMs}]`);
    this.groups = Math.ceil(opts.count / EVENTS_PER_SECOND_GROUP);
    this.rendered = opts.prerender ? this.render() : undefined;
  }

  textAt(i: number): string {
    const rendered = this.rendered;
    return rendered === undefined ? JSON.stringify(this.eventAt(i)) : rendered.bytes.toString('utf8', rendered.starts[i], rendered.ends[i]);
  }

  renderedRun(high: number, low: number): Buffer | undefined {
    return this.rendered?.bytes.subarray(this.rendered.starts[high], this.rendered.ends[low]);
  }

  private render(): { bytes: Buffer; starts: Float64Array; ends: Float64Array } {
    const starts = new Float64Array(this.size);
    const ends = new Float64Array(this.size);
    const blocks: Buffer[] = [];
    let length = 0;
    for (let i = this.size - 1; i >= 0; i--) {
      const text = Buffer.from(`${JSON.stringify(this.eventAt(i))}${i > 0 ? ',' : ''}`, 'utf8');
      starts[i] = length;
      ends[i] = length + text.length - (i > 0 ? 1 : 0);
      length += text.length;
      blocks.push(text);
    }
    return { bytes: Buffer.concat(blocks, length), starts, ends };
  }

  timeAt(i: number): number {
    const group = Math.floor(i / EVENTS_PER_SECOND_GROUP);
    const offset = this.groups <= 1 ? 0 : Math.floor((group * this.spanSec) / (this.groups - 1));
    return (this.startSec + offset) * 1000;
  }

  orderAt(i: number): number {
    return this.opts.idBase + i;
  }

  eventAt(i: number): VcoEvent {
    const rng = new Rng(hashInts(this.opts.seed, i));
    const entry = pickEntry(rng.next());
    const edge = rng.pick(this.profile.edges);
    const user = rng.pick(this.profile.users);
    const timeMs = this.timeAt(i);
    const { message, detail } = entry.render({
      rng,
      edge,
      user,
      enterpriseId: this.profile.id,
      enterpriseLogicalId: this.profile.logicalId,
      timeMs,
    });
    const id = this.orderAt(i);
    const enterpriseUsername = usernameFor(entry, user, rng);
    const edgeName = entry.scope === 'edge' || entry.scope === 'action' || entry.scope === 'alert' ? edge.name : null;
    const segmentName = entry.segment ? 'Global Segment' : null;
    const { event, category, severity } = entry;
    const eventTime = formatEventTime(timeMs);
    // Literal objects (no spread) keep the VCO key order and are much faster to build.
    if (this.opts.idStyle === 'numeric') {
      return { id, eventTime, event, category, severity, message, detail, enterpriseUsername, edgeName, segmentName };
    }
    // Newer VCOs: a UUID instead of the numeric id, plus ingest time and enterprise name.
    const logicalId = uuidFrom(this.opts.seed, id, 0x10);
    const created = formatEventTime(timeMs + 20000);
    const enterpriseName = this.profile.name;
    return { logicalId, eventTime, event, category, severity, message, detail, enterpriseUsername, edgeName, segmentName, created, enterpriseName };
  }
}

function usernameFor(entry: CatalogueEntry, user: string, rng: Rng): string | null {
  switch (entry.scope) {
    case 'user':
    case 'action':
      return user;
    case 'alert':
      return '';
    case 'orchestrator':
      return rng.chance(0.5) ? '' : null;
    case 'edge':
      return null;
  }
}

let lastSecond = NaN;
let lastFormatted = '';

/** VCO eventTime: whole seconds, `.000Z`. Memoised: consecutive events mostly share a second. */
export function formatEventTime(ms: number): string {
  const second = Math.floor(ms / 1000);
  if (second !== lastSecond) {
    lastSecond = second;
    lastFormatted = new Date(second * 1000).toISOString();
  }
  return lastFormatted;
}

interface StoredEvent {
  timeMs: number;
  order: number;
  event: VcoEvent;
  /** JSON text of the event, written the first time it is asked for. */
  text?: string;
}

/** Events added verbatim (late events, fixtures); kept sorted on first read after a change. */
export class ExactEvents implements EventSource {
  private items: StoredEvent[] = [];
  private sorted = true;

  get size(): number {
    return this.items.length;
  }

  /** `order` breaks ties among equal eventTimes (the numeric id when there is one). */
  add(event: VcoEvent, order: number): void {
    const timeMs = parseVcoTime(event.eventTime);
    if (timeMs === undefined) throw new RangeError(`event without a parseable eventTime: ${JSON.stringify(event).slice(0, 200)}`);
    this.items.push({ timeMs, order, event: structuredClone(event) });
    this.sorted = false;
  }

  private at(i: number): StoredEvent {
    if (!this.sorted) {
      this.items.sort((a, b) => a.timeMs - b.timeMs || a.order - b.order);
      this.sorted = true;
    }
    return this.items[i] as StoredEvent;
  }

  timeAt(i: number): number {
    return this.at(i).timeMs;
  }
  orderAt(i: number): number {
    return this.at(i).order;
  }
  eventAt(i: number): VcoEvent {
    return this.at(i).event;
  }
  textAt(i: number): string {
    const item = this.at(i);
    item.text ??= JSON.stringify(item.event);
    return item.text;
  }
}

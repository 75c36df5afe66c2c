/** The simulated VCO without HTTP: enterprises, their events, and the API methods with their access rules. */
import type { Enterprise, VcoEvent } from '../event.js';
import { ApiError, invalidParam } from './api-error.js';
import { optionalId, parseEventsParams } from './query.js';
import { buildProfile, GeneratedRange, type EnterpriseProfile, type IdStyle } from './sources.js';
import { EnterpriseEvents, type QueryResult } from './store.js';
import { hashInts } from './random.js';
import type { GenerateOptions, SimEnterprise, SimUser } from './types.js';

/** First numeric event id; realistic magnitude (a real capture shows 2913202). */
const FIRST_EVENT_ID = 2_900_001;
const PROXY = { id: 1, name: 'Example MSP' };

type Params = Record<string, unknown>;
type Method = (user: SimUser, params: Params, nowMs: number) => unknown;

export class SimulatedVco {
  private readonly byId = new Map<number, EnterpriseEvents>();
  private nextId = FIRST_EVENT_ID;
  private rangeCount = 0;
  private readonly methods: Record<string, Method> = {
    'enterprise/getEnterprise': (user, params) => this.getEnterprise(user, params),
    'enterpriseProxy/getEnterpriseProxyEnterprises': (user, params) => this.getProxyEnterprises(user, params),
    'network/getNetworkEnterprises': (user, params) => this.getNetworkEnterprises(user, params),
    'event/getEnterpriseEvents': (user, params, nowMs) => this.getEnterpriseEvents(user, params, nowMs),
  };

  constructor(
    private readonly seed: number,
    enterprises: SimEnterprise[],
  ) {
    for (const e of enterprises) {
      if (this.byId.has(e.id)) throw new RangeError(`duplicate enterprise id ${e.id}`);
      this.byId.set(e.id, new EnterpriseEvents(buildProfile(seed, e)));
    }
  }

  get enterprises(): Enterprise[] {
    return [...this.byId.values()].map(({ profile: p }) => ({ id: p.id, name: p.name, logicalId: p.logicalId }));
  }

  call(user: SimUser, method: string, params: Params, nowMs: number): unknown {
    const handler = this.methods[method];
    if (handler === undefined) throw new ApiError(-32601, `Method not found: ${method}`);
    return handler(user, params, nowMs);
  }

  // ---- content -------------------------------------------------------------------------------

  enterprise(enterpriseId: number): EnterpriseEvents {
    const found = this.byId.get(enterpriseId);
    if (found === undefined) throw new RangeError(`the simulator has no enterprise ${enterpriseId}`);
    return found;
  }

  addEvents(enterpriseId: number, events: VcoEvent[]): void {
    const target = this.enterprise(enterpriseId);
    for (const event of events) {
      const id = typeof event.id === 'number' && Number.isFinite(event.id) ? event.id : undefined;
      // Keep generated ids clear of the ones the caller chose, so ids stay unique.
      if (id !== undefined) this.nextId = Math.max(this.nextId, Math.floor(id) + 1);
      target.exact.add(event, id ?? this.nextId++);
    }
  }

  generate(enterpriseId: number, opts: GenerateOptions): void {
    if (!Number.isInteger(opts.count) || opts.count < 0) throw new RangeError(`count must be a non-negative integer, got ${opts.count}`);
    if (opts.count === 0) return;
    const target = this.enterprise(enterpriseId);
    const range = new GeneratedRange(target.profile, {
      count: opts.count,
      startMs: opts.startMs,
      endMs: opts.endMs,
      idBase: this.nextId,
      seed: hashInts(this.seed, ++this.rangeCount),
      idStyle: opts.idStyle ?? 'numeric',
      prerender: opts.prerender ?? false,
    });
    this.nextId += opts.count;
    target.addSource(range);
  }

  addBurst(enterpriseId: number, opts: { count: number; atMs: number; idStyle?: IdStyle }): void {
    const second = Math.floor(opts.atMs / 1000) * 1000;
    this.generate(enterpriseId, { count: opts.count, startMs: second, endMs: second, idStyle: opts.idStyle ?? 'numeric' });
  }

  eventCount(enterpriseId: number): number {
    return this.enterprise(enterpriseId).count;
  }

  allEvents(enterpriseId: number): VcoEvent[] {
    const { picks } = this.enterprise(enterpriseId).query({ startMs: -Infinity, endMs: Infinity, limit: Infinity });
    return picks.map(({ source, index }) => structuredClone(source.eventAt(index)));
  }

  // ---- API methods ---------------------------------------------------------------------------

  private visible(user: SimUser): EnterpriseEvents[] {
    const all = [...this.byId.values()];
    if (user.kind === 'operator') return all;
    if (user.kind === 'partner') return user.enterpriseIds === undefined ? all : all.filter((e) => user.enterpriseIds?.includes(e.profile.id));
    return all.filter((e) => e.profile.id === user.enterpriseId);
  }

  /** The enterprise a call is about: enterprise users default to their own; others must name one. */
  private target(user: SimUser, params: Params): EnterpriseEvents {
    const requested = optionalId(params, 'enterpriseId');
    const id = requested ?? (user.kind === 'enterprise' ? user.enterpriseId : undefined);
    if (id === undefined) throw invalidParam('enterpriseId', 'enterpriseId is required for operator and partner users');
    const found = this.visible(user).find((e) => e.profile.id === id);
    if (found === undefined) throw new ApiError(-32603, `privilegeError [enterpriseId ${id} is not accessible]`);
    return found;
  }

  private getEnterprise(user: SimUser, params: Params): object {
    return enterpriseObject(this.target(user, params).profile);
  }

  private getProxyEnterprises(user: SimUser, params: Params): object[] {
    if (user.kind === 'enterprise') throw new ApiError(-32603, 'privilegeError [enterprise users have no enterprise proxy]');
    return this.visible(user).map((e) => ({ ...enterpriseObject(e.profile), ...withExtras(e.profile, params) }));
  }

  private getNetworkEnterprises(user: SimUser, params: Params): object[] {
    if (user.kind !== 'operator') throw new ApiError(-32603, 'privilegeError [operator privilege required]');
    return this.visible(user).map((e) => ({
      ...enterpriseObject(e.profile),
      enterpriseProxyId: PROXY.id,
      enterpriseProxyName: PROXY.name,
      ...withExtras(e.profile, params),
    }));
  }

  /**
   * The reply is joined from each event's JSON text rather than stringified whole; a page that is one run of a
   * pre-rendered source is one slice of its bytes (a benchmark's simulator then costs the shared CPU next to nothing).
   */
  private getEnterpriseEvents(user: SimUser, params: Params, nowMs: number): JsonText {
    const query = parseEventsParams(params, nowMs);
    const { picks, more } = this.target(user, params).query(query);
    const head = `{"metaData":{"limit":${JSON.stringify(query.limit)},"more":${more}},"data":[`;
    const run = renderedRun(picks);
    if (run !== undefined) return new JsonText(Buffer.concat([Buffer.from(head, 'utf8'), run, Buffer.from(']}', 'utf8')]));
    return new JsonText(`${head}${picks.map(({ source, index }) => source.textAt(index)).join(',')}]}`);
  }
}

/** The picks' texts as one slice, when they are consecutive items (newest first) of a source that keeps them so. */
function renderedRun(picks: QueryResult['picks']): Buffer | undefined {
  const first = picks[0];
  const last = picks[picks.length - 1];
  if (first === undefined || last === undefined || first.source.renderedRun === undefined) return undefined;
  for (let i = 1; i < picks.length; i++) {
    if (picks[i]!.source !== first.source || picks[i]!.index !== first.index - i) return undefined;
  }
  return first.source.renderedRun(first.index, last.index);
}

/** A result already written as JSON (text or UTF-8 bytes): the server sends it as it is. */
export class JsonText {
  constructor(readonly json: string | Buffer) {}
}

/** JSON of an API result, as JSON.stringify(result) would write it. */
export function resultJson(result: unknown): string | Buffer {
  return result instanceof JsonText ? result.json : JSON.stringify(result);
}

/** `with: ["edgeCount"]` adds the edge count, as the real methods do. */
function withExtras(profile: EnterpriseProfile, params: Params): object {
  const withList = Array.isArray(params['with']) ? params['with'] : [];
  return withList.includes('edgeCount') ? { edgeCount: profile.edges.length } : {};
}

function enterpriseObject(p: EnterpriseProfile): object {
  const created = new Date(Date.UTC(2020, 0, 1) + p.id * 86400000).toISOString().replace('T', ' ').slice(0, 19);
  return {
    id: p.id,
    created,
    networkId: 1,
    gatewayPoolId: 1,
    alertsEnabled: 1,
    operatorAlertsEnabled: 1,
    endpointPkiMode: 'CERTIFICATE_OPTIONAL',
    name: p.name,
    domain: (p.users[0] ?? '').split('@')[1] ?? null,
    prefix: null,
    logicalId: p.logicalId,
    accountNumber: `SIM-${String(p.id).padStart(6, '0')}`,
    description: null,
    contactName: 'Network Operations',
    contactPhone: null,
    contactMobile: null,
    contactEmail: p.users[0] ?? null,
    streetAddress: null,
    streetAddress2: null,
    city: 'Palo Alto',
    state: 'CA',
    postalCode: '94304',
    country: 'US',
    lat: 37.4,
    lon: -122.14,
    timezone: 'America/Los_Angeles',
    locale: 'en-US',
    modified: created,
  };
}

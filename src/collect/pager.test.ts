import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { type VcoEvent, eventKey, eventTimeMs } from '../event.js';
import { DEFAULT_PASSWORD, DEFAULT_TOKEN, type Simulator, startSimulator } from '../simulator/index.js';
import { VcoClient, type VcoClientOptions } from './client.js';
import { type FetchStats, type FilterRule, type PageOrder, createFetchStats, fetchEventPages, matchesRule } from './pager.js';

const HOUR = 3_600_000;
const T0 = Date.parse('2025-03-01T00:00:00.000Z');

async function withSim(run: (sim: Simulator) => Promise<void>): Promise<void> {
  const sim = await startSimulator({ seed: 7 });
  try {
    await run(sim);
  } finally {
    await sim.close();
  }
}

function client(sim: Simulator, extra: Partial<VcoClientOptions> = {}): VcoClient {
  return new VcoClient({ baseUrl: sim.url, auth: { kind: 'token', token: DEFAULT_TOKEN }, retryBaseMs: 10, rateLimitWaitMs: 50, timeoutMs: 30_000, ...extra });
}

interface Fetched {
  keys: string[];
  stats: FetchStats;
}

async function fetchAll(vco: VcoClient, window: { startMs: number; endMs: number; limit?: number; order?: PageOrder }, onPage?: (n: number) => void): Promise<Fetched> {
  const stats = createFetchStats();
  const keys: string[] = [];
  for await (const page of fetchEventPages(vco, { enterpriseId: 1, ...window, stats })) {
    keys.push(...page.events.map(eventKey));
    onPage?.(stats.pages);
  }
  return { keys, stats };
}

/** Keys of every event the simulated VCO holds for enterprise 1 inside [startMs, endMs]. */
function expectedKeys(sim: Simulator, startMs: number, endMs: number): Set<string> {
  const inWindow = (e: VcoEvent): boolean => {
    const t = eventTimeMs(e);
    return t !== undefined && t >= startMs && t <= endMs;
  };
  return new Set(sim.allEvents(1).filter(inWindow).map(eventKey));
}

function assertComplete(fetched: Fetched, expected: Set<string>): void {
  const got = new Set(fetched.keys);
  const missing = [...expected].filter((k) => !got.has(k));
  assert.equal(missing.length, 0, `missing ${missing.length} events, e.g. ${missing.slice(0, 3).join(', ')}`);
  assert.deepEqual(got, expected);
  assert.deepEqual(fetched.stats.warnings, []);
}

describe('fetchEventPages against the simulator', () => {
  test('12,000 events in one window are fetched completely over REST and JSON-RPC', async () => {
    await withSim(async (sim) => {
      sim.generate(1, { count: 12_000, startMs: T0, endMs: T0 + 2 * HOUR });
      const expected = expectedKeys(sim, T0, T0 + 2 * HOUR);
      assert.equal(expected.size, 12_000);
      for (const transport of ['rest', 'jsonrpc'] as const) {
        const fetched = await fetchAll(client(sim, { transport }), { startMs: T0, endMs: T0 + 2 * HOUR });
        assertComplete(fetched, expected);
        assert.ok(fetched.stats.pages >= 6, `12,000 events need at least 6 pages of 2048, got ${fetched.stats.pages}`);
        assert.equal(fetched.stats.apiCalls, fetched.stats.pages);
        assert.equal(fetched.stats.events, fetched.keys.length);
        assert.equal(fetched.stats.splits, 0);
      }
    });
  });

  test('a burst of 5,000 events in one second (and 2,500 in the next) is fetched completely', async () => {
    await withSim(async (sim) => {
      const burstAt = T0 + 30 * 60_000;
      sim.generate(1, { count: 3000, startMs: T0, endMs: T0 + HOUR });
      sim.addBurst(1, { count: 5000, atMs: burstAt });
      sim.addBurst(1, { count: 2500, atMs: burstAt + 1000 });
      const expected = expectedKeys(sim, T0, T0 + HOUR);
      assert.equal(expected.size, 10_500);
      const fetched = await fetchAll(client(sim), { startMs: T0, endMs: T0 + HOUR });
      assertComplete(fetched, expected);
      assert.ok(fetched.stats.splits >= 2, 'both crowded seconds were split');
    });
  });

  test('a burst of events without numeric ids (logicalId) is fetched completely', async () => {
    await withSim(async (sim) => {
      sim.addBurst(1, { count: 3000, atMs: T0 + 5000, idStyle: 'logicalId' });
      const expected = expectedKeys(sim, T0, T0 + HOUR);
      assert.equal(expected.size, 3000);
      assert.ok([...expected].every((k) => k.startsWith('lid:')));
      assertComplete(await fetchAll(client(sim), { startMs: T0, endMs: T0 + HOUR }), expected);
    });
  });

  test('429s, a 502 page, a 500 and a session expiry in the middle of paging lose nothing', async () => {
    await withSim(async (sim) => {
      sim.generate(1, { count: 6000, startMs: T0, endMs: T0 + HOUR });
      const method = 'event/getEnterpriseEvents';
      sim.inject({ kind: 'status429', method, retryAfterSec: 1, afterCalls: 2 });
      sim.inject({ kind: 'status429', method, afterCalls: 4 });
      sim.inject({ kind: 'html502', method, afterCalls: 6 });
      sim.inject({ kind: 'status500', method, afterCalls: 8 });
      const vco = client(sim, { auth: { kind: 'password', username: 'admin@acme.example', password: DEFAULT_PASSWORD, login: 'enterprise' } });
      const fetched = await fetchAll(vco, { startMs: T0, endMs: T0 + HOUR, limit: 500 }, (pages) => {
        if (pages === 5) sim.inject({ kind: 'expireSessions' });
      });
      assertComplete(fetched, expectedKeys(sim, T0, T0 + HOUR));
      assert.deepEqual(
        { throttled: vco.stats.throttled, retries: vco.stats.retries, logins: vco.stats.logins },
        { throttled: 2, retries: 2, logins: 2 },
      );
      // Every retried or repeated request shows in apiCalls: 4 faults + 1 rejected session.
      assert.equal(fetched.stats.apiCalls, fetched.stats.pages + 5);
    });
  });

  test('events exactly on both window bounds are included, neighbours outside are not asked for', async () => {
    await withSim(async (sim) => {
      const at = (ms: number, id: number): VcoEvent => ({
        id, eventTime: new Date(ms).toISOString(), event: 'EDGE_UP', category: 'EDGE', severity: 'INFO', message: 'm', detail: null,
        enterpriseUsername: null, edgeName: 'hq-vedge', segmentName: null,
      });
      sim.addEvents(1, [at(T0 - 1000, 1), at(T0, 2), at(T0 + 1000, 3), at(T0 + 60_000, 4), at(T0 + 61_000, 5)]);
      const fetched = await fetchAll(client(sim), { startMs: T0, endMs: T0 + 60_000, limit: 1 });
      assert.deepEqual(new Set(fetched.keys), new Set(['id:2', 'id:3', 'id:4']));
    });
  });

  test('a second that cannot be split further is reported with counts, and paging continues', async () => {
    await withSim(async (sim) => {
      const same = (id: number, ms: number): VcoEvent => ({
        id, eventTime: new Date(ms).toISOString(), event: 'LINK_DEAD', category: 'NETWORK', severity: 'ALERT', message: 'Link GE4 is now DEAD',
        detail: null, enterpriseUsername: null, edgeName: 'hq-vedge', segmentName: null,
      });
      const crowded = Array.from({ length: 30 }, (_, i) => same(100 + i, T0 + 10_000));
      const older = Array.from({ length: 15 }, (_, i) => same(200 + i, T0 + i * 100));
      sim.addEvents(1, [...crowded, ...older]);
      const fetched = await fetchAll(client(sim), { startMs: T0, endMs: T0 + 20_000, limit: 10 });
      assert.deepEqual(fetched.stats.warnings, [
        'enterprise 1: more than 10 events in [2025-03-01T00:00:09.999Z, 2025-03-01T00:00:10.999Z] match severity is ["ALERT"] and event is ["LINK_DEAD"] and edgeName is ["hq-vedge"]: got 10, the VCO said there were more; those are lost',
      ]);
      assert.equal(fetched.stats.splits, 3);
      const got = new Set(fetched.keys);
      assert.equal(got.size, 10 + 15, 'the 10 events the VCO gave of the crowded second, and every older event');
      assert.ok(older.every((e) => got.has(eventKey(e))));
    });
  });

  test('an abort signal stops paging with CancelledError', async () => {
    await withSim(async (sim) => {
      sim.generate(1, { count: 3000, startMs: T0, endMs: T0 + HOUR });
      sim.inject({ kind: 'status429', method: 'event/getEnterpriseEvents', afterCalls: 1 });
      const controller = new AbortController();
      const pages = fetchEventPages(client(sim, { rateLimitWaitMs: 60_000 }), { enterpriseId: 1, startMs: T0, endMs: T0 + HOUR, limit: 100, signal: controller.signal });
      assert.equal((await pages.next()).done, false);
      setTimeout(() => controller.abort(), 50);
      await assert.rejects(pages.next(), { name: 'CancelledError' });
    });
  });
});

interface EventsRequest {
  interval: { start: number; end: number };
  filter?: { limit?: number; rules?: FilterRule[] };
}

/** A VCO that answers with scripted pages, to pin down exact request parameters and odd replies. */
async function withScriptedVco(
  pages: unknown[] | ((request: number, body: EventsRequest) => unknown),
  run: (vco: VcoClient, requests: { body: EventsRequest; headers: IncomingHttpHeaders }[]) => Promise<void>,
): Promise<void> {
  const requests: { body: EventsRequest; headers: IncomingHttpHeaders }[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const parsed = JSON.parse(body) as EventsRequest;
      requests.push({ body: parsed, headers: req.headers });
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify((typeof pages === 'function' ? pages(requests.length, parsed) : pages.shift()) ?? { metaData: { more: false }, data: [] }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = server.address() as AddressInfo;
    await run(new VcoClient({ baseUrl: `http://127.0.0.1:${port}`, auth: { kind: 'token', token: 'scripted-token' } }), requests);
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

describe('fetchEventPages request parameters', () => {
  test('the next end is the oldest eventTime + 1 ms; events without eventTime are skipped in that choice', async () => {
    const full = { metaData: { limit: 3, more: true }, data: [{ id: 3 }, { id: 2, eventTime: '1970-01-01T00:00:02.000Z' }, { id: 1, eventTime: '1970-01-01T00:00:01.000Z' }] };
    await withScriptedVco([full], async (vco, requests) => {
      const fetched = await fetchAll(vco, { startMs: 0, endMs: 10_000, limit: 3 });
      assert.deepEqual(fetched.keys, ['id:3', 'id:2', 'id:1']);
      assert.deepEqual(
        requests.map((r) => r.body),
        [
          { enterpriseId: 1, interval: { start: 0, end: 10_000 }, filter: { limit: 3 } },
          { enterpriseId: 1, interval: { start: 0, end: 1001 }, filter: { limit: 3 } },
        ],
      );
      assert.equal(requests[0]?.headers['authorization'], 'Token scripted-token');
      assert.match(requests[0]?.headers['user-agent'] ?? '', /^vco-siem\/\d+\.\d+\.\d+/);
    });
  });

  test('a full page without any eventTime stops with a warning instead of looping', async () => {
    const untimed = { metaData: { limit: 2, more: true }, data: [{ id: 1 }, { id: 2 }] };
    await withScriptedVco([untimed], async (vco, requests) => {
      const fetched = await fetchAll(vco, { startMs: 0, endMs: 10_000, limit: 2 });
      assert.equal(requests.length, 1);
      assert.deepEqual(fetched.keys, ['id:1', 'id:2']);
      assert.match(fetched.stats.warnings.join('\n'), /a full page of 2 events without eventTime/);
    });
  });

  test('a VCO that ignores filter.rules is detected: one warning, no endless splitting', async () => {
    const crowded = Array.from({ length: 5 }, (_, i) => ({ id: i, eventTime: '1970-01-01T00:00:05.000Z', severity: i % 2 ? 'INFO' : 'ERROR' }));
    await withScriptedVco(() => ({ metaData: { limit: 5, more: true }, data: crowded }), async (vco, requests) => {
      const fetched = await fetchAll(vco, { startMs: 5000, endMs: 5999, limit: 5 });
      assert.equal(requests.length, 2, 'the first page, then one severity slice that shows the filter is ignored');
      assert.match(fetched.stats.warnings.join('\n'), /^enterprise 1: the VCO ignored filter.rules \(severity is \["ERROR"\]\)/);
      assert.equal(fetched.stats.warnings.length, 1);
    });
  });

  // Sorted, it would loop on the same page; unsorted, it would be halved down to single seconds.
  for (const [order, firstTime] of [['sorted', '09'], ['unsorted', '03']]) {
    test(`a VCO that keeps answering with events after the requested end (${order}) stops with a warning`, async () => {
      const late = { metaData: { limit: 2, more: true }, data: [{ id: 2, eventTime: `1970-01-01T00:00:${firstTime}.000Z` }, { id: 1, eventTime: '1970-01-01T00:00:09.000Z' }] };
      await withScriptedVco(() => late, async (vco, requests) => {
        const fetched = await fetchAll(vco, { startMs: 0, endMs: 5_000, limit: 2 });
        assert.equal(requests.length, 1);
        assert.match(fetched.stats.warnings.join('\n'), /returned events outside the requested interval \[/);
      });
    });
  }

  test('a VCO that ignores interval, all of whose events are older than the window, is not halved (the order known unreliable)', async () => {
    const old = { metaData: { limit: 2, more: true }, data: [{ id: 2, eventTime: '1970-01-01T00:00:03.000Z' }, { id: 1, eventTime: '1970-01-01T00:00:02.000Z' }] };
    await withScriptedVco(() => old, async (vco, requests) => {
      const fetched = await fetchAll(vco, { startMs: 60_000, endMs: 120_000, limit: 2, order: { unordered: true } });
      assert.equal(requests.length, 1);
      assert.match(fetched.stats.warnings.join('\n'), /returned events outside the requested interval \[/);
    });
  });

  test('a crowded second is split from 1 ms before it, so a VCO with an exclusive interval.start still returns it', async () => {
    const crowded = Array.from({ length: 3 }, (_, i) => ({ id: 10 - i, eventTime: '1970-01-01T00:00:05.000Z', severity: 'INFO' }));
    await withScriptedVco(() => ({ metaData: { limit: 3, more: true }, data: crowded }), async (vco, requests) => {
      await fetchAll(vco, { startMs: 0, endMs: 5_999, limit: 3 });
      const slice = requests.find((r) => JSON.stringify(r.body).includes('"severity"'));
      assert.ok(slice, 'the second was split by severity');
      assert.deepEqual(slice.body.interval, { start: 4_999, end: 5_999 });
    });
  });

  test('a reply that is not {metaData, data} is a clear error', async () => {
    await withScriptedVco([[{ id: 1 }]], async (vco) => {
      await assert.rejects(fetchAll(vco, { startMs: 0, endMs: 10_000 }), {
        name: 'VcoApiError',
        message: 'event/getEnterpriseEvents: expected {"metaData":...,"data":[...]}, got an array',
      });
    });
  });
});

/** A VCO over `events` (interval bounds inclusive, filter.rules honoured) that sorts by `order` and keeps the first `limit`. */
function sortingVco(events: VcoEvent[], order: (a: VcoEvent, b: VcoEvent) => number) {
  return (_request: number, { interval, filter }: EventsRequest) => {
    const limit = filter?.limit ?? 2048;
    const hits = events
      .filter((e) => (eventTimeMs(e) ?? NaN) >= interval.start && (eventTimeMs(e) ?? NaN) <= interval.end)
      .filter((e) => (filter?.rules ?? []).every((rule) => matchesRule(e, rule)))
      .sort(order);
    return { metaData: { limit, more: hits.length > limit }, data: hits.slice(0, limit) };
  };
}
const byIdDesc = (a: VcoEvent, b: VcoEvent): number => Number(b.id) - Number(a.id);
const byTimeDesc = (a: VcoEvent, b: VcoEvent): number => (eventTimeMs(b) ?? 0) - (eventTimeMs(a) ?? 0) || byIdDesc(a, b);

function event(id: number, ms: number, severity = 'INFO'): VcoEvent {
  return {
    id, eventTime: new Date(ms).toISOString(), event: 'EDGE_UP', category: 'EDGE', severity, message: 'm', detail: null,
    enterpriseUsername: null, edgeName: 'hq-vedge', segmentName: null,
  };
}

/**
 * 300 events over 10 minutes whose ids follow ingest time (eventTime + up to 2 minutes, so many arrive late),
 * and a crowded second of 25 events (more than the limit of 10, fewer than 10 per severity).
 */
function lateArrivals(): VcoEvent[] {
  let seed = 1;
  const random = (): number => (seed = (seed * 48_271) % 2_147_483_647) / 2_147_483_647;
  const timed = Array.from({ length: 300 }, () => {
    const ms = T0 + Math.floor(random() * 600) * 1000;
    return { ms, ingestMs: ms + random() * 120_000, severity: 'INFO' };
  });
  const severities = ['INFO', 'NOTICE', 'ERROR'];
  for (let i = 0; i < 25; i++) timed.push({ ms: T0 + 300_000, ingestMs: T0 + 300_000 + i, severity: severities[i % 3] ?? 'INFO' });
  return timed.sort((a, b) => a.ingestMs - b.ingestMs).map((e, i) => event(i + 1, e.ms, e.severity));
}

describe('fetchEventPages against a VCO that does not sort by eventTime', () => {
  test('a late event (new id, old eventTime) in a full page loses nothing, with one warning', async () => {
    const events = Array.from({ length: 9 }, (_, i) => event(i + 1, T0 + (i + 1) * 1000));
    events.push(event(10, T0 + 3000)); // arrived last, so the VCO lists it first
    await withScriptedVco(sortingVco(events, byIdDesc), async (vco) => {
      const fetched = await fetchAll(vco, { startMs: T0, endMs: T0 + 60_000, limit: 3 });
      assert.deepEqual(new Set(fetched.keys), new Set(events.map(eventKey)));
      assert.equal(fetched.stats.warnings.length, 1);
      assert.match(fetched.stats.warnings[0] ?? '', /^enterprise 1: the VCO's pages are not sorted by eventTime in \[/);
    });
  });

  test('many late events and a crowded second, sorted by id, are fetched completely', async () => {
    const events = lateArrivals();
    await withScriptedVco(sortingVco(events, byIdDesc), async (vco) => {
      const fetched = await fetchAll(vco, { startMs: T0, endMs: T0 + 600_000, limit: 10 });
      assert.deepEqual(new Set(fetched.keys), new Set(events.map(eventKey)));
      assert.equal(fetched.stats.warnings.length, 1);
      assert.ok(fetched.stats.splits >= 1, 'the crowded second was split by severity');
    });
  });

  /**
   * Sorted by id, limit 3: the first page (ids 6, 5, 4) is in eventTime order, but id 4 arrived late, so ids 3
   * and 2, beyond the page's end, are newer than it. The eventTime cursor asks next for [T0, T0 + 2 s], which
   * leaves them out.
   */
  const disorderPastThePage = (): VcoEvent[] =>
    [[1, 1], [2, 7], [3, 8], [4, 2], [5, 9], [6, 10]].map(([id, seconds]) => event(id!, T0 + seconds! * 1000));

  test('disorder just past a full page: the cursor cannot see it; a known order halves from the first page and loses nothing', async () => {
    const events = disorderPastThePage();
    await withScriptedVco(sortingVco(events, byIdDesc), async (vco) => {
      const blind = await fetchAll(vco, { startMs: T0, endMs: T0 + 60_000, limit: 3 });
      assert.deepEqual(new Set(blind.keys), new Set(['id:6', 'id:5', 'id:4', 'id:1']), 'the case the cursor cannot tell apart');

      const order: PageOrder = { unordered: true };
      const known = await fetchAll(vco, { startMs: T0, endMs: T0 + 60_000, limit: 3, order });
      assert.deepEqual(new Set(known.keys), new Set(events.map(eventKey)));
      assert.deepEqual(known.stats.warnings, [], 'no new warning for what was already known');
    });
  });

  test('a page out of order that is not full marks the order (one warning); a later fetch with it loses nothing', async () => {
    const order: PageOrder = { unordered: false };
    const late = [event(2, T0 + 5000), event(1, T0 + 9000)]; // listed by id: 5 s before 9 s
    await withScriptedVco(sortingVco(late, byIdDesc), async (vco) => {
      const fetched = await fetchAll(vco, { startMs: T0, endMs: T0 + 60_000, limit: 3, order });
      assert.equal(fetched.keys.length, 2);
      assert.equal(order.unordered, true);
      assert.equal(fetched.stats.warnings.length, 1);
      assert.match(fetched.stats.warnings[0] ?? '', /^enterprise 1: the VCO's pages are not sorted by eventTime in \[/);
    });
    const events = disorderPastThePage();
    await withScriptedVco(sortingVco(events, byIdDesc), async (vco) => {
      const fetched = await fetchAll(vco, { startMs: T0, endMs: T0 + 60_000, limit: 3, order });
      assert.deepEqual(new Set(fetched.keys), new Set(events.map(eventKey)));
      assert.deepEqual(fetched.stats.warnings, []);
    });
  });

  test('disorder seen on a later page of a window: what the cursor passed over is fetched again by halving', async () => {
    // Sorted by id, limit 4: the first page (10, 9, 8, 5 s) is in order, so the cursor asks for [T0, T0 + 5 s]
    // next; that page (5, 2, 4 s) shows the disorder. Id 4 (7 s) was beyond the first page and before its end.
    const events = [[2, 4], [3, 2], [4, 7], [5, 5], [6, 8], [7, 9], [8, 10]].map(([id, seconds]) => event(id!, T0 + seconds! * 1000));
    const order: PageOrder = { unordered: false };
    await withScriptedVco(sortingVco(events, byIdDesc), async (vco) => {
      const fetched = await fetchAll(vco, { startMs: T0, endMs: T0 + 60_000, limit: 4, order });
      assert.deepEqual(new Set(fetched.keys), new Set(events.map(eventKey)));
      assert.equal(order.unordered, true);
      assert.equal(fetched.stats.warnings.length, 1);
    });
  });

  test("the mark set while a crowded second at the window's start is split: the window is fetched again by halving", async () => {
    // Sorted by id, limit 3: the first page is three events of the crowded second T0, so the cursor splits that
    // second and ends there. Id 5 (T0 + 30 s) was beyond the first page.
    const events = [...[10, 9, 8, 7].map((id, i) => event(id, T0, i < 2 ? 'INFO' : 'ERROR')), event(5, T0 + 30_000)];
    const order: PageOrder = { unordered: false };
    await withScriptedVco(sortingVco(events, byIdDesc), async (vco, requests) => {
      const keys = new Set<string>();
      for await (const page of fetchEventPages(vco, { enterpriseId: 1, startMs: T0, endMs: T0 + 60_000, limit: 3, order })) {
        for (const e of page.events) keys.add(eventKey(e));
        // As another enterprise's fetch would: the mark is set while this one splits its crowded second.
        if (requests.some((r) => r.body.filter?.rules !== undefined)) order.unordered = true;
      }
      assert.deepEqual(keys, new Set(events.map(eventKey)));
    });
  });

  test('halving against a VCO that rounds interval bounds to whole seconds (halves end at x.500) gets every event', async () => {
    const events = Array.from({ length: 20 }, (_, i) => event(i + 1, T0 + (i * 3 + 1) * 1000));
    const toSecond = (ms: number): number => Math.round(ms / 1000) * 1000;
    const vco = sortingVco(events, byTimeDesc);
    const rounding = (request: number, body: EventsRequest) => vco(request, { ...body, interval: { start: toSecond(body.interval.start), end: toSecond(body.interval.end) } });
    await withScriptedVco(rounding, async (client) => {
      const fetched = await fetchAll(client, { startMs: T0, endMs: T0 + 120_000, limit: 3, order: { unordered: true } });
      assert.deepEqual(new Set(fetched.keys), new Set(events.map(eventKey)));
      assert.deepEqual(fetched.stats.warnings, []);
    });
  });

  test('pages in eventTime order leave the order unknown', async () => {
    const order: PageOrder = { unordered: false };
    await withScriptedVco(sortingVco(lateArrivals(), byTimeDesc), async (vco) => {
      await fetchAll(vco, { startMs: T0, endMs: T0 + 600_000, limit: 10, order });
      assert.equal(order.unordered, false);
    });
  });

  test('the same events sorted strictly by eventTime cost no more calls than the cursor needs', async () => {
    const events = lateArrivals();
    await withScriptedVco(sortingVco(events, byTimeDesc), async (vco, requests) => {
      const fetched = await fetchAll(vco, { startMs: T0, endMs: T0 + 600_000, limit: 10 });
      assert.deepEqual(new Set(fetched.keys), new Set(events.map(eventKey)));
      assert.deepEqual(fetched.stats.warnings, []);
      assert.equal(requests.length, 41, 'as many calls as before halving was added');
    });
  });
});

describe('matchesRule (detects a VCO that ignores filter.rules)', () => {
  const event = { id: 1, event: 'EDGE_UP', severity: 'INFO', edgeName: null, message: 'x' };

  test('is matches only the listed string values', () => {
    assert.equal(matchesRule(event, { field: 'severity', op: 'is', values: ['INFO'] }), true);
    assert.equal(matchesRule(event, { field: 'severity', op: 'is', values: ['ERROR', 'ALERT'] }), false);
    assert.equal(matchesRule(event, { field: 'edgeName', op: 'is', values: ['null'] }), false);
  });

  test('notIn excludes listed values and keeps null/missing ones', () => {
    assert.equal(matchesRule(event, { field: 'event', op: 'notIn', values: ['EDGE_UP', 'EDGE_DOWN'] }), false);
    assert.equal(matchesRule(event, { field: 'event', op: 'notIn', values: ['EDGE_DOWN'] }), true);
    assert.equal(matchesRule(event, { field: 'edgeName', op: 'notIn', values: ['b1'] }), true);
  });

  test('isNull accepts null, missing and empty string only', () => {
    assert.equal(matchesRule(event, { field: 'edgeName', op: 'isNull', values: [] }), true);
    assert.equal(matchesRule(event, { field: 'segmentName', op: 'isNull', values: [] }), true);
    assert.equal(matchesRule({ edgeName: '' }, { field: 'edgeName', op: 'isNull', values: [] }), true);
    assert.equal(matchesRule(event, { field: 'event', op: 'isNull', values: [] }), false);
  });
});

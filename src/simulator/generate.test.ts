import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { VcoEvent } from '../event.js';
import { CATALOGUE, DEFAULT_TOKEN, seedDemo, startSimulator } from './index.js';
import { post, rest, tokenHeader, type EventsResult } from './fetch-helpers.js';
import type { Simulator } from './types.js';

const NOW = Date.UTC(2025, 10, 3, 12, 0, 0);
const DAY = 86400000;
const token = tokenHeader(DEFAULT_TOKEN);
const NUMERIC_KEYS = ['id', 'eventTime', 'event', 'category', 'severity', 'message', 'detail', 'enterpriseUsername', 'edgeName', 'segmentName'];

async function withSim<T>(fn: (sim: Simulator) => Promise<T> | T, opts: Parameters<typeof startSimulator>[0] = {}): Promise<T> {
  const sim = await startSimulator({ clock: () => NOW, ...opts });
  try {
    return await fn(sim);
  } finally {
    await sim.close();
  }
}

const page = (sim: Simulator, params: object): Promise<EventsResult> => rest<EventsResult>(sim, 'event/getEnterpriseEvents', params, token);

describe('simulator event generation', () => {
  test('1,000,000 lazy events: pages come from index arithmetic, stable, without materialising the whole range', async () => {
    await withSim(async (sim) => {
      const heapBefore = process.memoryUsage().heapUsed;
      sim.generate(1, { count: 1_000_000, startMs: NOW - 30 * DAY, endMs: NOW });
      // A million built events would take hundreds of MB; the range is a descriptor.
      assert.ok(process.memoryUsage().heapUsed - heapBefore < 50 * 1024 * 1024);
      assert.equal(sim.eventCount(1), 1_000_000);

      const newest = await page(sim, { interval: { start: NOW - 30 * DAY, end: NOW } });
      assert.deepEqual(newest.metaData, { limit: 2048, more: true });
      const firstId = newest.data[0]?.id as number;
      assert.equal(newest.data[0]?.eventTime, new Date(NOW).toISOString(), 'the last event sits on endMs');
      assert.deepEqual(newest.data.map((e) => e.id), Array.from({ length: 2048 }, (_, k) => firstId - k), 'ids descend with time');

      // A window in the middle: every event inside, the window's newest events, same answer twice.
      const start = NOW - 15 * DAY;
      const end = start + 3600000;
      const middle = await page(sim, { interval: { start, end } });
      const again = await page(sim, { interval: { start, end } });
      assert.deepEqual(again, middle);
      assert.ok(middle.data.length > 0 && middle.data.length < 2048);
      assert.equal(middle.metaData.more, false);
      for (const e of middle.data) {
        const t = Date.parse(e.eventTime as string);
        assert.ok(t >= start && t <= end);
      }
      // The window holds exactly the ids between its neighbours: nothing skipped at either bound.
      const before = await page(sim, { interval: { start: NOW - 30 * DAY, end: start - 1 }, filter: { limit: 1 } });
      const afterEnd = await page(sim, { interval: { start: end + 1, end: NOW } });
      const oldestAfter = afterEnd.data[afterEnd.data.length - 1];
      assert.equal(afterEnd.metaData.more, true);
      const last = middle.data[middle.data.length - 1] as VcoEvent;
      assert.equal(last.id, (before.data[0]?.id as number) + 1);
      assert.ok(oldestAfter !== undefined);
    });
  });

  test('every catalogue event appears, with the VCO key order and the detail / user / segment quirks', async () => {
    await withSim(async (sim) => {
      sim.generate(1, { count: 30000, startMs: NOW - DAY, endMs: NOW });
      const all = sim.allEvents(1);
      const names = new Set(all.map((e) => e.event));
      assert.deepEqual([...CATALOGUE.map((c) => c.event)].filter((n) => !names.has(n)), []);
      for (const e of all.slice(0, 500)) {
        assert.deepEqual(Object.keys(e), NUMERIC_KEYS);
        assert.match(e.eventTime as string, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.000Z$/);
      }
      const byName = (name: string): VcoEvent => all.find((e) => e.event === name) as VcoEvent;
      assert.ok(Array.isArray(JSON.parse(byName('REMOTE_ACTION').detail as string)));
      assert.match(byName('EDGE_AUTO_SIM_SWITCH').detail as string, /^Auto SIM switchover disabled edgeSerialNumber: VMware-/);
      const vpn = byName('VPN_DATACENTER_STATUS');
      assert.equal(vpn.edgeName, null);
      assert.equal(typeof JSON.parse(vpn.detail as string).ikeState, 'string');
      assert.equal(byName('LINK_DEAD').category, 'NETWORK');
      assert.equal(byName('LINK_DEAD').severity, 'ALERT');
      const details = new Set(all.map((e) => (e.detail === null ? 'null' : (e.detail as string)[0])));
      assert.ok(details.has('null') && details.has('{') && details.has('['));
      const users = new Set(all.map((e) => (e.enterpriseUsername === null ? 'null' : e.enterpriseUsername === '' ? 'empty' : 'email')));
      assert.deepEqual([...users].sort(), ['email', 'empty', 'null']);
      assert.deepEqual([...new Set(all.map((e) => e.segmentName))].sort(), ['Global Segment', null]);
      const severities = new Set(all.map((e) => e.severity));
      assert.ok(severities.has('EMERGENCY') && severities.has('INFO'));
    });
  });

  test('logicalId style: a UUID instead of id, then created (+20 s) and enterpriseName', async () => {
    await withSim(async (sim) => {
      sim.generate(2, { count: 100, startMs: NOW - 3600000, endMs: NOW, idStyle: 'logicalId' });
      const { data } = await rest<EventsResult>(sim, 'event/getEnterpriseEvents', { enterpriseId: 2, interval: { start: NOW - 7200000 } }, tokenHeader('sim-operator-token'));
      assert.equal(data.length, 100);
      const e = data[0] as VcoEvent;
      assert.deepEqual(Object.keys(e), ['logicalId', ...NUMERIC_KEYS.slice(1), 'created', 'enterpriseName']);
      assert.match(e.logicalId as string, /^[0-9a-f-]{36}$/);
      assert.equal(Date.parse(e.created as string) - Date.parse(e.eventTime as string), 20000);
      assert.equal(e.enterpriseName, 'Globex Corporation');
      assert.equal(new Set(data.map((d) => d.logicalId)).size, 100);
    });
  });

  test('the same seed gives the same events; another seed different ones', async () => {
    const sample = (seed: number): Promise<VcoEvent[]> =>
      withSim(
        (sim) => {
          sim.generate(1, { count: 200, startMs: NOW - DAY, endMs: NOW });
          return sim.allEvents(1);
        },
        { seed },
      );
    const [a, b, c] = await Promise.all([sample(7), sample(7), sample(8)]);
    assert.deepEqual(a, b);
    assert.notDeepEqual(a.map((e) => e.event), c?.map((e) => e.event));
  });

  test('addBurst puts count events in one second; addEvents stores exact events; ids stay unique', async () => {
    await withSim(async (sim) => {
      sim.addBurst(1, { count: 5000, atMs: NOW - 1500 });
      const late: VcoEvent = { id: 99999999, eventTime: '2025-11-03T11:00:00.000Z', event: 'EDGE_DOWN', detail: null, custom: 'kept' };
      sim.addEvents(1, [late]);
      sim.generate(2, { count: 10, startMs: NOW - 1000, endMs: NOW });
      const burst = sim.allEvents(1).filter((e) => e.event !== 'EDGE_DOWN' || e.id !== late.id);
      assert.equal(burst.length, 5000);
      assert.deepEqual(new Set(burst.map((e) => e.eventTime)), new Set(['2025-11-03T11:59:58.000Z']));
      const second = await page(sim, { interval: { start: NOW - 2000, end: NOW - 2000 } });
      assert.deepEqual(second.metaData, { limit: 2048, more: true });
      const exact = await page(sim, { interval: { start: '2025-11-03T11:00:00', end: '2025-11-03T11:00:00' } });
      assert.deepEqual(exact.data, [late]);
      const other = sim.allEvents(2).map((e) => e.id as number);
      assert.ok(other.every((id) => id > late.id!), 'generated ids move past ids chosen by the caller');
    });
  });

  test('seedDemo gives every enterprise history and the first one a burst', async () => {
    await withSim((sim) => {
      seedDemo(sim, { nowMs: NOW, perEnterprise: 1000 });
      assert.equal(sim.eventCount(1), 1000 + 2500);
      assert.equal(sim.eventCount(2), 1000);
    });
  });

  test('replies are joined from event texts: byte for byte JSON.stringify of the result, pre-rendered or not', async () => {
    const odd: VcoEvent = { id: 1, eventTime: new Date(NOW - 5000).toISOString(), message: 'tab\t "q" \\ é😀 \u2028', detail: '{"a":[1]}', extra: { nested: [null] } };
    const replies = (prerender: boolean): Promise<string[]> =>
      withSim(async (sim) => {
        sim.generate(1, { count: 3000, startMs: NOW - DAY, endMs: NOW, prerender });
        sim.generate(1, { count: 500, startMs: NOW - DAY, endMs: NOW, idStyle: 'logicalId', prerender });
        sim.addEvents(1, [odd]);
        const params = { interval: { start: NOW - DAY, end: NOW }, filter: { limit: 1000 } };
        const filtered = { ...params, filter: { limit: 100, rules: [{ field: 'severity', op: 'is', values: ['INFO'] }] } };
        const texts = [
          (await post(sim, '/portal/rest/event/getEnterpriseEvents', params, token)).text,
          (await post(sim, '/portal/rest/event/getEnterpriseEvents', filtered, token)).text,
          (await post(sim, '/portal/', { jsonrpc: '2.0', method: 'event/getEnterpriseEvents', params, id: 'x"1' }, token)).text,
        ];
        const newest = sim.allEvents(1).slice(0, 1000);
        assert.equal(texts[0], JSON.stringify({ metaData: { limit: 1000, more: true }, data: newest }));
        assert.equal(texts[2], JSON.stringify({ jsonrpc: '2.0', result: JSON.parse(texts[0]!), id: 'x"1' }));
        const infos = (JSON.parse(texts[1]!) as EventsResult).data;
        assert.equal(infos.length, 100);
        assert.ok(infos.every((e) => e.severity === 'INFO'));
        assert.equal(texts[1], JSON.stringify(JSON.parse(texts[1]!)));
        return texts;
      });
    assert.ok((await replies(false))[0]!.includes('"extra":{"nested":[null]}'));
    assert.deepEqual(await replies(true), await replies(false));
  });

  test('pages of one pre-rendered range are slices of its bytes, the same as the texts joined', async () => {
    const pages = (prerender: boolean): Promise<string[]> =>
      withSim(async (sim) => {
        sim.generate(1, { count: 2500, startMs: NOW - DAY, endMs: NOW, prerender });
        const texts: string[] = [];
        // The newest page, one in the middle, the oldest (a partial page) and an empty one, over REST and JSON-RPC.
        for (const end of [NOW, NOW - DAY / 3, NOW - DAY + 60_000, NOW - 2 * DAY]) {
          const params = { interval: { start: NOW - DAY, end }, filter: { limit: 1000 } };
          texts.push((await post(sim, '/portal/rest/event/getEnterpriseEvents', params, token)).text);
          texts.push((await post(sim, '/portal/', { jsonrpc: '2.0', method: 'event/getEnterpriseEvents', params, id: 7 }, token)).text);
        }
        const newest = sim.allEvents(1).slice(0, 1000);
        assert.equal(texts[0], JSON.stringify({ metaData: { limit: 1000, more: true }, data: newest }));
        assert.equal(texts[6], '{"metaData":{"limit":1000,"more":false},"data":[]}');
        return texts;
      });
    assert.deepEqual(await pages(true), await pages(false));
  });
});

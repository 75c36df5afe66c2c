/** The collector's dedupe against the simulator: repeats within a run, across runs, and after a crash. */
import assert from 'node:assert/strict';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { eventKey, eventTimeMs, type VcoEvent } from '../event.js';
import { startSimulator, type Simulator } from '../simulator/index.js';
import { VcoClient } from './client.js';
import { collectEnterprise } from './collector.js';

const T0 = Date.parse('2024-07-01T12:00:00.000Z');
const MIN = 60_000;
const LOOKBACK = 15 * MIN;
let root = '';
const sims: Simulator[] = [];

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'vco-collector-dedupe-'));
});
after(async () => {
  await Promise.all(sims.map((sim) => sim.close()));
  await rm(root, { recursive: true, force: true });
});

async function setup(): Promise<{ sim: Simulator; options: Parameters<typeof collectEnterprise>[0]; dir: string }> {
  const sim = await startSimulator({ seed: 11 });
  sims.push(sim);
  const client = new VcoClient({ baseUrl: sim.url, auth: { kind: 'token', token: 'sim-operator-token' }, retryBaseMs: 1 });
  const dataDir = await mkdtemp(join(root, 'data-'));
  const enterprise = { id: 1, name: 'ACME Co.' };
  return { sim, dir: join(dataDir, 'ACME-Co-'), options: { client, dataDir, enterprise, sinceMs: T0 - 24 * 60 * MIN, lookbackMs: LOOKBACK } };
}

const logOf = (dir: string): Promise<string> => readFile(join(dir, 'events.json'), 'utf8');

/** Every event of the simulator once, as JSON.stringify wrote it, oldest first. */
async function assertLogHoldsEachOnce(dir: string, sim: Simulator): Promise<void> {
  const lines = (await logOf(dir)).split('\n').filter(Boolean);
  const keys = lines.map((line) => eventKey(JSON.parse(line) as VcoEvent));
  assert.equal(new Set(keys).size, keys.length, 'no event twice');
  const expected = new Map(sim.allEvents(1).map((e) => [eventKey(e), JSON.stringify(e)]));
  assert.equal(lines.length, expected.size, 'every event present');
  lines.forEach((line, i) => assert.equal(line, expected.get(keys[i]!)));
}

test('repeats within a run (page boundaries, a split second read again from 1 ms early) are written once', async () => {
  const { sim, options, dir } = await setup();
  // Hours before the run's end: these keys are not kept for later runs, so only the run's own memory catches repeats.
  const second = T0 - 5 * 60 * MIN;
  sim.generate(1, { count: 400, startMs: second - 5 * MIN, endMs: second + 5 * MIN });
  sim.addBurst(1, { count: 600, atMs: second });
  // The millisecond before the crowded second: every slice of it starts there, and so does the page after it.
  const edge = new Date(second - 1).toISOString();
  const severities = ['INFO', 'ERROR', 'NOTICE', 'WARNING', 'INFO'];
  sim.addEvents(1, severities.map((severity, k) => ({ id: 80_000_000 + k, eventTime: edge, event: 'EDGE_UP', category: 'EDGE', severity, message: `edge ${k}`, detail: null, enterpriseUsername: null, edgeName: 'hq-vedge', segmentName: null })));
  const summary = await collectEnterprise({ ...options, nowMs: T0, pageLimit: 100 });
  assert.equal(summary.new, 1005);
  assert.ok(summary.duplicates >= severities.length, `the edge millisecond came more than once (${summary.duplicates} repeats)`);
  assert.deepEqual(summary.warnings, []);
  await assertLogHoldsEachOnce(dir, sim);
});

test('two runs inside the look-back with a small id cache: nothing twice; the cache keeps the keys of the newest events', async () => {
  const { sim, options, dir } = await setup();
  sim.generate(1, { count: 3000, startMs: T0 - 6 * 60 * MIN, endMs: T0 });
  const first = await collectEnterprise({ ...options, nowMs: T0, idCacheSize: 1000 });
  assert.equal(first.new, 3000);
  const { keys } = JSON.parse(await readFile(join(dir, 'seen-ids.json'), 'utf8')) as { keys: string[] };
  // The keys of the last 1000 events fetched (as an LRU of 1000 ends up), which hold the next look-back period.
  const byTime = sim.allEvents(1).sort((a, b) => eventTimeMs(a)! - eventTimeMs(b)! || Number(a.id) - Number(b.id));
  const newest = new Set(byTime.slice(-1000).map(eventKey));
  assert.deepEqual(new Set(keys), newest, 'exactly the keys of the 1000 newest events');
  assert.ok(byTime.filter((e) => eventTimeMs(e)! >= T0 - LOOKBACK).every((e) => keys.includes(eventKey(e))), 'every key of the next look-back period');

  const late: VcoEvent = { id: 90_000_001, eventTime: new Date(T0 - 10 * MIN).toISOString(), event: 'EDGE_DOWN', category: 'EDGE', severity: 'ERROR', message: 'late', detail: null, enterpriseUsername: null, edgeName: 'e1', segmentName: null };
  sim.addEvents(1, [late]);
  sim.generate(1, { count: 200, startMs: T0 + MIN, endMs: T0 + 5 * MIN });
  const second = await collectEnterprise({ ...options, nowMs: T0 + 5 * MIN, idCacheSize: 1000 });
  assert.equal(second.new, 201);
  assert.ok(second.duplicates > 100, 'the look-back was fetched again');
  await assertLogHoldsEachOnce(dir, sim);
});

test('a crash after the append, with or without the id cache saved, is rolled back and written again byte for byte', async () => {
  for (const cacheSaved of [true, false]) {
    const { sim, options, dir } = await setup();
    sim.generate(1, { count: 2000, startMs: T0 - 2 * 60 * MIN, endMs: T0 });
    await collectEnterprise({ ...options, nowMs: T0 - 30 * MIN });
    const stateBefore = JSON.parse(await readFile(join(dir, 'state.json'), 'utf8')) as { logSize: number };
    await copyFile(join(dir, 'seen-ids.json'), join(dir, '..', 'seen-before.json'));
    const clean = await collectEnterprise({ ...options, nowMs: T0 });
    const cleanLog = await logOf(dir);
    // On disk at the crash: the appended log; state.json as saved when the append began; the id cache after or before it.
    await writeFile(join(dir, 'state.json'), JSON.stringify({ ...stateBefore, appendingFrom: stateBefore.logSize }));
    if (!cacheSaved) await copyFile(join(dir, '..', 'seen-before.json'), join(dir, 'seen-ids.json'));
    const again = await collectEnterprise({ ...options, nowMs: T0 });
    assert.equal(again.new, clean.new, `cache saved: ${cacheSaved}`);
    assert.equal(await logOf(dir), cleanLog, `cache saved: ${cacheSaved}`);
    await assertLogHoldsEachOnce(dir, sim);
  }
});

test('a run that fails while the next page is being fetched cancels that request; nothing is committed', async (t) => {
  const { sim, options, dir } = await setup();
  sim.generate(1, { count: 500, startMs: T0 - 60 * MIN, endMs: T0 });
  // The second page request (made ahead while the first page is spooled) never gets an answer: left alone, it
  // would keep the process alive until the client's timeout and retries run out.
  sim.inject({ kind: 'hang', method: 'event/getEnterpriseEvents', afterCalls: 1 });
  const signals: (AbortSignal | undefined)[] = [];
  const call = options.client.call.bind(options.client);
  t.mock.method(options.client, 'call', (...args: Parameters<typeof call>) => {
    signals.push(args[2]);
    return call(...args);
  });
  const run = collectEnterprise({
    ...options,
    nowMs: T0,
    pageLimit: 100,
    onProgress: () => {
      throw new Error('stop after the first page');
    },
  });
  await assert.rejects(run, /stop after the first page/);
  assert.equal(signals.length, 2, 'the first page and the one asked for ahead');
  assert.equal(signals[1]?.aborted, true, 'the request still in flight is cancelled');
  assert.equal(await logOf(dir).catch(() => ''), '', 'nothing committed');
});

import assert from 'node:assert/strict';
import { appendFile, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { eventKey, type VcoEvent } from '../event.js';
import { startSimulator, type Simulator } from '../simulator/index.js';
import { listEnterpriseDirs } from '../store/paths.js';
import { loadState, saveState } from '../store/state.js';
import { VcoClient } from './client.js';
import { SPOOL_FILE, collectAll, collectEnterprise } from './collector.js';

const T0 = Date.parse('2024-06-01T00:00:00.000Z');
const MIN = 60_000;
let sim: Simulator;
let root = '';
let run = 0;

before(async () => {
  sim = await startSimulator();
  sim.generate(1, { count: 3_000, startMs: T0 - 60 * MIN, endMs: T0 + 60 * MIN });
  sim.generate(2, { count: 100, startMs: T0 - 60 * MIN, endMs: T0 });
  root = await mkdtemp(join(tmpdir(), 'vco-collector-'));
});
after(async () => {
  await sim.close();
  await rm(root, { recursive: true, force: true });
});

function options(maxRetries = 3): { client: VcoClient; dataDir: string; sinceMs: number; lookbackMs: number } {
  const client = new VcoClient({ baseUrl: sim.url, auth: { kind: 'token', token: 'sim-operator-token' }, retryBaseMs: 1, maxRetries });
  return { client, dataDir: join(root, `data-${++run}`), sinceMs: T0 - 2 * 60 * MIN, lookbackMs: 15 * MIN };
}

const acme = { id: 1, name: 'ACME Co.' };
const nobody = { id: 99, name: 'Nobody' }; // not in the simulator: its collection fails

async function logKeys(dir: string): Promise<string[]> {
  const text = await readFile(join(dir, 'events.json'), 'utf8');
  return text.split('\n').filter(Boolean).map((line) => eventKey(JSON.parse(line) as VcoEvent));
}

function expectedKeys(enterpriseId: number, endMs: number): string[] {
  return sim.allEvents(enterpriseId).filter((e) => Date.parse(e.eventTime!) <= endMs).map(eventKey).sort();
}

test('a failed run keeps the checkpoint, records the error, leaves no spool; the next run fills the gap', async () => {
  const opts = options(0);
  await collectEnterprise({ ...opts, enterprise: acme, nowMs: T0 - 30 * MIN });
  const dir = join(opts.dataDir, 'ACME-Co-');
  const before = await loadState(dir);
  sim.inject({ kind: 'status500', afterCalls: 1, count: 1, method: 'event/getEnterpriseEvents' });
  await assert.rejects(collectEnterprise({ ...opts, enterprise: acme, nowMs: T0 + 60 * MIN }), /getEnterpriseEvents/);
  const failed = await loadState(dir);
  assert.equal(failed?.checkpointMs, before?.checkpointMs);
  assert.equal(failed?.logSize, before?.logSize);
  assert.match(failed?.lastError ?? '', /getEnterpriseEvents/);
  assert.ok(!(await readdir(dir)).includes(SPOOL_FILE));

  const summary = await collectEnterprise({ ...opts, enterprise: acme, nowMs: T0 + 60 * MIN });
  assert.equal(summary.windowStart, new Date(T0 - 45 * MIN).toISOString());
  assert.equal((await loadState(dir))?.lastError, null);
  const keys = await logKeys(dir);
  assert.deepEqual([...keys].sort(), expectedKeys(1, T0 + 60 * MIN));
});

test('a torn last line and a spool left by a crash are cleaned up before collecting', async () => {
  const opts = options();
  await collectEnterprise({ ...opts, enterprise: acme, nowMs: T0 - 30 * MIN });
  const dir = join(opts.dataDir, 'ACME-Co-');
  await appendFile(join(dir, 'events.json'), '{"id":123456789,"eventTime":"2024-0');
  await writeFile(join(dir, SPOOL_FILE), '0\t"id:1"\t{"id":1,"bogus":true}\n');
  await collectEnterprise({ ...opts, enterprise: acme, nowMs: T0 });
  const keys = await logKeys(dir);
  assert.deepEqual([...keys].sort(), expectedKeys(1, T0));
  assert.ok(!(await readFile(join(dir, 'events.json'), 'utf8')).includes('bogus'));
});

test('collectAll: one enterprise failing does not stop the others; the same enterprise twice is collected once', async () => {
  const opts = options(0);
  const summaries = await collectAll({ ...opts, nowMs: T0, concurrency: 2, enterprises: [acme, { id: 99, name: 'Nobody' }, { id: 2, name: 'Globex Corporation' }, acme] });
  assert.deepEqual(summaries.map((s) => s.enterpriseId), [1, 99, 2]);
  assert.equal(summaries[0]!.error, undefined);
  assert.equal(summaries[0]!.new, expectedKeys(1, T0).length);
  assert.match(summaries[1]!.error ?? '', /99/);
  assert.equal(summaries[2]!.new, 100);
  assert.equal((await loadState(join(opts.dataDir, 'Nobody')))?.checkpointMs ?? null, null);
});

test('collectAll: at most `concurrency` enterprises have requests in flight, and every enterprise is collected', async (t) => {
  const many = await startSimulator({ latencyMs: 20, enterprises: Array.from({ length: 6 }, (_, i) => ({ id: i + 1, name: `E${i + 1}` })) });
  try {
    for (let id = 1; id <= 6; id++) many.generate(id, { count: 250, startMs: T0 - 60 * MIN, endMs: T0 });
    const client = new VcoClient({ baseUrl: many.url, auth: { kind: 'token', token: 'sim-operator-token' }, retryBaseMs: 1 });
    let inFlight = 0;
    let most = 0;
    const call = client.call.bind(client);
    t.mock.method(client, 'call', async (...args: Parameters<typeof call>) => {
      most = Math.max(most, ++inFlight);
      try {
        return await call(...args);
      } finally {
        inFlight--;
      }
    });
    const summaries = await collectAll({ client, dataDir: join(root, `data-${++run}`), sinceMs: T0 - 2 * 60 * MIN, lookbackMs: 15 * MIN, nowMs: T0, pageLimit: 100, concurrency: 2, enterprises: [...many.enterprises] });
    assert.deepEqual(summaries.map((s) => [s.enterpriseId, s.new, s.error]), [1, 2, 3, 4, 5, 6].map((id) => [id, 250, undefined]));
    assert.equal(most, 2, 'two enterprises fetch at once, never more');
  } finally {
    await many.close();
  }
});

test('collectAll cancelled while enterprises wait for a fetch place: none of them starts fetching, each reports it', async () => {
  const slow = await startSimulator({ latencyMs: 300, enterprises: Array.from({ length: 3 }, (_, i) => ({ id: i + 1, name: `E${i + 1}` })) });
  try {
    for (let id = 1; id <= 3; id++) slow.generate(id, { count: 50, startMs: T0 - 60 * MIN, endMs: T0 });
    const client = new VcoClient({ baseUrl: slow.url, auth: { kind: 'token', token: 'sim-operator-token' }, retryBaseMs: 1 });
    const controller = new AbortController();
    const running = collectAll({ client, dataDir: join(root, `data-${++run}`), sinceMs: T0 - 2 * 60 * MIN, lookbackMs: 15 * MIN, nowMs: T0, concurrency: 1, enterprises: [...slow.enterprises], signal: controller.signal });
    // The first enterprise's first request is waiting out the latency; the other two wait for its fetch place.
    while (slow.stats.calls === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    controller.abort();
    const summaries = await running;
    assert.deepEqual(summaries.map((s) => [s.enterpriseId, s.new, /cancelled/.test(s.error ?? '')]), [1, 2, 3].map((id) => [id, 0, true]));
    assert.equal(slow.stats.calls, 1, 'only the request already sent reached the VCO');
  } finally {
    await slow.close();
  }
});

test('a cancelled run does not move the checkpoint', async () => {
  const opts = options();
  const controller = new AbortController();
  controller.abort();
  await assert.rejects(collectEnterprise({ ...opts, enterprise: acme, nowMs: T0, signal: controller.signal }), { name: 'CancelledError' });
  const summaries = await collectAll({ ...opts, enterprises: [acme], nowMs: T0, signal: controller.signal });
  assert.match(summaries[0]!.error ?? '', /cancelled/);
});

test('progress is reported per page', async () => {
  const opts = options();
  const seen: number[] = [];
  const summary = await collectEnterprise({ ...opts, enterprise: acme, nowMs: T0, pageLimit: 500, onProgress: (p) => seen.push(p.fetched) });
  assert.equal(seen.length, summary.pages);
  assert.equal(seen.at(-1), summary.fetched);
});

test('an id cache smaller than one lookback period of events is reported', async () => {
  const opts = options();
  const summary = await collectEnterprise({ ...opts, enterprise: acme, nowMs: T0, idCacheSize: 100 });
  assert.equal(summary.warnings.length, 1);
  assert.match(summary.warnings[0]!, /events fall in the lookback period but the id cache keeps only 100 keys/);
  const roomy = await collectEnterprise({ ...options(), enterprise: acme, nowMs: T0 });
  assert.deepEqual(roomy.warnings, []);
});

test('collectAll: one state that saw the pages out of eventTime order makes every enterprise halve full windows; each keeps it', async () => {
  const enterprises = [{ id: 2, name: 'Globex Corporation' }, acme];
  const marked = options(0);
  const unmarked = options(0);
  for (const opts of [marked, unmarked]) await collectAll({ ...opts, enterprises: [...enterprises, nobody], nowMs: T0 - 110 * MIN });
  // The mark is in the state of an enterprise that this run does not collect, listed after the others.
  const nobodyDir = join(marked.dataDir, 'Nobody');
  await saveState(nobodyDir, { ...(await loadState(nobodyDir))!, pagesUnordered: true });

  const run = (opts: ReturnType<typeof options>) => collectAll({ ...opts, enterprises, nowMs: T0 + 60 * MIN, pageLimit: 50, concurrency: 1 });
  const halved = await run(marked);
  const cursor = await run(unmarked);
  for (const i of [0, 1]) {
    assert.ok(halved[i]!.apiCalls > cursor[i]!.apiCalls, `${enterprises[i]!.name}: ${halved[i]!.apiCalls} calls halving, ${cursor[i]!.apiCalls} by the cursor`);
    assert.deepEqual(halved[i]!.warnings, [], 'known from before: no warning');
  }
  for (const [opts, expected] of [[marked, true], [unmarked, undefined]] as const) {
    const dirs = await listEnterpriseDirs(opts.dataDir);
    assert.deepEqual(dirs.map((d) => d.enterprise.id).sort(), [1, 2, 99]);
    for (const { enterprise, dir } of dirs) {
      assert.deepEqual([...(await logKeys(dir))].sort(), enterprise.id === 99 ? [] : expectedKeys(enterprise.id, T0 + 60 * MIN), `${enterprise.name}: every event`);
      assert.equal((await loadState(dir))?.pagesUnordered, expected, enterprise.name);
    }
  }
});

test("collectAll: a mark set during the run reaches the enterprises that fetch after it; collectEnterprise reads its own state's mark", async () => {
  const globex = { id: 2, name: 'Globex Corporation' };
  const shared = options();
  const apart = options();
  const counts: Record<string, number>[] = [];
  for (const opts of [shared, apart]) {
    await collectAll({ ...opts, enterprises: [acme, globex], nowMs: T0 - 110 * MIN });
    const pageOrder = { unordered: false };
    // ACME's first page marks the order, as a page out of order would; Globex fetches only after ACME.
    const summaries = await collectAll({
      ...opts,
      enterprises: [acme, globex],
      nowMs: T0 + 60 * MIN,
      pageLimit: 50,
      concurrency: 1,
      ...(opts === shared ? { pageOrder, onProgress: () => void (pageOrder.unordered = true) } : {}),
    });
    counts.push(Object.fromEntries(summaries.map((s) => [s.enterprise, s.apiCalls])));
  }
  assert.ok(counts[0]!['Globex Corporation']! > counts[1]!['Globex Corporation']!, JSON.stringify(counts));
  for (const opts of [shared, apart]) {
    for (const { enterprise, dir } of await listEnterpriseDirs(opts.dataDir)) assert.deepEqual([...(await logKeys(dir))].sort(), expectedKeys(enterprise.id, T0 + 60 * MIN));
  }

  // On its own, collectEnterprise takes the mark from its state: ACME's next window halves in `shared` only.
  const later = await Promise.all([shared, apart].map((opts) => collectEnterprise({ ...opts, enterprise: acme, nowMs: T0 + 3 * 60 * MIN, pageLimit: 50 })));
  assert.ok(later[0]!.apiCalls > later[1]!.apiCalls, `${later[0]!.apiCalls} calls halving, ${later[1]!.apiCalls} by the cursor`);
});

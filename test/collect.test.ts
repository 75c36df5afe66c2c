/**
 * The collector against the real simulator: complete windows, bursts, late events, overlapping runs,
 * crashes between the log write and the state save, hostile enterprise names, logicalId-only events.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { copyFile, writeFile, mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { VcoClient } from '../src/collect/client.js';
import { collectAll, collectEnterprise, type CollectOptions } from '../src/collect/collector.js';
import { eventKey, type Enterprise, type VcoEvent } from '../src/event.js';
import { startSimulator } from '../src/simulator/index.js';
import type { Simulator, SimulatorOptions } from '../src/simulator/index.js';
import { loadState } from '../src/store/state.js';

const OPERATOR_TOKEN = 'sim-operator-token';
const T0 = Date.parse('2024-05-01T12:00:00.000Z');
const MIN = 60_000;
const HOUR = 60 * MIN;

const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

interface Setup {
  sim: Simulator;
  dataDir: string;
  root: string;
  options: Omit<CollectOptions, 'nowMs'>;
}

async function setup(simOptions: SimulatorOptions = {}): Promise<Setup> {
  const sim = await startSimulator(simOptions);
  cleanups.push(() => sim.close());
  const root = await mkdtemp(join(tmpdir(), 'vco-collect-'));
  cleanups.push(() => rm(root, { recursive: true, force: true }));
  const dataDir = join(root, 'data');
  const client = new VcoClient({ baseUrl: sim.url, auth: { kind: 'token', token: OPERATOR_TOKEN }, retryBaseMs: 5, timeoutMs: 10_000 });
  return { sim, dataDir, root, options: { client, dataDir, sinceMs: T0 - 24 * HOUR, lookbackMs: 15 * MIN } };
}

function enterprise(sim: Simulator, id: number): Enterprise {
  const found = sim.enterprises.find((e) => e.id === id);
  assert.ok(found, `simulator enterprise ${id}`);
  return found;
}

async function logLines(dir: string): Promise<string[]> {
  const text = await readFile(join(dir, 'events.json'), 'utf8');
  assert.ok(text === '' || text.endsWith('\n'), 'the log ends with a newline');
  return text === '' ? [] : text.slice(0, -1).split('\n');
}

/**
 * The log holds exactly the simulator's events, each once, byte for byte as JSON.stringify of what the API
 * returned, oldest first (eventTime never decreases).
 */
async function assertLogMatches(dir: string, expected: VcoEvent[]): Promise<void> {
  const lines = await logLines(dir);
  const keys = lines.map((line) => eventKey(JSON.parse(line) as VcoEvent));
  assert.equal(new Set(keys).size, keys.length, 'no event twice');
  const byKey = new Map(expected.map((e) => [eventKey(e), JSON.stringify(e)]));
  assert.equal(lines.length, byKey.size, 'every event present');
  for (const [i, line] of lines.entries()) assert.equal(line, byKey.get(keys[i]!), `line ${i + 1} is the event as returned`);
  const times = lines.map((line) => Date.parse((JSON.parse(line) as VcoEvent).eventTime!));
  for (let i = 1; i < times.length; i++) assert.ok(times[i - 1]! <= times[i]!, `oldest first (line ${i + 1})`);
}

async function dirOf(dataDir: string, id: number): Promise<string> {
  const registry = JSON.parse(await readFile(join(dataDir, 'enterprises.json'), 'utf8')) as { enterprises: Record<string, { dir: string }> };
  return join(dataDir, registry.enterprises[String(id)]!.dir);
}

describe('collect against the simulator', () => {
  test('10,000+ events in one window are collected completely, once each, oldest first', async () => {
    const { sim, options, dataDir } = await setup();
    sim.generate(1, { count: 12_345, startMs: T0 - 3 * HOUR, endMs: T0 - HOUR });
    const summary = await collectEnterprise({ ...options, enterprise: enterprise(sim, 1), nowMs: T0 });
    const dir = await dirOf(dataDir, 1);
    assert.equal(relative(dataDir, dir), 'ACME-Co-');
    await assertLogMatches(dir, sim.allEvents(1));
    assert.equal(summary.new, 12_345);
    assert.equal(summary.fetched, summary.new + summary.duplicates);
    assert.ok(summary.pages >= 7, `pages: ${summary.pages}`);
    assert.equal(summary.windowStart, new Date(T0 - 24 * HOUR).toISOString());
    assert.equal(summary.windowEnd, new Date(T0).toISOString());
    const state = await loadState(dir);
    assert.equal(state?.checkpointMs, T0);
    assert.equal(state?.logSize, (await stat(join(dir, 'events.json'))).size);
    assert.equal(state?.lastError, null);
    assert.deepEqual((await readdir(dir)).sort(), ['events.json', 'seen-ids.json', 'state.json'], 'no spool or temp file left');
  });

  test('a burst of 5,000 events in one second is collected completely', async () => {
    const { sim, options, dataDir } = await setup();
    sim.generate(1, { count: 300, startMs: T0 - 2 * HOUR, endMs: T0 - HOUR });
    sim.addBurst(1, { count: 5_000, atMs: T0 - 30 * MIN });
    const summary = await collectEnterprise({ ...options, enterprise: enterprise(sim, 1), nowMs: T0 });
    await assertLogMatches(await dirOf(dataDir, 1), sim.allEvents(1));
    assert.equal(summary.new, 5_300);
    assert.deepEqual(summary.warnings, []);
  });

  test('late events are picked up by the next run; overlapping runs write nothing twice', async () => {
    const { sim, options, dataDir } = await setup();
    sim.generate(1, { count: 3_000, startMs: T0 - 2 * HOUR, endMs: T0 });
    const first = await collectEnterprise({ ...options, enterprise: enterprise(sim, 1), nowMs: T0 });
    assert.equal(first.new, 3_000);

    // Reach the VCO only now, stamped 5 and 14 minutes before the first run's end.
    const late: VcoEvent[] = [
      { id: 90_000_001, eventTime: new Date(T0 - 5 * MIN).toISOString(), event: 'EDGE_DOWN', category: 'EDGE', severity: 'ERROR', message: 'late 1', detail: null, enterpriseUsername: null, edgeName: 'e1', segmentName: null },
      { id: 90_000_002, eventTime: new Date(T0 - 14 * MIN).toISOString(), event: 'EDGE_UP', category: 'EDGE', severity: 'INFO', message: 'late 2', detail: null, enterpriseUsername: null, edgeName: 'e1', segmentName: null },
    ];
    sim.addEvents(1, late);
    sim.generate(1, { count: 500, startMs: T0 + MIN, endMs: T0 + 10 * MIN });
    const second = await collectEnterprise({ ...options, enterprise: enterprise(sim, 1), nowMs: T0 + 10 * MIN });
    assert.equal(second.new, 502);
    assert.ok(second.duplicates > 0, 'the lookback overlap was fetched again');
    assert.equal(second.windowStart, new Date(T0 - 15 * MIN).toISOString());

    const third = await collectEnterprise({ ...options, enterprise: enterprise(sim, 1), nowMs: T0 + 11 * MIN });
    assert.equal(third.new, 0);
    assert.equal(third.duplicates, third.fetched);
    assert.ok(third.fetched > 0);

    // Late events land after the ones collected before them: the log is ordered per run, not globally.
    const dir = await dirOf(dataDir, 1);
    const lines = await logLines(dir);
    assert.equal(lines.length, 3_502);
    const keys = lines.map((line) => eventKey(JSON.parse(line) as VcoEvent));
    assert.equal(new Set(keys).size, 3_502);
    assert.deepEqual(new Set(keys), new Set(sim.allEvents(1).map(eventKey)));
    assert.deepEqual(keys.slice(3_000, 3_002), ['id:90000002', 'id:90000001']);
  });

  test('crash after the events were written but before the state was saved: the next run writes nothing twice', async () => {
    const { sim, options, dataDir } = await setup();
    sim.generate(1, { count: 2_000, startMs: T0 - 2 * HOUR, endMs: T0 });
    await collectEnterprise({ ...options, enterprise: enterprise(sim, 1), nowMs: T0 });
    const dir = await dirOf(dataDir, 1);
    const saved = join(dir, '..', 'saved');
    await copyFile(join(dir, 'state.json'), `${saved}-state.json`);
    await copyFile(join(dir, 'seen-ids.json'), `${saved}-seen.json`);

    sim.generate(1, { count: 1_500, startMs: T0 + MIN, endMs: T0 + 30 * MIN });
    await collectEnterprise({ ...options, enterprise: enterprise(sim, 1), nowMs: T0 + 30 * MIN });
    // Undo the commit: the log has the second run's events, state and id cache are from before it.
    await copyFile(`${saved}-state.json`, join(dir, 'state.json'));
    await copyFile(`${saved}-seen.json`, join(dir, 'seen-ids.json'));
    await rm(`${saved}-state.json`);
    await rm(`${saved}-seen.json`);

    const again = await collectEnterprise({ ...options, enterprise: enterprise(sim, 1), nowMs: T0 + 31 * MIN });
    assert.equal(again.windowStart, new Date(T0 - 15 * MIN).toISOString(), 'the checkpoint had not moved');
    assert.equal(again.new, 0);
    await assertLogMatches(dir, sim.allEvents(1));
  });

  test('a run that died between its append and its checkpoint is rolled back, even when the window exceeds the id cache', async () => {
    const { sim, options, dataDir } = await setup();
    sim.generate(1, { count: 5_000, startMs: T0 - 2 * HOUR, endMs: T0 });
    const smallCache = { ...options, idCacheSize: 1_000 };
    await collectEnterprise({ ...smallCache, enterprise: enterprise(sim, 1), nowMs: T0 });
    const dir = await dirOf(dataDir, 1);
    // What a SIGKILL after the append but before the final save leaves on disk: the log with every event,
    // state.json as saved when the append began, no id cache yet.
    const state = JSON.parse(await readFile(join(dir, 'state.json'), 'utf8')) as Record<string, unknown>;
    await writeFile(join(dir, 'state.json'), JSON.stringify({ ...state, checkpointMs: null, checkpoint: null, logSize: 0, appendingFrom: 0 }));
    await rm(join(dir, 'seen-ids.json'));

    const again = await collectEnterprise({ ...smallCache, enterprise: enterprise(sim, 1), nowMs: T0 + MIN });
    assert.equal(again.new, 5_000, 'the interrupted window is committed again, whole');
    await assertLogMatches(dir, sim.allEvents(1));
    const after = JSON.parse(await readFile(join(dir, 'state.json'), 'utf8')) as { appendingFrom: unknown };
    assert.equal(after.appendingFrom, null);
  });

  test('an enterprise never continues another enterprise\'s directory, even when the registry was lost or edited', async () => {
    const { sim, options, dataDir } = await setup({ enterprises: [{ id: 5, name: 'ACME Co.' }, { id: 7, name: 'ACME Co!' }] });
    sim.generate(5, { count: 50, startMs: T0 - HOUR, endMs: T0 });
    sim.generate(7, { count: 60, startMs: T0 - HOUR, endMs: T0 });
    await collectEnterprise({ ...options, enterprise: enterprise(sim, 5), nowMs: T0 });
    const acmeDir = await dirOf(dataDir, 5);
    await rm(join(dataDir, 'enterprises.json'));
    await collectEnterprise({ ...options, enterprise: enterprise(sim, 7), nowMs: T0 });
    const otherDir = await dirOf(dataDir, 7);
    assert.notEqual(otherDir, acmeDir, 'the existing directory is not reused');
    await assertLogMatches(acmeDir, sim.allEvents(5));
    await assertLogMatches(otherDir, sim.allEvents(7));
    // A registry pointing at another enterprise's directory is refused rather than followed.
    const registry = JSON.parse(await readFile(join(dataDir, 'enterprises.json'), 'utf8')) as { enterprises: Record<string, { dir: string }> };
    registry.enterprises['7']!.dir = acmeDir.split('/').pop()!;
    await writeFile(join(dataDir, 'enterprises.json'), JSON.stringify(registry));
    await assert.rejects(collectEnterprise({ ...options, enterprise: enterprise(sim, 7), nowMs: T0 + MIN }), /belongs to enterprise 5 \(ACME Co\.\), not 7 \(ACME Co!\)/);
    await assertLogMatches(acmeDir, sim.allEvents(5));
  });

  test('a collector process killed with SIGKILL mid-run leaves nothing doubled or lost after the next run', async () => {
    const { sim, options, dataDir } = await setup({ latencyMs: 2 });
    sim.generate(1, { count: 20_000, startMs: T0 - 10 * HOUR, endMs: T0 });
    const collector = fileURLToPath(new URL('../src/collect/collector.js', import.meta.url));
    const clientModule = fileURLToPath(new URL('../src/collect/client.js', import.meta.url));
    const eventLog = fileURLToPath(new URL('../src/store/event-log.js', import.meta.url));
    // The child kills itself right after its first append to the log: mid-commit, whatever the machine's speed.
    const script = `
      const { collectEnterprise } = await import(${JSON.stringify(collector)});
      const { VcoClient } = await import(${JSON.stringify(clientModule)});
      const { EventLog } = await import(${JSON.stringify(eventLog)});
      const appendBytes = EventLog.prototype.appendBytes;
      EventLog.prototype.appendBytes = async function (...args) {
        await appendBytes.apply(this, args);
        process.kill(process.pid, 'SIGKILL');
      };
      const client = new VcoClient({ baseUrl: ${JSON.stringify(sim.url)}, auth: { kind: 'token', token: ${JSON.stringify(OPERATOR_TOKEN)} } });
      await collectEnterprise({ client, dataDir: ${JSON.stringify(dataDir)}, sinceMs: ${T0 - 24 * HOUR}, lookbackMs: ${15 * MIN},
        nowMs: ${T0}, enterprise: ${JSON.stringify(enterprise(sim, 1))}, pageOrder: { unordered: true } });`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: 'ignore' });
    const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
    assert.equal(signal, 'SIGKILL', `the collector was killed mid-run (exit code ${code})`);
    const logPath = join(dataDir, 'ACME-Co-', 'events.json');
    assert.ok((await stat(logPath)).size > 0, 'after it had appended to the log');
    const statePath = join(dataDir, 'ACME-Co-', 'state.json');
    const killed = JSON.parse(await readFile(statePath, 'utf8')) as { appendingFrom: unknown; pagesUnordered?: unknown };
    assert.equal(typeof killed.appendingFrom, 'number', 'state.json as saved when the append began');
    assert.equal(killed.pagesUnordered, true, "the mark on the VCO's page order is saved with it");
    const run = await collectEnterprise({ ...options, enterprise: enterprise(sim, 1), nowMs: T0 });
    await assertLogMatches(join(dataDir, 'ACME-Co-'), sim.allEvents(1));
    assert.equal(run.windowStart, new Date(T0 - 24 * HOUR).toISOString(), 'the killed run did not move the checkpoint');
    assert.equal((JSON.parse(await readFile(statePath, 'utf8')) as { pagesUnordered?: unknown }).pagesUnordered, true, 'and kept by the recovery');
  });

  test('hostile enterprise names stay inside DATA_DIR and never share a log', async () => {
    const names = ['../../etc', '/', '', '..', 'ACME Co.', 'ACME Co!', 'C:\\Windows\\System32', 'a/../../../b'];
    const { sim, options, dataDir, root } = await setup({ enterprises: names.map((name, i) => ({ id: i + 1, name })) });
    for (const [i] of names.entries()) sim.generate(i + 1, { count: 10 * (i + 1), startMs: T0 - 2 * HOUR, endMs: T0 - HOUR });
    const summaries = await collectAll({ ...options, enterprises: [...sim.enterprises], nowMs: T0, concurrency: 3 });
    assert.deepEqual(summaries.map((s) => [s.enterpriseId, s.new, s.error]), names.map((_, i) => [i + 1, 10 * (i + 1), undefined]));
    assert.deepEqual(await readdir(root), ['data'], 'nothing written beside DATA_DIR');
    const dirs = await Promise.all(names.map((_, i) => dirOf(dataDir, i + 1)));
    assert.equal(new Set(dirs).size, names.length);
    for (const [i, dir] of dirs.entries()) {
      const rel = relative(dataDir, dir);
      assert.ok(rel !== '' && !rel.startsWith('..') && !rel.includes(sep), `${JSON.stringify(names[i])} -> ${rel}`);
      await assertLogMatches(dir, sim.allEvents(i + 1));
    }
    assert.deepEqual(dirs.map((d) => relative(dataDir, d)).slice(0, 6), ['------etc', 'enterprise-2', 'enterprise-3', 'enterprise-4', 'ACME-Co-', 'ACME-Co--6']);
  });

  test('events with only a logicalId are deduped by their key across overlapping runs', async () => {
    const { sim, options, dataDir } = await setup();
    sim.generate(1, { count: 2_500, startMs: T0 - HOUR, endMs: T0 + 10 * MIN, idStyle: 'logicalId' });
    sim.addBurst(1, { count: 2_100, atMs: T0 - 20 * MIN, idStyle: 'logicalId' });
    const sample = sim.allEvents(1)[0]!;
    assert.equal(sample.id, undefined);
    assert.equal(typeof sample.logicalId, 'string');
    const first = await collectEnterprise({ ...options, enterprise: enterprise(sim, 1), nowMs: T0 });
    const second = await collectEnterprise({ ...options, enterprise: enterprise(sim, 1), nowMs: T0 + 10 * MIN });
    assert.ok(second.duplicates > 0);
    assert.equal(first.new + second.new, 4_600);
    await assertLogMatches(await dirOf(dataDir, 1), sim.allEvents(1));
  });
});

/**
 * An agent clock off from the VCO's: the checkpoint follows the VCO's clock (its HTTP Date header), so a clock
 * running ahead cannot move the next window past events the VCO stamps later. The simulator's Date header is
 * the real clock; the agent's clock is `nowMs`.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { VcoEvent } from '../event.js';
import { createLogger } from '../log.js';
import { startSimulator, type Simulator } from '../simulator/index.js';
import { loadState } from '../store/state.js';
import { VcoClient } from './client.js';
import { collectEnterprise } from './collector.js';

const MIN = 60_000;
const acme = { id: 1, name: 'ACME' };
let sim: Simulator;
let root = '';
let run = 0;

before(async () => {
  sim = await startSimulator({ enterprises: [acme] });
  root = await mkdtemp(join(tmpdir(), 'vco-clock-skew-'));
});
after(async () => {
  await sim.close();
  await rm(root, { recursive: true, force: true });
});

function setup(): { opts: Parameters<typeof collectEnterprise>[0]; dir: string; warnings: string[] } {
  const warnings: string[] = [];
  const logger = createLogger({ level: 'warn', json: true, write: (line) => warnings.push(line) });
  const client = new VcoClient({ baseUrl: sim.url, auth: { kind: 'token', token: 'sim-operator-token' }, retryBaseMs: 1 });
  const dataDir = join(root, `data-${++run}`);
  const opts = { client, dataDir, sinceMs: Date.now() - 60 * MIN, lookbackMs: 15 * MIN, enterprise: acme, logger };
  return { opts, dir: join(dataDir, 'ACME'), warnings };
}

const event = (id: number, timeMs: number): VcoEvent => ({
  id, eventTime: new Date(timeMs).toISOString(), event: 'EDGE_DOWN', category: 'EDGE', severity: 'ERROR',
  message: `event ${id}`, detail: null, enterpriseUsername: null, edgeName: 'b1', segmentName: null,
});

test('agent clock 20 min ahead, 15 min lookback: an event the VCO stamps after run 1 is collected by run 2, with a warning', async () => {
  const { opts, dir, warnings } = setup();
  const skew = 20 * MIN;
  await collectEnterprise({ ...opts, nowMs: Date.now() + skew });
  sim.addEvents(acme.id, [event(101, Date.now())]); // on time, by the VCO's clock
  await collectEnterprise({ ...opts, nowMs: Date.now() + skew });
  const ids = (await readFile(join(dir, 'events.json'), 'utf8')).trim().split('\n').filter(Boolean).map((line) => (JSON.parse(line) as VcoEvent).id);
  assert.deepEqual(ids, [101]);
  assert.ok(((await loadState(dir))?.checkpointMs ?? Infinity) < Date.now(), 'the checkpoint is not in the VCO\'s future');
  assert.equal(warnings.length, 2, `one warning per run, got: ${warnings.join('')}`);
  for (const line of warnings) {
    const { msg, agentTime, vcoTime } = JSON.parse(line) as { msg: string; agentTime: string; vcoTime: string };
    assert.match(msg, /clock differs from the VCO's by 20\.\d min .*NTP/);
    assert.ok(Date.parse(agentTime) - Date.parse(vcoTime) > 19 * MIN);
  }
});

test('agent clock behind the VCO: the checkpoint is the window end, as before, with a warning', async () => {
  const { opts, dir, warnings } = setup();
  const nowMs = Date.now() - 20 * MIN;
  await collectEnterprise({ ...opts, nowMs });
  assert.equal((await loadState(dir))?.checkpointMs, nowMs);
  assert.equal(warnings.length, 1);
  assert.match(warnings[0]!, /by -20\.\d min/);
});

test('clocks in step: no warning', async () => {
  const { opts, warnings } = setup();
  await collectEnterprise(opts);
  assert.deepEqual(warnings, []);
});

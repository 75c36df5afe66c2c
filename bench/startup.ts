/**
 * Benchmark 4: `vco-siem run` with nothing to do, as cron runs it: a data directory already collected and
 * forwarded, a simulator with no new events, the receiver up. Median wall time of N runs, from spawn to exit,
 * and the median CPU time the runs used (which shows less of whatever else the machine is doing).
 */
import { join } from 'node:path';
import { AGENT_NODE_ARGS, runNode, runSummary } from './lib/child.js';
import { CLI_PATH, scratchDir } from './lib/paths.js';
import { startCountingReceiver } from './lib/receiver.js';
import { startSimProcess } from './lib/simulator.js';
import type { Sizes } from './lib/sizes.js';
import { info, type Row } from './lib/table.js';
import { cefOverTcp } from './forward.js';
import { DEFAULT_TOKEN } from '../src/simulator/index.js';

const HOUR_MS = 3_600_000;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export async function startupBench(sizes: Sizes): Promise<Row[]> {
  const now = Date.now();
  // Events end an hour ago: the lookback window (15 min) of an up-to-date run holds none.
  const sim = await startSimProcess({ enterprises: 1, eventsPerEnterprise: 2000, latencyMs: 0, startMs: now - 48 * HOUR_MS, endMs: now - HOUR_MS });
  const receiver = await startCountingReceiver();
  const scratch = await scratchDir('startup');
  try {
    const env = { ...cefOverTcp(join(scratch.path, 'data'), receiver.port), VCO_HOSTNAME: sim.url, VCO_TOKEN: DEFAULT_TOKEN, VCO_SINCE: '3d' };
    const cycle = () => runNode(CLI_PATH, ['run'], { env, cwd: scratch.path, timeoutMs: 60_000, nodeArgs: AGENT_NODE_ARGS, measureRss: true });
    const first = runSummary(await cycle(), 'vco-siem run (first)');
    if (first.new !== 2000 || first.forwarded !== 2000) throw new Error(`the first run stored ${first.new} and forwarded ${first.forwarded} events, expected 2000`);
    const times: number[] = [];
    const cpu: number[] = [];
    for (let i = 0; i < sizes.startupRuns; i++) {
      const result = await cycle();
      const summary = runSummary(result, 'vco-siem run');
      if (summary.new !== 0 || summary.forwarded !== 0) throw new Error(`a run with nothing to do stored ${summary.new} and forwarded ${summary.forwarded} events`);
      times.push(result.wallMs);
      if (result.cpuMs !== undefined) cpu.push(result.cpuMs);
    }
    const bare: number[] = [];
    for (let i = 0; i < sizes.startupRuns; i++) bare.push((await runNode('-e', ['0'])).wallMs);
    const ms = median(times);
    return [
      { benchmark: `startup: run, nothing to do (median of ${sizes.startupRuns})`, result: `${ms.toFixed(0)} ms (min ${Math.min(...times).toFixed(0)}, max ${Math.max(...times).toFixed(0)})`, target: '< 400 ms', pass: ms < 400 },
      info('startup: CPU time of those runs (median)', cpu.length > 0 ? `${median(cpu).toFixed(0)} ms` : 'unknown'),
      info('startup: bare `node -e 0` for scale', `${median(bare).toFixed(0)} ms`),
    ];
  } finally {
    await sim.stop().catch(() => undefined);
    await receiver.close();
    await scratch.remove();
  }
}

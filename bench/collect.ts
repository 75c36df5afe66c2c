/**
 * Benchmarks 2 (collection memory) and 3 (collection time). The simulator runs in its own process
 * (bench/sim-server.js); the agent is the real CLI (`vco-siem collect`), so only the agent's RSS is counted.
 */
import { join } from 'node:path';
import { AGENT_NODE_ARGS, logRecords, runNode, runSummary } from './lib/child.js';
import { CLI_PATH, scratchDir } from './lib/paths.js';
import { startSimProcess } from './lib/simulator.js';
import type { Sizes } from './lib/sizes.js';
import { formatCount, info, type Row } from './lib/table.js';
import { MAX_PAGE_LIMIT, EVENTS_METHOD } from '../src/collect/pager.js';
import { DEFAULT_OPERATOR_TOKEN, DEFAULT_TOKEN } from '../src/simulator/index.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

export interface CollectRun {
  enterprises: number;
  events: number;
  /** The CLI's own duration of the collection. */
  ms: number;
  /** CPU time of the agent process (user + system). */
  cpuMs: number | undefined;
  peakRssBytes: number | undefined;
  /** Every call the simulator answered (discovery included), and the event-page calls among them. */
  apiCalls: number;
  eventCalls: number;
  pagesNeeded: number;
}

/**
 * Collect `enterprises` x `perEnterprise` events from a fresh data directory. The events lie in the last 30 days
 * up to an hour ago; VCO_SINCE=31d asks for all of them.
 */
export async function collectOnce(opts: { enterprises: number; perEnterprise: number; latencyMs: number; concurrency: number; nodeArgs?: string[] }): Promise<CollectRun> {
  const now = Date.now();
  const sim = await startSimProcess({
    enterprises: opts.enterprises,
    eventsPerEnterprise: opts.perEnterprise,
    latencyMs: opts.latencyMs,
    startMs: now - 30 * DAY_MS,
    endMs: now - HOUR_MS,
  });
  const scratch = await scratchDir('collect');
  let stopped = false;
  try {
    // One enterprise: its own user's token. Several: the operator sees every enterprise.
    const auth = opts.enterprises === 1 ? { VCO_TOKEN: DEFAULT_TOKEN, VCO_LOGIN: 'enterprise' } : { VCO_TOKEN: DEFAULT_OPERATOR_TOKEN, VCO_LOGIN: 'operator' };
    const result = await runNode(CLI_PATH, ['collect'], {
      env: {
        ...auth,
        VCO_HOSTNAME: sim.url,
        VCO_SINCE: '31d',
        VCO_CONCURRENCY: String(opts.concurrency),
        DATA_DIR: join(scratch.path, 'data'),
        LOG_LEVEL: 'info',
        LOG_FORMAT: 'json',
      },
      measureRss: true,
      cwd: scratch.path,
      nodeArgs: [...AGENT_NODE_ARGS, ...(opts.nodeArgs ?? [])],
    });
    const stats = await sim.stop();
    stopped = true;
    const summary = runSummary(result, 'vco-siem collect');
    const expected = opts.enterprises * opts.perEnterprise;
    if (summary.new !== expected) throw new Error(`vco-siem collect stored ${summary.new} events, expected ${expected}`);
    const warnings = logRecords(result.stderr).filter((r) => r.level === 'warn' || r.level === 'error');
    if (warnings.length > 0) throw new Error(`vco-siem collect warned: ${JSON.stringify(warnings[0])}`);
    return {
      enterprises: opts.enterprises,
      events: expected,
      ms: summary.durationMs!,
      cpuMs: result.cpuMs,
      peakRssBytes: result.peakRssBytes,
      apiCalls: stats.calls,
      eventCalls: stats.byMethod[EVENTS_METHOD] ?? 0,
      pagesNeeded: opts.enterprises * Math.max(1, Math.ceil(opts.perEnterprise / MAX_PAGE_LIMIT)),
    };
  } finally {
    if (!stopped) await sim.stop().catch(() => undefined);
    await scratch.remove();
  }
}

const backlogRuns = new Map<string, Promise<CollectRun>>();

/** A backlog of `count` events in one enterprise, no latency: the memory measurement (node started with `nodeArgs`). */
export function measureBacklog(count: number, nodeArgs: string[] = []): Promise<CollectRun> {
  const key = `${count} ${nodeArgs.join(' ')}`;
  let run = backlogRuns.get(key);
  if (run === undefined) {
    run = collectOnce({ enterprises: 1, perEnterprise: count, latencyMs: 0, concurrency: 1, nodeArgs });
    backlogRuns.set(key, run);
  }
  return run;
}

export async function collectionBench(sizes: Sizes): Promise<Row[]> {
  const run = await collectOnce({
    enterprises: sizes.collectEnterprises,
    perEnterprise: sizes.eventsPerEnterprise,
    latencyMs: sizes.latencyMs,
    concurrency: sizes.concurrency,
  });
  const idealMs = (run.apiCalls / sizes.concurrency) * sizes.latencyMs;
  const ratio = run.ms / idealMs;
  const label = `collect: ${run.enterprises} x ${formatCount(sizes.eventsPerEnterprise)}`;
  return [
    info(`${label}, ${sizes.latencyMs} ms/call`, `${(run.ms / 1000).toFixed(2)} s wall${run.cpuMs === undefined ? '' : `, agent CPU ${(run.cpuMs / 1000).toFixed(2)} s`}, ${run.apiCalls} API calls, concurrency ${sizes.concurrency}`),
    info('collect: ideal time', `${(idealMs / 1000).toFixed(2)} s (calls / concurrency x latency)`),
    { benchmark: 'collect: wall / ideal', result: `${ratio.toFixed(2)}x`, target: '<= 1.3x', pass: ratio <= 1.3 },
    {
      benchmark: 'collect: event calls vs pages needed',
      result: `${run.eventCalls} calls, ${run.pagesNeeded} pages (+${run.apiCalls - run.eventCalls} discovery)`,
      target: 'calls <= pages',
      pass: run.eventCalls <= run.pagesNeeded,
    },
  ];
}

/**
 * Benchmark 1: forward an NDJSON log as CEF over TCP with the real CLI (`vco-siem forward`, its own process,
 * peak RSS measured) to a receiver that only counts, against the parse-only ceiling on the same file.
 */
import { join } from 'node:path';
import { AGENT_NODE_ARGS, runNode, runSummary } from './lib/child.js';
import { cachedEventLog, prepareDataDir } from './lib/events.js';
import { BENCH_SCRIPT, CLI_PATH, scratchDir } from './lib/paths.js';
import { startCountingReceiver } from './lib/receiver.js';
import type { Sizes } from './lib/sizes.js';
import { formatCount, formatMB, formatRate, info, type Row } from './lib/table.js';

export interface ForwardRun {
  events: number;
  logBytes: number;
  /** The CLI's own duration (command start to end: mapping load, connect, read, encode, send, positions). */
  ms: number;
  /** Process wall time including Node start-up. */
  wallMs: number;
  /** CPU time of the process, all its threads (user + system). */
  cpuMs: number | undefined;
  peakRssBytes: number | undefined;
  bytesReceived: number;
  connections: number;
}

const forwardRuns = new Map<string, Promise<ForwardRun>>();

/**
 * Forward a log of `count` events once per bench run (the memory bench reuses the same measurement), with
 * the default encode threads (`auto`) or a fixed ENCODE_THREADS, node started with `nodeArgs`.
 */
export function measureForward(count: number, encodeThreads = 'auto', nodeArgs: string[] = []): Promise<ForwardRun> {
  const key = `${count}/${encodeThreads}/${nodeArgs.join(' ')}`;
  let run = forwardRuns.get(key);
  if (run === undefined) {
    run = forwardOnce(count, encodeThreads, nodeArgs);
    forwardRuns.set(key, run);
  }
  return run;
}

/** Environment of a CLI run sending CEF over TCP to 127.0.0.1:port. */
export function cefOverTcp(dataDir: string, port: number): Record<string, string> {
  return {
    DATA_DIR: dataDir,
    SIEM_NAME: 'bench',
    SIEM_HOST: '127.0.0.1',
    SIEM_PORT: String(port),
    SIEM_PROTOCOL: 'tcp',
    SIEM_FORMAT: 'cef',
    SIEM_HOSTNAME: 'bench-agent',
    LOG_LEVEL: 'info',
    LOG_FORMAT: 'json',
  };
}

async function forwardOnce(count: number, encodeThreads: string, nodeArgs: string[]): Promise<ForwardRun> {
  const log = await cachedEventLog(count);
  const receiver = await startCountingReceiver();
  const scratch = await scratchDir('forward');
  try {
    const dataDir = join(scratch.path, 'data');
    await prepareDataDir(dataDir, log.path);
    const result = await runNode(CLI_PATH, ['forward'], {
      env: { ...cefOverTcp(dataDir, receiver.port), ENCODE_THREADS: encodeThreads },
      measureRss: true,
      cwd: scratch.path,
      nodeArgs: [...AGENT_NODE_ARGS, ...nodeArgs],
    });
    const summary = runSummary(result, 'vco-siem forward');
    if (summary.forwarded !== count || receiver.frames !== count) {
      throw new Error(`vco-siem forward delivered ${summary.forwarded} events, the receiver counted ${receiver.frames} frames; expected ${count}`);
    }
    return {
      events: count,
      logBytes: log.bytes,
      ms: summary.durationMs!,
      wallMs: result.wallMs,
      cpuMs: result.cpuMs,
      peakRssBytes: result.peakRssBytes,
      bytesReceived: receiver.bytes,
      connections: receiver.connections,
    };
  } finally {
    await receiver.close();
    await scratch.remove();
  }
}

export interface CeilingRun {
  events: number;
  ms: number;
}

async function measureCeiling(count: number): Promise<CeilingRun> {
  const log = await cachedEventLog(count);
  const result = await runNode(BENCH_SCRIPT.ceiling, [log.path]);
  if (result.code !== 0) throw new Error(`the ceiling run failed:\n${result.stderr}`);
  const parsed = JSON.parse(result.stdout) as CeilingRun;
  if (parsed.events !== count) throw new Error(`the ceiling run parsed ${parsed.events} events, expected ${count}`);
  return parsed;
}

export async function forwardBench(sizes: Sizes): Promise<Row[]> {
  const n = sizes.forwardEvents;
  await cachedEventLog(n); // written (or found) before anything is timed
  const ceiling = await measureCeiling(n);
  const forward = await measureForward(n);
  const oneThread = await measureForward(n, '0');
  const rate = (run: ForwardRun): number => (run.events / run.ms) * 1000;
  const ceilingRate = (ceiling.events / ceiling.ms) * 1000;
  const ratio = rate(forward) / ceilingRate;
  const details = (run: ForwardRun): string => {
    const mbps = (run.bytesReceived / 1048576 / run.ms) * 1000;
    const cpu = run.cpuMs === undefined ? '' : `, CPU ${(run.cpuMs / 1000).toFixed(2)} s`;
    return `${formatRate(rate(run))} (${(run.ms / 1000).toFixed(2)} s${cpu}, ${mbps.toFixed(0)} MB/s to SIEM)`;
  };
  return [
    info(`forward: ${formatCount(n)} events CEF/TCP`, details(forward)),
    info('forward: same, ENCODE_THREADS=0', details(oneThread)),
    info(`forward: parse-only ceiling`, `${formatRate(ceilingRate)} (${(ceiling.ms / 1000).toFixed(2)} s, log ${formatMB(forward.logBytes)})`),
    { benchmark: 'forward: share of ceiling', result: `${(ratio * 100).toFixed(0)}%`, target: '>= 60%', pass: ratio >= 0.6 },
  ];
}

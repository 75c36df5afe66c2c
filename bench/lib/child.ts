/** Runs a Node script as a child process and measures it: wall time, exit code, output and peak RSS. */
import { spawn } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { BENCH_SCRIPT } from './paths.js';

export interface ChildResult {
  code: number | null;
  stdout: string;
  stderr: string;
  wallMs: number;
  /** Peak resident set size in bytes (VmHWM at exit); undefined when the OS does not tell. */
  peakRssBytes: number | undefined;
  /** CPU time used (user + system, ms), measured with the peak RSS; undefined when not measured. */
  cpuMs: number | undefined;
}

export interface ChildOptions {
  env?: Record<string, string>;
  nodeArgs?: string[];
  /** Kill the child after this long (a hung benchmark must not hang the run). */
  timeoutMs?: number;
  /** Measure peak RSS and CPU time with the rss-probe preload. */
  measureRss?: boolean;
  /** Working directory (a scratch dir, so no stray ./.env is read by the CLI). */
  cwd?: string;
}

/** Only what a child needs from our environment: settings must come from the bench, not the caller's shell. */
function baseEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const key of ['PATH', 'HOME', 'TMPDIR', 'LANG']) {
    const value = process.env[key];
    if (value !== undefined) env[key] = value;
  }
  return env;
}

/** The Node flags the documented ways to run vco-siem start it with: the Docker image (NODE_OPTIONS), the crontab, the systemd example. */
export const SHIPPED_NODE_ARGS = ['--max-semi-space-size=4'];

/** Extra Node flags for the measured agent runs and the simulator, e.g. --cpu-prof from `run.js --cpu-prof`. */
export const AGENT_NODE_ARGS: string[] = [];

let probeFiles = 0;

export async function runNode(script: string, args: string[], opts: ChildOptions = {}): Promise<ChildResult> {
  const rssFile = opts.measureRss ? join(tmpdir(), `vco-siem-bench-rss-${process.pid}-${probeFiles++}`) : undefined;
  const nodeArgs = [...(opts.nodeArgs ?? []), ...(rssFile ? ['--import', BENCH_SCRIPT.rssProbe] : [])];
  const started = performance.now();
  const child = spawn(process.execPath, [...nodeArgs, script, ...args], {
    env: { ...baseEnv(), ...opts.env, ...(rssFile ? { BENCH_RSS_FILE: rssFile } : {}) },
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(opts.cwd ? { cwd: opts.cwd } : {}),
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 300_000);
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (exitCode) => resolve(exitCode));
  }).finally(() => clearTimeout(timer));
  const wallMs = performance.now() - started;
  let peakRssBytes: number | undefined;
  let cpuMs: number | undefined;
  if (rssFile) {
    const [kb = -1, cpu = -1] = (await readFile(rssFile, 'utf8').catch(() => '')).split(' ').map(Number);
    peakRssBytes = kb > 0 ? kb * 1024 : undefined;
    cpuMs = cpu >= 0 ? cpu : undefined;
    await rm(rssFile, { force: true });
  }
  return { code, stdout, stderr, wallMs, peakRssBytes, cpuMs };
}

/** The JSON log lines (LOG_FORMAT=json) a CLI run wrote to stderr. */
export function logRecords(stderr: string): Record<string, unknown>[] {
  const records: Record<string, unknown>[] = [];
  for (const line of stderr.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      records.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      // Not a log record.
    }
  }
  return records;
}

/** The fields of the CLI's final "run summary" log record; throws with the child's output when missing. */
export function runSummary(result: ChildResult, what: string): Record<string, number> {
  const record = logRecords(result.stderr).find((r) => r.msg === 'run summary');
  if (result.code !== 0 || record === undefined) {
    throw new Error(`${what} failed (exit ${result.code}):\n${result.stderr.slice(-2000)}${result.stdout.slice(-1000)}`);
  }
  return record as Record<string, number>;
}
